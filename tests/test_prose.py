"""Markdown says what the outputs show: no measured number typed into the prose.

A number a student reads in a notebook's text must be one a re-run on their machine cannot
contradict. Measured accuracies, gains and their ranges over seeds belong in code outputs
(printed by the cell that measures them) and in ``benchmarks/robustness.md``. The prose may
state thresholds that a check enforces ("at least 15 points", "under 60%"), settings
("confidence >= 0.9"), and published figures marked as citations (a sentence that names its
source: "et al.", "the paper", a year in brackets).
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))

NUMBER = r"[−-]?\d+(?:[.,]\d+)?"
# A measured quantity: points of accuracy, a percentage, an accuracy written as 0.xyz.
MEASURE = re.compile(rf"({NUMBER}(?:\s*(?:to|–|-|and)\s*{NUMBER})?\s*(?:points?\b|%))"
                     r"|(\b0\.\d{2,}\b)")
# Words that make a number a threshold or a setting rather than a measurement.
BOUND = re.compile(r"(at least|at most|no more than|more than|less than|under|over|above|"
                   r"below|within|up to|≥|≤|>|<|=|checked|asks? for|nothing reaches)[\s(]*$",
                   re.I)
SETTING = re.compile(r"threshold|confidence|chance|learning rate|λ|dropout", re.I)
AFTER = re.compile(r"^\s*(or more|or less|=|confidence)", re.I)  # a 95% confidence interval
# Published figures, and made-up numbers in questions, are not measurements of this course.
CITATION = re.compile(r"et al\.|\bpaper\b|\(\d{4}\)|, \d{4}\b|\bpublished\b|\breports?\b|"
                      r"\bsuppose\b", re.I)


def sentences(text: str) -> list[str]:
    text = re.sub(r"`[^`]*`", "", text)  # code spans: settings, not measurements
    text = re.sub(r"\$[^$]*\$", "", text)  # equations
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"[ \t]*\n[ \t]*(?![-*\d])", " ", text)  # lines of one paragraph
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\s*[-*\d]+[.)]?\s+", text) if s.strip()]


def measured_numbers(text: str) -> list[str]:
    """The measured numbers a Markdown text states, with their sentence."""
    found = []
    for sentence in sentences(text):
        if CITATION.search(sentence):
            continue
        for match in MEASURE.finditer(sentence):
            before, after = sentence[: match.start()][-40:], sentence[match.end():]
            is_range = re.search(r"\d\s*(to|–|-)\s*\d", match.group(0))
            bound = BOUND.search(before) or SETTING.search(before) or AFTER.search(after)
            if bound and not is_range:
                continue
            found.append(f"{match.group(0)!r} in: {sentence[:160]}")
    return found


def test_the_rule_finds_measured_numbers_and_lets_thresholds_pass():
    assert measured_numbers("We measured a gain of 9 to 19 points.")
    assert measured_numbers("Over three seeds the scratch run reached 34% to 68%.")
    assert measured_numbers("The frozen base reaches 0.851 here.")
    assert measured_numbers("λ×10 loses 5 to 15 points.")  # a range is never a threshold
    assert not measured_numbers("The check asks for at least 15 points.")
    assert not measured_numbers("Nothing reaches 60% on MNIST-M.")
    assert not measured_numbers("Keep predictions with confidence ≥ 0.9.")
    assert not measured_numbers("The paper reports 52.25% for source only (Ganin et al., 2016).")
    assert not measured_numbers("It prints `0.851` and 10 classes of 28×28 images.")
    assert not measured_numbers("It is 95% or more right; 50% = chance.")
    assert not measured_numbers("The mean accuracy with its 95% confidence interval.")
    assert not measured_numbers("Suppose NTG is -12 points for one source.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_states_no_measured_number(path):
    nb = nbformat.read(path, as_version=4)
    found = [f"cell {i}: {hit}" for i, cell in enumerate(nb.cells)
             if cell.cell_type == "markdown" for hit in measured_numbers(cell.source)]
    assert not found, (f"{path.name}: measured numbers typed into Markdown; print them from "
                       "the cell that measures them, or link benchmarks/robustness.md:\n"
                       + "\n".join(found))
