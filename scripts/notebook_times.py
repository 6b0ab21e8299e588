"""A pytest plugin that reports each notebook's wall time and its kernel's peak memory when
nbval runs the notebooks; with ``--memory-budget MIB`` it fails the run when a kernel
passes that budget, naming the notebook and its peak.

Used by ``make test``: ``pytest --nbval-lax -p scripts.notebook_times notebooks/``.
The numbers are also written to ``build/notebook_times.json``. It also orders the notebooks
longest first, by the run times that ``make notebooks`` recorded: with ``-n 2 --dist
loadfile --no-loadscope-reorder`` each worker takes the next notebook in that order when it
is free, and the two finish close together.

Peak memory is the kernel process's resident high-water mark (Linux's ``VmHWM``), read in
the pytest process that runs the notebook after each of its cells: the kernel is that
process's child, and its high-water mark after the last cell is the notebook's peak.
Binder gives a whole session 2 GB (the Jupyter server and every open kernel), so each
notebook's kernel must stay within ``MEMORY_BUDGET_MIB``.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

from scripts.slow_first import sort_by_file

RECORDED_TIMES = Path(__file__).resolve().parents[1] / "benchmarks" / "notebook_times.json"
MEMORY_BUDGET_MIB = 1536  # 1.5 GiB with PyPI's wheels: Binder's 2 GB session minus the server
# Where the notebooks are measured (make notebooks CPU=avx2): 1.35 GiB, which leaves 11% for
# the AVX-512 kernels of other CPUs (which take more memory) within the budget
MEMORY_AIM_MIB = 1382
_seconds: dict[str, float] = defaultdict(float)
_peak_mib: dict[str, float] = defaultdict(float)


def kernel_peak_mib(parent_pid: int | None = None) -> float | None:
    """The largest resident high-water mark (MiB) among the Jupyter kernels this process
    started; None where it cannot be read (no kernel, or not Linux)."""
    import psutil

    peaks = []
    for child in psutil.Process(parent_pid).children(recursive=True):
        try:
            if not any("kernel" in part for part in child.cmdline()):
                continue
            status = Path(f"/proc/{child.pid}/status").read_text()
        except (psutil.Error, OSError):
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return max(peaks, default=None)


def longest_first(paths: list[str], seconds: dict[str, float]) -> list[str]:
    """``paths`` ordered by recorded run time (``seconds``, keyed by file name), longest
    first; a notebook without a record counts as the longest (it may be new and slow)."""
    return sorted(paths, key=lambda path: -seconds.get(Path(path).name, float("inf")))


def pytest_collection_modifyitems(config, items) -> None:
    try:
        seconds = json.loads(RECORDED_TIMES.read_text())["seconds"]
    except (OSError, ValueError, KeyError):
        return  # no record: keep pytest's order
    sort_by_file(items, lambda files: longest_first(files, seconds))  # cells stay in order


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and item.nodeid.split("::", 1)[0].endswith(".ipynb"):
        peak = kernel_peak_mib(os.getpid())
        if peak is not None:
            report.user_properties.append(("kernel_peak_mib", peak))


def pytest_addoption(parser) -> None:
    parser.addoption("--memory-budget", type=float, default=None, metavar="MIB",
                     help="fail when a notebook's kernel peaks above MIB (e.g. "
                          f"{MEMORY_BUDGET_MIB}); without it, notebooks over "
                          f"{MEMORY_BUDGET_MIB} MiB are only reported")


def _budget(config) -> tuple[float, bool]:
    """The budget in MiB, and whether passing it fails the run."""
    chosen = config.getoption("memory_budget", default=None)
    return (chosen, True) if chosen is not None else (MEMORY_BUDGET_MIB, False)


def pytest_runtest_logreport(report) -> None:
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration
        for key, value in report.user_properties:
            if key == "kernel_peak_mib":
                _peak_mib[path] = max(_peak_mib[path], value)


def over_budget(peaks: dict[str, float], budget: float = MEMORY_BUDGET_MIB) -> list[str]:
    """One line per notebook whose kernel peaked above ``budget`` MiB."""
    return [f"{path}: kernel peak {peak:.0f} MiB, over the {budget:.0f} MiB budget (Binder "
            "gives a whole session 2 GB): free models and arrays after their section, keep "
            "features instead of pixels, stream data per batch"
            for path, peak in sorted(peaks.items()) if peak > budget]


def pytest_terminal_summary(terminalreporter) -> None:
    if not _seconds:
        return
    terminalreporter.section("notebook wall times and kernel peak memory")
    for path, seconds in sorted(_seconds.items()):
        peak = f"{_peak_mib[path]:6.0f} MiB" if path in _peak_mib else "      ? MiB"
        terminalreporter.write_line(f"{seconds:8.1f} s  {peak}  {path}")
    out = Path("build/notebook_times.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"seconds": {k: round(v, 1) for k, v in sorted(_seconds.items())},
                               "peak_mib": {k: round(v) for k, v in sorted(_peak_mib.items())}},
                              indent=2))
    budget, enforced = _budget(terminalreporter.config)
    verdict = "FAILED" if enforced else "EXCEEDED (reported only)"
    for line in over_budget(dict(_peak_mib), budget):
        terminalreporter.write_line(f"MEMORY BUDGET {verdict}: {line}", red=enforced,
                                    yellow=not enforced)


def pytest_sessionfinish(session, exitstatus) -> None:
    budget, enforced = _budget(session.config)
    controller = not hasattr(session.config, "workerinput")  # pytest-xdist's workers have it
    if enforced and controller and over_budget(dict(_peak_mib), budget) \
            and session.exitstatus == 0:
        session.exitstatus = 1  # the summary names each notebook and its peak
