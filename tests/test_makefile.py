"""The Makefile explains itself (``make help``) and CI runs the linter before the tests."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def phony_targets() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    return re.search(r"^\.PHONY:(.*)$", text, re.MULTILINE).group(1).split()


def test_make_help_lists_every_target_with_a_description():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    rows = [re.match(r"  (\S+) +(.*)", line) for line in out.splitlines()]
    described = {row.group(1): row.group(2) for row in rows if row}
    missing = [t for t in phony_targets() if t not in described]
    assert missing == [], f"add a '## target: what it does' line above: {missing}"
    assert described["lint"].startswith("ruff")


def test_ci_lints_then_tests():
    steps = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.startswith("make ")]
    assert steps == ["make lint", "make test"]


def test_make_test_runs_under_a_cpu_cap_when_asked():
    plan = subprocess.run(["make", "-n", "test", "CPU=sse41"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    assert "ONEDNN_MAX_CPU_ISA=SSE41" in plan and "OPENBLAS_CORETYPE=Nehalem" in plan
    assert "tasks.py test" in plan
