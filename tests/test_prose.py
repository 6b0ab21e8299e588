"""The prose says only what the outputs show: no measured number typed into it.

A number a student reads in a notebook's text must be one a re-run on their machine cannot
contradict. Measured accuracies, gains and their ranges over seeds belong in code outputs
(printed by the cell that measures them) and in ``benchmarks/robustness.md``. "The text" is
every Markdown cell, every code comment, and the comments and string literals of solution
cells (a solution that prints "it grows" must not have typed the numbers it grows by).

It may state:

- a threshold that a check of the same notebook enforces: "at least 15 points" passes only
  where a code cell of that notebook has the literal ``0.15`` (or ``15``);
- a setting named as one (a learning rate, a confidence cut-off, chance, λ, dropout, τ) or
  written as ``name = value``; the allow-list ``SETTING`` is kept short on purpose;
- a published figure in a sentence that names its source ("et al.", "the paper", a year).

Numbers are found as digits with a unit ("15 points", "9 pts", "85 percent", "91%"), as
decimals ("0.8", "0.851"), in words ("twenty points", "about a quarter"), and as ratios
("3×", "three times the cost").
"""

import io
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
SOLUTION_TAG = "solution"

WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
         "thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred")
NUMBER = rf"[−-]?(?:\d+(?:[.,]\d+)?|\b(?:{WORDS})\b)"
UNIT = r"(?:percentage points?|points?\b|pts\b|percent\b|per cent\b|%)"
FRACTION = (r"\b(?:a|one) (?:quarter|third|fifth|tenth)s?\b|\b(?:two|three) (?:thirds|quarters)\b"
            r"|\bhalf\b")
APPROX = r"\b(?:about|roughly|nearly|almost|around|some|close to|over|under|more than|less than)\s+"
# A ratio: "3× faster", "three times the cost" (not "drawn seven times", nor "28×28").
COMPARED = (r"(?:\w+\s+)?(?:faster|slower|smaller|larger|bigger|fewer|more|less|lower|higher|"
            r"cheaper|dearer|longer|shorter|the\b|as\b|chance|above|below|over|under)")
RATIO = rf"(?:\b\d+(?:\.\d+)?\s*[×x]|\b(?:{WORDS}|several) times)(?!\s*\d)\s+{COMPARED}"
MEASURE = re.compile(
    rf"(?P<unit>{NUMBER}(?:\s*(?:to|–|-|and)\s*{NUMBER})?\s*{UNIT})"
    rf"|(?P<decimal>(?<![\w.])[−-]?0\.\d+\b)"
    rf"|(?P<fraction>{APPROX}(?:{FRACTION}))"
    rf"|(?P<ratio>{RATIO})", re.I)
# Words that make a number a threshold (checked against the notebook's literals).
BOUND = re.compile(r"(at least|at most|no more than|more than|less than|fewer than|under|"
                   r"over|above|below|within|±|≥|≤|>|<|checked|asks? for|nothing reaches)[\s(]*$",
                   re.I)
# Settings, named as such: never measurements. Keep this list short.
SETTING = re.compile(r"(threshold|confidence|chance|learning rate|\blr\b|λ|lambda|dropout|τ|"
                     r"temperature|momentum|weight decay|=)[^.;]{0,12}$", re.I)
# After the number: a 95% confidence interval, a label ("0.9: ..."), arithmetic, a length.
AFTER = re.compile(r"^\s*(or more|or less|=|confidence|[+*/]|m\b)|^\s*(\w+\s+){0,2}"
                   r"(learning rate|lr)\b|^[^.]{0,30}\b\d+e-\d", re.I)
ARITHMETIC = re.compile(r"[+*/]\s*$")
# Published figures, and made-up numbers in questions, are not measurements of this course.
CITATION = re.compile(r"et al\.|\bpaper\b|\(\d{4}\)|, \d{4}\b|\bpublished\b|\breports?\b|"
                      r"\bsuppose\b", re.I)
WORD_VALUES = {w: v for v, w in enumerate(WORDS.split("|")[:12], start=1)}
WORD_VALUES.update(fifteen=15, twenty=20, thirty=30, forty=40, fifty=50, sixty=60, seventy=70,
                   eighty=80, ninety=90, hundred=100)


def sentences(text: str) -> list[str]:
    text = re.sub(r"`[^`]*`", "", text)  # code spans: settings, not measurements
    text = re.sub(r"\$[^$]*\$", "", text)  # equations
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"[ \t]*\n[ \t]*(?![-*\d])", " ", text)  # lines of one paragraph
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\s*[-*\d]+[.)]?\s+", text) if s.strip()]


def value_of(token: str) -> float | None:
    """The number a word or digits stand for ("twenty" -> 20, "0,5" -> 0.5)."""
    token = token.strip().lower().replace("−", "-")
    if token in WORD_VALUES:
        return float(WORD_VALUES[token])
    try:
        return float(token.replace(",", "."))
    except ValueError:
        return None


def enforced(number: str, thresholds: frozenset[float]) -> bool:
    """Whether a bound's number is one of the notebook's literals (as is, or in points)."""
    value = value_of(number)
    if value is None:
        return False
    return any(abs(value - t) < 1e-9 or abs(value - 100 * t) < 1e-6 for t in thresholds)


