import math

import pytest

from tlteach.history import join_phases


def test_join_phases_concatenates_and_marks_where_each_phase_starts():
    head = {"epoch": [1, 2], "loss": [2.0, 1.5], "accuracy": [0.3, 0.5]}
    tune = {"epoch": [3, 4, 5], "loss": [1.2, 1.0, 0.9], "accuracy": [0.6, 0.7, 0.8],
            "val_accuracy": [0.5, 0.6, 0.6]}
    more = {"epoch": [6], "loss": [0.8], "accuracy": [0.85], "val_accuracy": [0.65]}
    joined = join_phases(head, tune, more)
    assert all(math.isnan(v) for v in joined["val_accuracy"][:2])  # no validation in phase 1
    joined["val_accuracy"] = joined["val_accuracy"][2:]
    assert joined == {"epoch": [1, 2, 3, 4, 5, 6], "loss": [2.0, 1.5, 1.2, 1.0, 0.9, 0.8],
                      "accuracy": [0.3, 0.5, 0.6, 0.7, 0.8, 0.85],
                      "val_accuracy": [0.5, 0.6, 0.6, 0.65],
                      "phase_starts": [0, 2, 5]}
    assert head["epoch"] == [1, 2]  # the inputs are left as they were
    with pytest.raises(ValueError, match="at least one"):
        join_phases()
