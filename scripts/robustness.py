"""Every asserted lesson under other seeds and emulated CPUs: ``make robustness``.

PyTorch and TensorFlow pick CPU kernels by instruction set and thread count, so the same
seed gives other numbers on another machine. This script runs each *source of claims* (a
notebook, or a lesson test) under a matrix of emulated CPU back-ends x math threads x seeds,
collects every ``tlteach.claims.check`` it makes (``TLTEACH_CLAIMS``), and writes
``benchmarks/robustness.md``: one row per claim with its margin (measured effect minus the
threshold it is checked against) as min / median / max over the runs, and how many hold.

The design is a covering one, not the full cross product: each run pairs a seed that no
notebook uses with one back-end and one thread count, every back-end x thread pair once
(8 runs per source). Raw results go to ``benchmarks/robustness.jsonl``; a run already there
is not repeated, so an interrupted sweep continues where it stopped (``--fresh`` starts
over).

    python -m scripts.robustness                       # every source, the whole design
    python -m scripts.robustness notebooks/04_*.ipynb  # some sources
    python -m scripts.robustness --report              # rewrite the report only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from scripts.execute_notebooks import CPU_CAP_VARIABLES, cpu_name

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "benchmarks" / "robustness.jsonl"
REPORT = ROOT / "benchmarks" / "robustness.md"
CORES = 2

# Emulated CPUs: caps on the instruction sets oneDNN (PyTorch and TensorFlow) and ATen may
# use. "sse41" is an old or small CPU; "avx2" a laptop without AVX-512 (most of them);
# "tf-onednn-off" TensorFlow's plain Eigen kernels (its default on ARM machines).
BACKENDS: dict[str, dict[str, str]] = {
    "native": {},
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"},
    "sse41": {"ONEDNN_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default",
              "TF_ENABLE_ONEDNN_OPTS": "0"},
    "tf-onednn-off": {"TF_ENABLE_ONEDNN_OPTS": "0", "ATEN_CPU_CAPABILITY": "default"},
}
THREADS = (1, 2)
SEEDS = tuple(range(11, 19))  # no notebook or test uses these by default

# The lesson tests (markers lesson and sweep): each takes its seeds from TLTEACH_SEEDS and
# checks with tlteach.claims.
TESTS = ("tests/test_reproducibility.py",
         "tests/test_da_lessons.py",
         "tests/test_lessons.py",
         "tests/test_backbones.py")


def design() -> list[tuple[str, int, int]]:
    """(back-end, threads, seed) of each run: every back-end x threads pair, one seed each."""
    pairs = [(b, t) for b in BACKENDS for t in THREADS]
    return [(b, t, s) for (b, t), s in zip(pairs, SEEDS, strict=True)]


def all_sources() -> list[str]:
    notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    return list(TESTS) + notebooks


def run_env(backend: str, threads: int, claims: Path, cache: str) -> dict[str, str]:
    """The environment of one run: back-end caps, thread counts, the claims file."""
    env = {k: v for k, v in os.environ.items() if k not in CPU_CAP_VARIABLES}
    env.update(BACKENDS[backend])
    env.update({"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
                "TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": "1",
                "TLTEACH_CLAIMS": str(claims), "TLTEACH_CACHE": cache, "TQDM_DISABLE": "1",
                "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"})
    return env


def execute_notebook(path: Path, seed: int) -> None:
    """Run a notebook in memory with ``SEED = seed`` (the file is not changed)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    seeded = [c for c in nb.cells if c.cell_type == "code" and "SEED = 0" in c.source]
    if not seeded:
        raise SystemExit(f"{path.name} has no `SEED = 0` line: every run would use the same "
                         "seed. Set SEED = 0 in its setup cell and use SEED where it samples.")
    for cell in seeded:
        cell.source = cell.source.replace("SEED = 0", f"SEED = {seed}")
    # A cell's time limit: 04's grid of runs takes over 20 minutes at one thread under the
    # SSE4.1 cap when two runs share the cores; a hang still ends, a slow back-end does not.
    NotebookClient(nb, timeout=3600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()


def run_one(source: str, backend: str, threads: int, seed: int) -> dict:
    """One run of one source: its claims (each with its margin), wall time and any error."""
    with tempfile.TemporaryDirectory(prefix="tlteach-robust-") as tmp:
        claims = Path(tmp) / "claims.jsonl"
        claims.touch()
        env = run_env(backend, threads, claims, str(Path(tmp) / "cache"))
        if source.endswith(".ipynb"):
            command = [sys.executable, "-m", "scripts.robustness", "--execute", source, str(seed)]
        else:
            env["TLTEACH_SEEDS"] = str(seed)
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                       "-p", "no:randomly", "-m", "lesson or sweep", source]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        found = [json.loads(line) for line in claims.read_text().splitlines() if line]
    error = None if done.returncode == 0 else (done.stdout + done.stderr).strip()[-2000:]
    return {"source": source, "backend": backend, "threads": threads, "seed": seed,
            "seconds": round(seconds, 1), "error": error, "claims": found}