def measured_numbers(text: str, thresholds: frozenset[float] = frozenset()) -> list[str]:
    """The measured numbers a text states, with their sentence.

    ``thresholds``: the numeric literals of the notebook's code; a bound ("at least 15
    points") passes only when its number is one of them.
    """
    found = []
    for sentence in sentences(text):
        if CITATION.search(sentence):
            continue
        for match in MEASURE.finditer(sentence):
            before, after = sentence[: match.start()][-40:], sentence[match.end():]
            hit = match.group(0)
            is_range = re.search(r"\w\s*(to|–|-)\s*[−-]?\w", hit) and match.group("unit")
            if match.lastgroup != "fraction" and not is_range:
                label = match.lastgroup == "decimal" and after.lstrip().startswith(":")
                if label or SETTING.search(before) or AFTER.search(after) \
                        or ARITHMETIC.search(before):
                    continue
                number = re.match(rf"\s*({NUMBER})", hit, re.I)
                if number and BOUND.search(before) and enforced(number.group(1), thresholds):
                    continue
            found.append(f"{hit.strip()!r} in: {sentence[:160]}")
    return found


def tokens(source: str) -> list[tokenize.TokenInfo]:
    """A code cell's Python tokens (IPython magics and shell lines left out)."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        return list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []


def comments(source: str) -> str:
    """The comments of a code cell, one per line."""
    return "\n".join(t.string.lstrip("#").strip() for t in tokens(source)
                     if t.type == tokenize.COMMENT)


def strings(source: str) -> str:
    """The text of a code cell's string literals, formatted fields left out."""
    middle = getattr(tokenize, "FSTRING_MIDDLE", -1)  # Python 3.12+ splits f-strings
    return "\n".join(re.sub(r"\{[^{}]*\}", " ", t.string) for t in tokens(source)
                     if t.type in (tokenize.STRING, middle))


def literals(nb) -> frozenset[float]:
    """Every number written in the notebook's code (thresholds, settings), not in its text."""
    found = set()
    for cell in nb.cells:
        for t in tokens(cell.source) if cell.cell_type == "code" else []:
            if t.type == tokenize.NUMBER and not t.string.endswith(("j", "J")):
                found.add(float(int(t.string, 0)) if t.string[:2].lower() in ("0x", "0o", "0b")
                          else float(t.string.replace("_", "")))
    return frozenset(found)


def prose(nb) -> list[tuple[str, str]]:
    """(where, text) of everything a student reads as prose in a notebook. The header's
    ``**CPU runtime:**`` line is left out: ``make notebooks`` writes it from what it measured."""
    from scripts.execute_notebooks import RUNTIME_LINE

    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            out.append((f"cell {i}", RUNTIME_LINE.sub("", cell.source)))
        elif cell.cell_type == "code":
            out.append((f"cell {i} comments", comments(cell.source)))
            if SOLUTION_TAG in cell.metadata.get("tags", []):
                out.append((f"cell {i} (solution) strings", strings(cell.source)))
    return out


MEASURED = ["We measured a gain of 15 points.",  # points
            "It reaches up to 91% here.",  # "up to" is not a check
            "The head reaches 0.8 on animals.",  # a one-digit decimal
            "The frozen base reaches 0.851 here.",
            "The probe is right 85 percent of the time.",  # percent
            "It wins by 9 pts.",  # pts
            "About a quarter of the images are wrong.",  # a fraction in words
            "A gain of over twenty points.",  # a number in words
            "The head is 3× faster.",  # N×
            "It comes at several times the cost.",  # N times
            "We measured a gain of 9 to 19 points.",  # a range is never a threshold
            "Over three seeds the scratch run reached 34% to 68%.",
            "λ×10 loses 5 to 15 points."]


@pytest.mark.parametrize("text", MEASURED)
def test_each_way_of_writing_a_measured_number_is_found(text):
    assert measured_numbers(text)


def test_a_threshold_passes_only_where_the_notebook_checks_it():
    assert measured_numbers("The check asks for at least 15 points.")
    assert not measured_numbers("The check asks for at least 15 points.", frozenset({0.15}))
    assert not measured_numbers("Nothing reaches 60% on MNIST-M.", frozenset({0.6}))
    assert measured_numbers("Nothing reaches 60% on MNIST-M.", frozenset({0.5}))


def test_settings_citations_and_repetitions_pass():
    assert not measured_numbers("Keep predictions with confidence ≥ 0.9.")
    assert not measured_numbers("The paper reports 52.25% for source only (Ganin et al., 2016).")
    assert not measured_numbers("It prints `0.851` and 10 classes of 28×28 images.")
    assert not measured_numbers("It is 95% or more right; 50% = chance.")
    assert not measured_numbers("The mean accuracy with its 95% confidence interval.")
    assert not measured_numbers("Suppose NTG is -12 points for one source.")
    assert not measured_numbers("Fine-tune with a 10× smaller learning rate.")
    assert not measured_numbers("One image, drawn seven times; never the same twice.")


def test_comments_and_solution_strings_are_prose():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1  # the gain is 12 points"),
                nbformat.v4.new_code_cell('print(f"it grows by 5 points: {x:.3f}")',
                                          metadata={"tags": [SOLUTION_TAG]}),
                nbformat.v4.new_code_cell('print(f"gain {x:.3f}")',
                                          metadata={"tags": [SOLUTION_TAG]})]
    found = [hit for _, text in prose(nb) for hit in measured_numbers(text, literals(nb))]
    assert len(found) == 2 and "12 points" in found[0] and "5 points" in found[1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_states_no_measured_number(path):
    nb = nbformat.read(path, as_version=4)
    thresholds = literals(nb)
    found = [f"{where}: {hit}" for where, text in prose(nb)
             for hit in measured_numbers(text, thresholds)]
    assert not found, (f"{path.name}: measured numbers typed into the text (Markdown, a code "
                       "comment or a solution's strings); print them from the cell that "
                       "measures them, or state a bound the notebook checks:\n"
                       + "\n".join(found))
