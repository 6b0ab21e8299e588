"""Every asserted lesson under independent seeds and emulated CPUs: ``make robustness``.

PyTorch, TensorFlow and NumPy pick CPU kernels by instruction set and thread count, so the
same seed gives other numbers on another machine, and another seed other numbers again.
This script runs each *source of claims* (a notebook, or a lesson test) many times,
collects every ``tlteach.claims.check`` and ``tlteach.claims.sanity`` it makes (through the
file named by ``TLTEACH_CLAIMS``), and writes ``benchmarks/robustness.md``: per claim its
mean effect, spread, smallest margin, z = (mean − threshold) / sd and the chance Φ(−z) that
one run fails, and the chance that a full course run fails any lesson.

**Design.** Run k of a source (k = 0, 1, ...) draws its seed from
``np.random.SeedSequence(ROOT_ENTROPY, spawn_key=(k,))`` (a number ≥ 100: no notebook or
test uses it by default) and, independently, one back-end × thread count: the 8 pairs in a
shuffled order within each block of 8 runs, so that 16 runs use each pair twice with
unrelated seeds. Run k is the same on every sweep: adding runs (``--runs 24``) extends the
design, a run already in the raw file is not repeated, and an interrupted sweep continues.

**Back-ends** (``scripts/emulated_cpus.py``): ``native`` (no caps), ``avx2`` and ``sse41``
cap oneDNN, ATen, MKL and OpenBLAS to a laptop without AVX-512 and to an old CPU;
``tf-onednn-off`` runs TensorFlow's Eigen layers and ATen's plain kernels. A probe in a
kernel of each back-end × threads reads back what every library picked; each raw record
stores that verdict and the host CPU. On a host without AVX-512, ``native`` gives the same
kernels as ``avx2`` (the report says so). Not covered: ARM CPUs (Apple M-series), GPUs.

**Provenance.** A record counts ("fresh") only if it was made with this design, at a clean
tree, of code that is still the code on disk: the source's code cells and every repository
module and data file its runs import, comments and prose aside (``scripts/fingerprint.py``).
A Markdown edit keeps the runs; a changed cell or helper makes them stale (re-run).
Records of the older covering design (8 runs, seeds tied to back-ends) stay readable and
count as stale.

    python -m scripts.robustness                            # every source, 16 runs each
    python -m scripts.robustness --runs 24 notebooks/09_*   # more runs for some sources
    python -m scripts.robustness --plan                     # how long the sweep would take
    python -m scripts.robustness --report                   # rewrite the report only
    python -m scripts.robustness --seed0                    # committed outputs vs the sweep
"""

from __future__ import annotations

import argparse
import importlib.metadata
import inspect
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from scripts import emulated_cpus, fingerprint
from scripts.emulated_cpus import BACKENDS, CAP_VARIABLES

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "benchmarks" / "robustness.jsonl"
REPORT = ROOT / "benchmarks" / "robustness.md"
PROBES = ROOT / "benchmarks" / "robustness_probe.json"
CORES = 2
THREADS = (1, 2)
DESIGN = "independent-v2"  # a record without this design is stale (the old covering design)
ROOT_ENTROPY = 20261205  # the root of every run's seed
RUNS = 16  # runs per source by default
MIN_RUNS, MIN_RUNS_HIGH_Z, HIGH_Z = 16, 8, 6.0  # runs a claim needs to count as a lesson
Z_LESSON = 3.5  # one run fails with chance 2.3e-4; ~120 lessons then fail a course run < 5 %
COURSE_GOAL = 0.05

# The lesson tests (markers lesson and sweep): each takes its seeds from TLTEACH_SEEDS and
# checks with tlteach.claims.
TESTS = ("tests/test_reproducibility.py",
         "tests/test_da_lessons.py",
         "tests/test_lessons.py",
         "tests/test_backbones.py")


# --- the design -------------------------------------------------------------------------

def seed_of_run(k: int) -> int:
    """Run k's seed: its own SeedSequence stream, mapped to 100 ... 2**31 - 2**16."""
    import numpy as np

    state = np.random.SeedSequence(ROOT_ENTROPY, spawn_key=(k,)).generate_state(1, np.uint64)
    return 100 + int(state[0] % (2**31 - 2**16 - 100))