def commit() -> str:
    """The checked-out commit, with "+changes" when the working tree differs from it (the
    sweep's own raw file and report aside): the code a sweep measures, read once when it
    starts."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip() or "unknown"
    outputs = [f":(exclude){path.relative_to(ROOT)}" for path in (RAW, REPORT)]
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                            *outputs], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return head + ("+changes" if dirty else "")


def load_raw() -> list[dict]:
    if not RAW.exists():
        return []
    return [json.loads(line) for line in RAW.read_text().splitlines() if line]


def sweep(sources: list[str], fresh: bool) -> None:
    """Run every (source, run of the design) not yet in the raw file, CORES at a time."""
    if fresh:  # forget these sources' earlier runs (their code changed), keep the others
        kept = [r for r in load_raw() if r["source"] not in sources]
        RAW.write_text("".join(json.dumps(r) + "\n" for r in kept))
    done = {(r["source"], r["backend"], r["threads"], r["seed"]) for r in load_raw()}
    jobs = [(s, *run) for s in sources for run in design() if (s, *run) not in done]
    # Two-thread runs take both cores: run the one-thread runs in pairs, then those alone.
    jobs.sort(key=lambda job: job[2])
    print(f"{len(jobs)} runs to do ({len(done)} already in {RAW.name})", flush=True)
    measured_at = commit()
    busy: dict[Future, int] = {}
    with ThreadPoolExecutor(CORES) as pool:
        for job in jobs:
            while busy and sum(busy.values()) + job[2] > CORES:
                finished, _ = wait(busy, return_when=FIRST_COMPLETED)
                for future in finished:
                    busy.pop(future)
                    _save({**future.result(), "commit": measured_at})
            busy[pool.submit(run_one, *job)] = job[2]
        for future in busy:
            _save({**future.result(), "commit": measured_at})


def _save(result: dict) -> None:
    failed = [c for c in result["claims"] if c["margin"] < 0]
    status = "ERROR" if result["error"] else f"{len(result['claims'])} claims, {len(failed)} fail"
    print(f"{result['source']} {result['backend']} x{result['threads']} seed {result['seed']}: "
          f"{status} ({result['seconds']:.0f} s)", flush=True)
    with RAW.open("a") as f:
        f.write(json.dumps(result) + "\n")
    write_report()


def _bound(claim: dict) -> str:
    parts = []
    if claim.get("at_least") is not None:
        parts.append(f"≥ {claim['at_least']:+.3f}")
    if claim.get("at_most") is not None:
        parts.append(f"≤ {claim['at_most']:+.3f}")
    return " and ".join(parts)


def write_report() -> None:
    """benchmarks/robustness.md from the raw results."""
    raw = load_raw()
    rows: dict[tuple[str, str], dict] = {}
    for run in raw:
        for claim in run["claims"]:
            row = rows.setdefault((run["source"], claim["claim"]),
                                  {"bound": _bound(claim), "margins": [], "effects": []})
            row["margins"].append(claim["margin"])
            row["effects"].append(claim["effect"])
    runs_by_source: dict[str, list[dict]] = {}
    for run in raw:
        runs_by_source.setdefault(run["source"], []).append(run)
    lines = [
        "# Robustness of the asserted lessons",
        "",
        "Written by `make robustness` (`scripts/robustness.py`). Every claim that a notebook or",
        "a lesson test checks (`tlteach.claims.check`), run under emulated CPU back-ends x",
        "math threads x seeds. **Margin** = measured effect − threshold (for an upper bound:",
        "threshold − effect), in accuracy units (0.05 = 5 points): ≥ 0 means the claim held.",
        "",
        "**Design** (covering, 8 runs per source): each run pairs one of the seeds "
        f"{SEEDS[0]}–{SEEDS[-1]} (used by no notebook) with one back-end and one thread count;",
        "every back-end × thread pair is used once, every back-end twice, every thread count",
        "four times. Back-ends: "
        + "; ".join(f"`{b}` ({' '.join(f'{k}={v}' for k, v in env.items()) or 'no caps'})"
                    for b, env in BACKENDS.items()) + ".",
        "",
        f"Machine: {cpu_name()}, {os.cpu_count()} cores, {platform.system()}; runs two at a "
        "time (one-thread runs) or alone (two-thread runs).",
        "",
        "## Sources",
        "",
        "| source | runs | errors | wall time (sum) | measured at commit |",
        "|---|---|---|---|---|",
    ]
    for source, runs in sorted(runs_by_source.items()):
        errors = sum(r["error"] is not None for r in runs)
        commits = sorted({r.get("commit", "unknown") for r in runs})
        lines.append(f"| `{source}` | {len(runs)} | {errors} | "
                     f"{sum(r['seconds'] for r in runs) / 60:.1f} min | {', '.join(commits)} |")
    missing = [s for s in all_sources() if s not in runs_by_source]
    if missing:
        lines += ["", "Not run yet: " + ", ".join(f"`{s}`" for s in missing) + "."]
    lines += ["", "## Claims", "",
              "| source | claim | checked | effect (min / median / max) "
              "| margin (min / median / max) | runs that hold |",
              "|---|---|---|---|---|---|"]
    for (source, claim), row in sorted(rows.items()):
        m, e = row["margins"], row["effects"]
        holds = sum(x >= 0 for x in m)
        flag = "" if holds == len(m) else " **✗**"
        lines.append(f"| `{Path(source).name}` | {claim} | {row['bound']} | "
                     f"{min(e):+.3f} / {statistics.median(e):+.3f} / {max(e):+.3f} | "
                     f"{min(m):+.3f} / {statistics.median(m):+.3f} / {max(m):+.3f} | "
                     f"{holds}/{len(m)}{flag} |")
    REPORT.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="*", help="notebooks or test files (default: all)")
    parser.add_argument("--fresh", action="store_true",
                        help="forget the earlier results of these sources")
    parser.add_argument("--report", action="store_true", help="only rewrite the report")
    parser.add_argument("--execute", nargs=2, metavar=("NOTEBOOK", "SEED"),
                        help=argparse.SUPPRESS)  # one notebook run (a child process)
    args = parser.parse_args()
    if args.execute:
        execute_notebook(ROOT / args.execute[0], int(args.execute[1]))
    elif args.report:
        write_report()
    else:
        sweep(args.sources or all_sources(), args.fresh)


if __name__ == "__main__":
    main()
