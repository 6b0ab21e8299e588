import json
import os
import subprocess
import sys
from collections import Counter
from importlib import resources

import pytest

from tlteach import quiz


def test_every_topic_has_three_to_five_well_formed_questions():
    assert quiz.topics() == ["choosing_a_strategy", "continual_and_peft", "domain_adaptation",
                             "domain_adaptation_keras",
                             "few_shot_zero_shot",
                             "fine_tuning", "fine_tuning_keras", "frozen_backbone",
                             "frozen_backbone_keras", "model_cost",
                             "multi_task_and_self_supervised", "negative_transfer",
                             "reinforcement_learning", "start_here", "text",
                             "what_transfers", "which_layers_transfer",
                             "your_own_images", "your_own_images_keras"]
    for topic in quiz.topics():
        items = quiz.questions(topic)
        assert 3 <= len(items) <= 5
        for q in items:
            assert q.prompt.endswith("?") and len(q.choices) >= 3
            assert 0 <= q.answer < len(q.choices) and q.explanation
            assert len(set(q.choices)) == len(q.choices)
    with pytest.raises(KeyError, match="topics: choosing_a_strategy"):
        quiz.questions("nope")


def test_the_answer_cannot_be_guessed_from_its_position_or_length():
    for topic in quiz.topics():
        items = quiz.questions(topic)
        positions = Counter(q.answer for q in items)
        assert max(positions.values()) <= 0.4 * len(items), (topic, positions)
        longest = [len(q.choices[q.answer]) >= max(map(len, q.choices)) for q in items]
        assert sum(longest) <= len(items) / 2, (topic, longest)


def test_display_order_is_a_stable_shuffle_of_the_stored_choices():
    stored = json.loads(resources.files("tlteach").joinpath("quizzes.json").read_text())
    for topic, items in stored.items():
        for item, q in zip(items, quiz.questions(topic), strict=True):
            assert sorted(q.choices) == sorted(item["choices"])
            assert q.choices[q.answer] == item["choices"][item["answer"]]
        assert quiz.questions(topic) == quiz.questions(topic)
    # The same letters in another process (string seeds do not depend on hash randomisation).
    code = ("from tlteach import quiz; "
            "print([q.choices for t in quiz.topics() for q in quiz.questions(t)])")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2")}
    assert len(runs) == 1


def test_check_gives_feedback_and_refuses_bad_choices():
    q = quiz.questions("fine_tuning")[0]
    right, text = quiz.check(q, q.answer)
    assert right and text.startswith("Correct.") and q.explanation in text
    wrong = (q.answer + 1) % len(q.choices)
    assert quiz.check(q, wrong) == (False, "Not quite — try another answer.")
    with pytest.raises(ValueError, match="choice must lie in"):
        quiz.check(q, len(q.choices))


def test_widget_buttons_give_immediate_feedback():
    q = quiz.questions("frozen_backbone")[0]
    box = quiz.question_widget(q, number=1)
    prompt, *buttons, feedback = box.children
    assert "1. When is feature extraction" in prompt.value and len(buttons) == len(q.choices)
    buttons[(q.answer + 1) % len(buttons)].click()
    assert "Not quite" in feedback.value and "firebrick" in feedback.value
    buttons[q.answer].click()
    assert "Correct." in feedback.value and buttons[q.answer].button_style == "success"
    assert len(quiz.quiz_widget(quiz.questions("frozen_backbone")).children) == 5


def test_plain_text_fallback_outside_a_notebook(capsys):
    assert not quiz.widgets_available()  # pytest is not a Jupyter kernel
    quiz.show_quiz("what_transfers")
    text = capsys.readouterr().out
    first = quiz.questions("what_transfers")[0]
    letter = "abcd"[first.answer]
    assert text.startswith("1. What is the main benefit of transfer learning?")
    assert f"   {letter}) A small target task needs fewer labels" in text
    assert f"Answers (read after trying):\n1. {letter}) " in text


def test_every_notebook_has_a_quiz_topic_of_its_own():
    import re
    from pathlib import Path

    import nbformat

    notebooks = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.ipynb"))
    used = {}
    for path in notebooks:
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                         if c.cell_type == "code")
        topics = re.findall(r'show_quiz\("(\w+)"\)', code)
        assert len(topics) == 1, (path.name, topics)
        used.setdefault(topics[0], []).append(path.name)
    shared = {topic: names for topic, names in used.items() if len(names) > 1}
    assert not shared, f"notebooks sharing a quiz: {shared}"
    assert sorted(used) == quiz.topics()
