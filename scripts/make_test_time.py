"""How long ``make test`` takes on a clean clone: ``make test-time`` (``CPU=avx2`` by default).

Clones the committed HEAD into a temporary folder, runs ``make test`` there with the CPU cap
(the install from scratch included, as CI does) and appends a row to
``benchmarks/make_test.md``: each stage's time, the total, and the notebooks that took
longest. The target is under 30 minutes with the AVX2 cap on 2 cores. Run it with nothing
else busy on the machine: the notebooks share the cores with whatever else runs.

    python -m scripts.make_test_time --cpu avx2
    python -m scripts.make_test_time --log make_test.log --commit 1a2b3c4  # a run's saved log
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.emulated_cpus import host_cpu

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "benchmarks" / "make_test.md"
STAGES = ("unit tests", "lesson tests", "notebooks")
TARGET_MINUTES = 30
HEADER = f"""# How long `make test` takes

Written by `make test-time` (`scripts/make_test_time.py`): a clean clone's `make test`, the
install from scratch included, on 2 cores with nothing else running. Target: under
{TARGET_MINUTES} minutes with the AVX2 cap. Setup: the virtual environment and the install, and
each stage's start-up.

| date | commit | host | CPU cap | setup | unit tests | lesson tests | notebooks | total | passed |
|---|---|---|---|---|---|---|---|---|---|
"""


def parse_log(text: str) -> dict:
    """Stage seconds (pytest's "N passed ... in X s" lines, in order), the total (a "total:"
    line, or bash's ``time`` "real" line) and the notebooks' wall times."""
    stages = [float(s) for s in re.findall(r"=+ .*? in ([\d.]+)s(?: \(|\s)", text)]
    total = re.search(r"^total: ([\d.]+) s$", text, re.M)
    if total:
        seconds = float(total.group(1))
    else:
        real = re.search(r"^real\s+(\d+)m([\d.]+)s$", text, re.M)
        seconds = int(real.group(1)) * 60 + float(real.group(2)) if real else float("nan")
    notebooks = {name: float(s) for s, name in
                 re.findall(r"^\s+([\d.]+) s\s+\d+ MiB\s+notebooks/(\S+)$", text, re.M)}
    failed = re.search(r"^=+ .*\b(failed|error)", text, re.M) is not None
    return {"stages": stages, "total": seconds, "notebooks": notebooks,
            "passed": "RC=0" in text and not failed and len(stages) == len(STAGES)}


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def report_row(run: dict, commit: str, cpu: str, host: str, date: str) -> str:
    stages = run["stages"] + [float("nan")] * (len(STAGES) - len(run["stages"]))
    setup = run["total"] - sum(s for s in stages if s == s)
    cells = [date, f"`{commit}`", host, cpu or "none", minutes(setup),
             *(minutes(s) for s in stages), f"**{minutes(run['total'])}**",
             "yes" if run["passed"] else "**no**"]
    return "| " + " | ".join(cells) + " |"


def write_report(run: dict, commit: str, cpu: str, date: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else HEADER
    table, _, _ = text.partition("\n## Longest notebooks")
    row = report_row(run, commit, cpu, host_cpu()["model"], date)
    longest = sorted(run["notebooks"].items(), key=lambda item: -item[1])[:8]
    lines = [table.rstrip("\n"), row, "", "## Longest notebooks (the latest run, one thread)", ""]
    lines += [f"- {name}: {seconds:.0f} s" for name, seconds in longest]
    REPORT.write_text("\n".join(lines) + "\n")


def run_clean_clone(cpu: str, log: Path) -> str:
    """``make test`` in a fresh clone of HEAD; the log (with a "total:" line) is written to
    ``log``. Returns the commit."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                            capture_output=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="tlteach-make-test-") as folder:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), folder], check=True)
        start = time.perf_counter()
        with log.open("w") as out:
            done = subprocess.run(["make", "test"] + ([f"CPU={cpu}"] if cpu else []),
                                  cwd=folder, stdout=out, stderr=subprocess.STDOUT)
            out.write(f"\nRC={done.returncode}\ntotal: {time.perf_counter() - start:.1f} s\n")
    return commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", default="avx2", help="the CPU cap (make test CPU=...)")
    parser.add_argument("--log", type=Path, help="read a saved run's log instead of running")
    parser.add_argument("--commit", help="with --log: the commit that run tested")
    parser.add_argument("--date", help="with --log: the day of that run (default: today)")
    args = parser.parse_args()
    if args.log and not args.commit:
        sys.exit("--log needs --commit: the commit the logged run tested.")
    log = args.log or ROOT / "build" / "make_test.log"
    if args.log:
        commit = args.commit
    else:
        log.parent.mkdir(exist_ok=True)
        commit = run_clean_clone(args.cpu, log)
    run = parse_log(log.read_text())
    date = args.date or datetime.date.today().isoformat()
    write_report(run, commit, args.cpu, date)
    print(f"make test: {minutes(run['total'])} ({'passed' if run['passed'] else 'FAILED'}); "
          f"{REPORT.relative_to(ROOT)} written")


if __name__ == "__main__":
    main()