def design(runs: int = RUNS) -> list[tuple[int, str, int, int]]:
    """(run, back-end, threads, seed) of runs 0 ... runs-1: each block of 8 runs uses every
    back-end x threads pair once, in an order drawn apart from the seeds."""
    import numpy as np

    pairs = [(b, t) for b in BACKENDS for t in THREADS]
    out = []
    for k in range(runs):
        block, slot = divmod(k, len(pairs))
        order = np.random.default_rng([ROOT_ENTROPY, 1, block]).permutation(len(pairs))
        backend, threads = pairs[order[slot]]
        out.append((k, backend, threads, seed_of_run(k)))
    return out


def all_sources() -> list[str]:
    notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    return list(TESTS) + notebooks


# --- one run ----------------------------------------------------------------------------

def run_env(backend: str, threads: int, claims: Path, cache: str) -> dict[str, str]:
    """The environment of one run: back-end caps, thread counts, the claims file."""
    env = {k: v for k, v in os.environ.items() if k not in CAP_VARIABLES}
    env.update(BACKENDS[backend])
    env.update({"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
                "OPENBLAS_NUM_THREADS": str(threads),
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


def _measured(command: list[str], env: dict[str, str], log: Path) -> tuple[int, float, float]:
    """Run a command: (exit code, wall seconds, CPU seconds of it and its waited children)."""
    start = time.perf_counter()
    with log.open("w") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                 stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def run_one(source: str, backend: str, threads: int, seed: int) -> dict:
    """One run of one source: its claims (each with its margin), times and any error."""
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
        code, seconds, cpu = _measured(command, env, Path(tmp) / "output.txt")
        output = (Path(tmp) / "output.txt").read_text(errors="replace")
        found = [json.loads(line) for line in claims.read_text().splitlines() if line]
    error = None if code == 0 else output.strip()[-2000:]
    return {"source": source, "backend": backend, "threads": threads, "seed": seed,
            "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "error": error,
            "claims": found}


# --- probes: the caps read back inside a kernel -----------------------------------------

def probe_in_kernel() -> dict:
    """Run ``emulated_cpus.kernel_probe`` in a Jupyter kernel of this process' environment."""
    import nbformat
    from nbclient import NotebookClient

    code = (inspect.getsource(emulated_cpus.kernel_probe)
            + "\nimport json\nprint('PROBE ' + json.dumps(kernel_probe()))")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    return json.loads(next(line for line in text.splitlines() if line.startswith("PROBE "))[6:])


def _versions() -> str:
    names = ("torch", "tensorflow", "numpy", "scipy")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    return ", ".join(found)


def probe_key(backend: str, threads: int, host: dict) -> str:
    flags = "".join(k for k in ("avx2", "avx512f", "amx") if host[k])
    return f"{backend} x{threads} | {host['model']} [{flags}] | {_versions()}"


def probe(backend: str, threads: int) -> dict:
    """The verified caps of one back-end x threads on this host, probed once and cached."""
    host = emulated_cpus.host_cpu()
    key = probe_key(backend, threads, host)
    cached = json.loads(PROBES.read_text()) if PROBES.exists() else {}
    if key not in cached:
        with tempfile.TemporaryDirectory(prefix="tlteach-probe-") as tmp:
            env = {**run_env(backend, threads, Path(tmp) / "claims.jsonl", tmp),
                   **emulated_cpus.PROBE_VARIABLES}
            done = subprocess.run([sys.executable, "-m", "scripts.robustness", "--probe-kernel"],
                                  cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"The probe of {backend} x{threads} failed:\n{done.stderr[-2000:]}")
        found = json.loads(done.stdout.strip().splitlines()[-1])
        cached[key] = {"backend": backend, "threads": threads, "host": host, "probe": found}
        PROBES.write_text(json.dumps(cached, indent=1, sort_keys=True) + "\n")
    return {**cached[key], "checks": emulated_cpus.verify(backend, cached[key]["probe"], threads)}


def probe_all(allow_unverified: bool = False) -> dict[tuple[str, int], dict]:
    """Probe every back-end x threads; stop when a cap is not in force (a mislabelled run)."""
    probes = {(b, t): probe(b, t) for b in BACKENDS for t in THREADS}
    for (backend, threads), found in probes.items():
        print(f"{backend} x{threads}: {emulated_cpus.summary(found['checks'])}", flush=True)
        bad = emulated_cpus.failed(found["checks"])
        if bad and not allow_unverified:
            raise SystemExit(f"{backend}: the caps of {', '.join(bad)} are not in force on this "
                             "machine; its runs would be mislabelled (--allow-unverified runs "
                             "them anyway, and the records say so).")
    return probes


# --- provenance -------------------------------------------------------------------------

def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def commit() -> str:
    """The checked-out commit, with "+changes" when the working tree differs from it (the
    sweep's own raw file, probes and report aside): the code a sweep measures, read once
    when it starts."""
    head = _git("rev-parse", "--short", "HEAD").stdout.strip() or "unknown"
    outputs = [f":(exclude){path.relative_to(ROOT)}" for path in (RAW, REPORT, PROBES)
               if path.is_relative_to(ROOT)]
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", ".",
                 *outputs).stdout.strip()
    return head + ("+changes" if dirty else "")


class Provenance:
    """Which records count: made with this design, at a clean tree, of a commit whose code
    for the source (its code cells and every repository module they import, comments and
    prose aside: ``scripts/fingerprint.py``) is the code on disk now."""

    def __init__(self) -> None:
        self._now: dict[str, dict[str, str]] = {}
        self._then: dict[tuple[str, str], dict[str, str] | None] = {}
        self._trees: dict[str, fingerprint.GitTree] = {}

    def code_now(self, source: str) -> dict[str, str]:
        """{file: hash} of the source's code as it is on disk."""
        if source not in self._now:
            self._now[source] = fingerprint.fingerprint(source, fingerprint.WorkTree(ROOT))
        return self._now[source]

    def code_at(self, source: str, measured: str) -> dict[str, str] | None:
        """{file: hash} of the source's code at a commit (None: git does not know it)."""
        if (source, measured) not in self._then:
            known = _git("cat-file", "-e", f"{measured}^{{commit}}").returncode == 0
            tree = self._trees.setdefault(measured, fingerprint.GitTree(ROOT, measured))
            self._then[source, measured] = (fingerprint.fingerprint(source, tree)
                                            if known else None)
        return self._then[source, measured]

    def stale(self, record: dict) -> str | None:
        """Why a record does not count (None: it is fresh)."""
        if record.get("design") != DESIGN:
            return "older design"
        measured = record.get("commit", "unknown")
        if measured.endswith("+changes"):
            return "uncommitted changes"
        now = self.code_now(record["source"])
        if not now:
            return None  # a source git does not know (a test's temporary file)
        then = self.code_at(record["source"], measured)
        if then is None:
            return f"unknown commit {measured}"
        changed = sorted(p for p in now.keys() | then.keys() if now.get(p) != then.get(p))
        if not changed:
            return None
        more = f" and {len(changed) - 2} more" if len(changed) > 2 else ""
        return f"code changed since {measured}: {', '.join(changed[:2])}{more}"


# --- the sweep --------------------------------------------------------------------------

def load_raw() -> list[dict]:
    if not RAW.exists():
        return []
    return [json.loads(line) for line in RAW.read_text().splitlines() if line]


def jobs_to_do(sources: list[str], runs: int, raw: list[dict], measured_at: str,
               provenance: Provenance) -> list[tuple[str, int, str, int, int]]:
    """(source, run, back-end, threads, seed) of each run not yet done: a fresh record, or
    one of this very sweep's commit, counts as done."""
    done = {(r["source"], r.get("run")) for r in raw
            if provenance.stale(r) is None or (r.get("design") == DESIGN
                                               and r.get("commit") == measured_at)}
    jobs = [(s, *run) for s in sources for run in design(runs) if (s, run[0]) not in done]
    # Source by source, in the order given, so that each source's runs are complete early;
    # within a source, two-thread runs take both cores: the one-thread runs go in pairs first.
    return sorted(jobs, key=lambda job: (sources.index(job[0]), job[3]))


def plan(jobs: list[tuple], raw: list[dict]) -> str:
    """How long the jobs take on CORES cores, from the recorded seconds of each source."""
    seconds: dict[tuple[str, int], list[float]] = {}
    for r in raw:
        seconds.setdefault((r["source"], r["threads"]), []).append(r["seconds"])
    wall = {1: 0.0, 2: 0.0}
    cpu, unknown = 0.0, set()
    for source, _, _, threads, _ in jobs:
        times = seconds.get((source, threads)) or seconds.get((source, 3 - threads))
        if not times:
            unknown.add(source)
            continue
        wall[threads] += statistics.mean(times)
        cpu += statistics.mean(times) * threads
    hours = (wall[1] / CORES + wall[2]) / 3600
    text = (f"{len(jobs)} runs to do: about {hours:.1f} h on {CORES} cores "
            f"({cpu / 3600:.1f} CPU hours), from the recorded seconds of each source")
    if unknown:
        text += f"; never timed (not counted): {', '.join(sorted(unknown))}"
    return text


def sweep(sources: list[str], runs: int, fresh: bool, allow_unverified: bool = False) -> None:
    """Run every (source, run of the design) not yet done, CORES threads at a time."""
    if fresh:  # forget these sources' earlier runs (their code changed), keep the others
        kept = [r for r in load_raw() if r["source"] not in sources]
        RAW.write_text("".join(json.dumps(r) + "\n" for r in kept))
    measured_at = commit()
    if measured_at.endswith("+changes"):
        print("The working tree has uncommitted changes: these runs will count as stale. "
              "Commit first.", flush=True)
    jobs = jobs_to_do(sources, runs, load_raw(), measured_at, Provenance())
    print(plan(jobs, load_raw()), flush=True)
    if not jobs:
        write_report()
        return
    probes = probe_all(allow_unverified)
    host, versions = emulated_cpus.host_cpu(), _versions()
    busy: dict[Future, tuple] = {}

    def save(future: Future) -> None:
        job = busy.pop(future)
        checks = probes[job[2], job[3]]["checks"]
        _save({**future.result(), "run": job[1], "design": DESIGN, "commit": measured_at,
               "host": host, "versions": versions, "verified": checks})

    with ThreadPoolExecutor(CORES) as pool:
        for job in jobs:
            while busy and sum(j[3] for j in busy.values()) + job[3] > CORES:
                finished, _ = wait(busy, return_when=FIRST_COMPLETED)
                for future in finished:
                    save(future)
            busy[pool.submit(run_one, job[0], *job[2:])] = job
        for future in list(busy):
            save(future)


def _save(result: dict) -> None:
    failed = [c for c in result["claims"] if c["margin"] < 0]
    status = "ERROR" if result["error"] else f"{len(result['claims'])} claims, {len(failed)} fail"
    print(f"{result['source']} run {result['run']} ({result['backend']} x{result['threads']}, "
          f"seed {result['seed']}): {status} ({result['seconds']:.0f} s)", flush=True)
    with RAW.open("a") as f:
        f.write(json.dumps(result) + "\n")
    write_report()


# --- statistics -------------------------------------------------------------------------

def claim_stats(effects: list[float], at_least: float | None, at_most: float | None) -> dict:
    """n, mean, sd, smallest margin, z (the nearer bound, in sd) and the chance one run
    fails (both tails for a two-sided claim). sd = 0 gives z = ±inf."""
    from scipy.stats import norm

    n = len(effects)
    mean = statistics.fmean(effects)
    sd = statistics.stdev(effects) if n >= 2 else math.nan
    distances = ([mean - at_least] if at_least is not None else []) + \
                ([at_most - mean] if at_most is not None else [])
    margins = [min(([e - at_least] if at_least is not None else [])
                   + ([at_most - e] if at_most is not None else [])) for e in effects]
    if n < 2:
        zs = [math.nan]
    elif sd == 0:
        zs = [math.copysign(math.inf, d) if d else math.nan for d in distances]
    else:
        zs = [d / sd for d in distances]
    z = min(zs)
    p_fail = sum(float(norm.sf(x)) for x in zs) if not math.isnan(z) else math.nan
    return {"n": n, "mean": mean, "sd": sd, "min_margin": min(margins), "z": z,
            "p_fail": p_fail, "failures": sum(m < 0 for m in margins)}


def status(stats: dict) -> str:
    """"lesson" when enough runs, z ≥ Z_LESSON and no run failed; else why not."""
    if stats["failures"]:
        return f"failed in {stats['failures']} of {stats['n']} runs"
    if stats["n"] >= 2 and stats["sd"] == 0:
        return "constant: a sanity check?"
    reasons = []
    z = stats["z"]
    if not (stats["n"] >= MIN_RUNS or (stats["n"] >= MIN_RUNS_HIGH_Z and z >= HIGH_Z)):
        reasons.append(f"not enough runs ({stats['n']})")
    if not z >= Z_LESSON:
        reasons.append("z too low")
    return "; ".join(reasons) or "lesson"


def course_failure(p_fails: list[float]) -> float:
    """The chance that a full course run fails any of these claims: 1 − Π(1 − pᵢ)."""
    return 1 - math.prod(1 - p for p in p_fails)


def _bounds(claim: dict) -> str:
    parts = []
    if claim.get("at_least") is not None:
        parts.append(f"≥ {claim['at_least']:+.3f}")
    if claim.get("at_most") is not None:
        parts.append(f"≤ {claim['at_most']:+.3f}")
    return " and ".join(parts)


def claim_rows(records: list[dict]) -> dict[tuple[str, str], dict]:
    """(source, claim) -> kind, bounds, the effects measured and their statistics."""
    rows: dict[tuple[str, str], dict] = {}
    for run in records:
        for claim in run["claims"]:
            row = rows.setdefault((run["source"], claim["claim"]),
                                  {"kind": claim.get("kind", "lesson"), "claim": claim,
                                   "effects": []})
            row["effects"].append(claim["effect"])
    for row in rows.values():
        c = row["claim"]
        row.update(claim_stats(row["effects"], c.get("at_least"), c.get("at_most")))
        row["status"] = status(row)
        row["bounds"] = _bounds(c)
    return rows


def latest_fresh(raw: list[dict], provenance: Provenance) -> tuple[list[dict], list[dict]]:
    """(fresh records, one per source and run, the latest kept; stale records)."""
    fresh: dict[tuple[str, int], dict] = {}
    stale = []
    for r in raw:
        why = provenance.stale(r)
        if why is None:
            fresh[r["source"], r["run"]] = r
        else:
            stale.append({**r, "stale": why})
    return list(fresh.values()), stale


# --- committed outputs (seed 0) against the sweep -----------------------------------------

CLAIM_LINE = re.compile(r"^(?:holds|FAILS): (?P<claim>.+): (?P<effect>[+-]\d+\.\d+) "
                        r"\(checked: (?P<bounds>.+)\)$")


def committed_effects(path: Path) -> dict[str, list[float]]:
    """The lesson claims a committed notebook printed (``holds: claim: +0.123 (checked: ...)``)."""
    import nbformat

    found: dict[str, list[float]] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream":
                continue
            for line in output.get("text", "").splitlines():
                match = CLAIM_LINE.match(line.strip())
                if match:
                    found.setdefault(match["claim"], []).append(float(match["effect"]))
    return found


NEW_RUN_SDS = 4.0
"""How far (in standard deviations of a new run) a run of the swept distribution may lie from
the sweep's mean: one beyond 4 is a 1-in-800 event even with the spread estimated from 16
runs (Student's t, 15 degrees of freedom), so across the course's swept claims a committed
run that is one of the sweep's runs is flagged about once in 20 reports."""


def expected_range(effects: list[float]) -> tuple[float, float]:
    """Where a new run from the distribution of ``effects`` lies: the mean ± NEW_RUN_SDS
    standard deviations of a new run (sd · sqrt(1 + 1/n)), or the swept min ... max where
    that is wider. The min ... max alone is not such a range: a new run of the same
    distribution falls outside the range of n runs with probability 2 / (n + 1) (12 % at
    n = 16)."""
    n, mean = len(effects), statistics.mean(effects)
    spread = NEW_RUN_SDS * statistics.stdev(effects) * (1 + 1 / n) ** 0.5
    return min(min(effects), mean - spread), max(max(effects), mean + spread)


def swept_ranges(rows: dict[tuple[str, str], dict], source: str,
                 min_runs: int = MIN_RUNS) -> dict[str, tuple[float, float]]:
    """claim -> ``expected_range`` of the fresh runs of a source, claims with min_runs+."""
    return {claim: expected_range(row["effects"])
            for (s, claim), row in rows.items()
            if s == source and row["n"] >= min_runs and row["kind"] == "lesson"}


def outside_swept_range(committed: dict[str, list[float]],
                        swept: dict[str, tuple[float, float]]) -> list[tuple]:
    """(claim, committed effect, low, high) of each committed effect that lies outside the
    expected range of a run (``swept_ranges``; beyond the 3 printed decimals): the committed
    run is not one of the runs the sweep describes."""
    out = []
    for claim, (lo, hi) in sorted(swept.items()):
        for effect in committed.get(claim, []):
            if effect < lo - 5e-4 or effect > hi + 5e-4:
                out.append((claim, effect, lo, hi))
    return out


def seed0_report(rows: dict[tuple[str, str], dict]) -> list[str]:
    """One line per swept notebook claim: its committed effect and the range a run of the
    sweep's distribution lies in."""
    lines = []
    for source in sorted({s for s, _ in rows if s.endswith(".ipynb")}):
        committed = committed_effects(ROOT / source)
        swept = swept_ranges(rows, source)
        outside = {c for c, *_ in outside_swept_range(committed, swept)}
        for claim, (lo, hi) in sorted(swept.items()):
            shown = ", ".join(f"{e:+.3f}" for e in committed.get(claim, [])) or "not printed"
            mark = " **outside**" if claim in outside else ""
            lines.append(f"| `{Path(source).name}` | {claim} | {shown}{mark} | "
                         f"{lo:+.3f} … {hi:+.3f} |")
    return lines


# --- the report -------------------------------------------------------------------------

def _z_text(z: float) -> str:
    return "–" if math.isnan(z) else ("∞" if z == math.inf else "−∞" if z == -math.inf
                                      else f"{z:.1f}")


def _p_text(p: float) -> str:
    return "–" if math.isnan(p) else "0" if p == 0 else f"{p:.1e}"


def _cpu_seconds(record: dict) -> float:
    """A run's CPU time; older records have only wall time (then wall x threads)."""
    return record.get("cpu_seconds", record["seconds"] * record["threads"])


def _header(raw: list[dict], fresh: list[dict]) -> list[str]:
    caps = "; ".join(f"`{b}` ({' '.join(f'{k}={v}' for k, v in env.items()) or 'no caps'})"
                     for b, env in BACKENDS.items())
    host = emulated_cpus.host_cpu()
    lines = [
        "# Robustness of the asserted lessons",
        "",
        "Written by `make robustness` (`scripts/robustness.py`). Every claim a notebook or a",
        "lesson test checks (`tlteach.claims.check`), run many times with independent seeds",
        "under emulated CPUs. **Margin** = effect − threshold (for an upper bound: threshold −",
        "effect), in accuracy units (0.05 = 5 points). **z** = (mean − threshold) / sd over the",
        "runs (the nearer bound of a two-sided claim); **P(fail)** ≈ Φ(−z), the chance that one",
        "run misses (both tails for a two-sided claim), assuming a normal spread. A claim counts",
        f"as a **lesson** with n ≥ {MIN_RUNS} runs (or n ≥ {MIN_RUNS_HIGH_Z} with z ≥ "
        f"{HIGH_Z:g}), z ≥ {Z_LESSON} and no failed run.",
        "",
        f"**Design** (`{DESIGN}`): run k of a source takes its seed from "
        f"`np.random.SeedSequence({ROOT_ENTROPY}, spawn_key=(k,))` (≥ 100, used by no notebook)",
        "and, apart from it, one back-end × thread count (1 or 2): each block of 8 runs uses",
        f"every pair once, in a shuffled order. {RUNS} runs per source unless `--runs` asks more.",
        f"Back-ends: {caps}. Each caps oneDNN (PyTorch, TensorFlow), ATen, MKL and OpenBLAS",
        "(NumPy, SciPy); a probe in a kernel reads back what each library picked (below).",
        "Not covered: ARM CPUs (Apple M-series, Graviton), TensorFlow's Eigen code compiled",
        "for another ISA, GPUs.",
        "",
        "**Fresh** runs are those made at a clean tree of the code on disk now: the source's",
        "code cells and every repository module and data file they import (comments, docstrings",
        "and Markdown aside; `scripts/fingerprint.py`). Others are listed under Stale.",
        "",
        f"Hosts of the fresh runs: {_hosts_text(fresh)}. This report was written on "
        f"{_host_text(host)}; {os.cpu_count()} cores, {platform.system()}; one-thread runs two "
        "at a time.",
    ]
    if any(not r["host"]["avx512f"] for r in fresh if "host" in r):
        lines += ["On a host without AVX-512 `native` picks the same kernels as `avx2`: its runs "
                  "add seeds, not another CPU."]
    return lines + ["", "Verified in a kernel (host, back-end × threads: what each library "
                    "reported; ✓ = cap in force):", ""] + _verified_lines(raw)


def _host_text(host: dict) -> str:
    return (f"{host['model']} (AVX2 {'yes' if host['avx2'] else 'no'}, AVX-512 "
            f"{'yes' if host['avx512f'] else 'no'}, AMX {'yes' if host['amx'] else 'no'})")


def _hosts_text(records: list[dict]) -> str:
    counts = Counter(_host_text(r["host"]) for r in records if "host" in r)
    return "; ".join(f"{host}: {n} runs" for host, n in counts.most_common()) or "none yet"


def _verified_lines(raw: list[dict]) -> list[str]:
    latest = {}
    for r in raw:
        if "verified" in r and "host" in r:
            latest[_host_text(r["host"]), r["backend"], r["threads"]] = r["verified"]
    if PROBES.exists():
        for found in json.loads(PROBES.read_text()).values():
            latest.setdefault((_host_text(found["host"]), found["backend"], found["threads"]),
                              emulated_cpus.verify(found["backend"], found["probe"],
                                                   found["threads"]))
    if not latest:
        return ["- not probed yet"]
    return [f"- {host}, `{b}` x{t}: {emulated_cpus.summary(checks)}"
            for (host, b, t), checks in sorted(latest.items())]


def _source_lines(raw: list[dict], fresh: list[dict], provenance: Provenance) -> list[str]:
    lines = ["## Sources", "",
             "| source | fresh runs | stale runs | errors (fresh) | CPU time (all) "
             "| measured at | code now (files) |",
             "|---|---|---|---|---|---|---|"]
    for source in sorted({r["source"] for r in raw}):
        mine = [r for r in raw if r["source"] == source]
        own_fresh = [r for r in fresh if r["source"] == source]
        errors = sum(r["error"] is not None for r in own_fresh)
        commits = sorted({r.get("commit", "unknown") for r in mine})
        lines.append(f"| `{source}` | {len(own_fresh)} | {len(mine) - len(own_fresh)} | "
                     f"{errors} | {sum(map(_cpu_seconds, mine)) / 3600:.2f} h | "
                     f"{', '.join(commits)} | {_code_text(provenance, source)} |")
    missing = [s for s in all_sources() if s not in {r["source"] for r in raw}]
    if missing:
        lines += ["", "Not run yet: " + ", ".join(f"`{s}`" for s in missing) + "."]
    return lines


def _code_text(provenance: Provenance, source: str) -> str:
    code = provenance.code_now(source)
    return f"{fingerprint.short(code)} ({len(code)})" if code else "?"


def _claim_line(source: str, claim: str, row: dict, last: str) -> str:
    return (f"| `{Path(source).name}` | {claim} | {row['bounds']} | {row['n']} | "
            f"{row['mean']:+.3f} | {row['sd']:.3f} | {row['min_margin']:+.3f} | "
            f"{_z_text(row['z'])} | {_p_text(row['p_fail'])} | {last} |")


def write_report() -> None:
    """benchmarks/robustness.md from the raw results."""
    raw = load_raw()
    provenance = Provenance()
    fresh, stale = latest_fresh(raw, provenance)
    rows, stale_rows = claim_rows(fresh), claim_rows(stale)
    lessons = {k: r for k, r in rows.items() if r["kind"] == "lesson"}
    sanity = {k: r for k, r in rows.items() if r["kind"] == "sanity"}
    measured = [r["p_fail"] for r in lessons.values() if not math.isnan(r["p_fail"])]
    kept = [r["p_fail"] for r in lessons.values() if r["status"] == "lesson"]
    errors = sum(r["error"] is not None for r in fresh)
    total_cpu = sum(map(_cpu_seconds, raw)) / 3600
    figure = f"{course_failure(measured):.1%}" if measured else "not measured yet"
    lines = [f"**Chance that a full course run fails some lesson: {figure}** "
             f"(goal ≤ {COURSE_GOAL:.0%}), 1 − Π(1 − P(fail)) over the {len(measured)} lesson "
             f"claims with 2+ fresh runs; over the {len(kept)} that pass the bar: "
             f"{course_failure(kept):.1%}. "
             f"{len({k for k in stale_rows if k not in rows})} claims have stale runs only "
             f"(not counted); {errors} fresh runs ended in an error (not in the figure).",
             "", f"Sweep cost so far: {total_cpu:.1f} CPU hours ({len(raw)} runs recorded)."]
    lines = _header(raw, fresh) + [""] + lines + [""] + _source_lines(raw, fresh, provenance)
    lines += ["", "## Lessons (fresh runs only)", "",
              "| source | claim | checked | n | mean | sd | min margin | z | P(fail) | status |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [_claim_line(s, c, r, r["status"] if r["status"] == "lesson"
                          else f"**{r['status']}**") for (s, c), r in sorted(lessons.items())]
    lines += ["", "## Sanity checks (`tlteach.claims.sanity`: not lessons, not in the figure)",
              "", "| source | check | checked | n | held in all runs |", "|---|---|---|---|---|"]
    lines += [f"| `{Path(s).name}` | {c} | {r['bounds']} | {r['n']} | "
              f"{'yes' if not r['failures'] else '**no**'} |"
              for (s, c), r in sorted(sanity.items())]
    lines += ["", f"## Committed outputs against the sweep (claims with {MIN_RUNS}+ fresh runs)",
              "", f"A run's expected range: the sweep's mean ± {NEW_RUN_SDS:g} standard deviations "
              "of a new run, or its min … max where wider.", "",
              "| notebook | claim | committed effect | a run's expected range |",
              "|---|---|---|---|"]
    lines += seed0_report(rows)
    lines += ["", "## Stale: re-run (not counted)", "",
              "| source | claim | checked | n | mean | sd | min margin | z | P(fail) | why |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    why = {}
    for r in stale:
        why.setdefault(r["source"], set()).add(r["stale"])
    lines += [_claim_line(s, c, r, "; ".join(sorted(why[s])))
              for (s, c), r in sorted(stale_rows.items())]
    REPORT.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="*", help="notebooks or test files (default: all)")
    parser.add_argument("--runs", type=int, default=RUNS,
                        help=f"runs per source, the design's first N (default {RUNS})")
    parser.add_argument("--fresh", action="store_true",
                        help="forget the earlier results of these sources")
    parser.add_argument("--plan", action="store_true", help="only say how long it would take")
    parser.add_argument("--report", action="store_true", help="only rewrite the report")
    parser.add_argument("--seed0", action="store_true",
                        help="compare the committed notebooks' claims with a run's expected range")
    parser.add_argument("--probe", action="store_true",
                        help="probe every back-end x threads in a kernel and print the result")
    parser.add_argument("--allow-unverified", action="store_true",
                        help="run even when a cap is not in force (the records say so)")
    parser.add_argument("--execute", nargs=2, metavar=("NOTEBOOK", "SEED"),
                        help=argparse.SUPPRESS)  # one notebook run (a child process)
    parser.add_argument("--probe-kernel", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sources = [str(Path(s)) for s in args.sources] or all_sources()
    if args.execute:
        execute_notebook(ROOT / args.execute[0], int(args.execute[1]))
    elif args.probe_kernel:
        print(json.dumps(probe_in_kernel()))
    elif args.probe:
        probe_all(allow_unverified=True)
    elif args.report:
        write_report()
    elif args.plan:
        print(plan(jobs_to_do(sources, args.runs, load_raw(), commit(), Provenance()),
                   load_raw()))
    elif args.seed0:
        fresh, _ = latest_fresh(load_raw(), Provenance())
        lines = seed0_report(claim_rows(fresh))
        print("\n".join(lines) or f"No notebook claim has {MIN_RUNS}+ fresh runs yet.")
        sys.exit(1 if any("**outside**" in line for line in lines) else 0)
    else:
        sweep(sources, args.runs, args.fresh, args.allow_unverified)


if __name__ == "__main__":
    main()
