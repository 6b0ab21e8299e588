"""A pytest plugin that reports each notebook's wall time when nbval runs the notebooks.

Used by ``make test``: ``pytest --nbval-lax -p scripts.notebook_times notebooks/``.
The times are also written to ``build/notebook_times.json``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report) -> None:
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    if not _seconds:
        return
    terminalreporter.section("notebook wall times")
    for path, seconds in sorted(_seconds.items()):
        terminalreporter.write_line(f"{seconds:8.1f} s  {path}")
    out = Path("build/notebook_times.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({k: round(v, 1) for k, v in sorted(_seconds.items())}, indent=2))
