"""scripts/robustness.py and scripts/emulated_cpus.py: the design, the caps verified inside a
kernel, the statistics, provenance, and committed outputs against the sweep."""

import json
import math
import statistics
import subprocess
import sys
from collections import Counter

import nbformat
import pytest
from scipy.stats import norm

from scripts import emulated_cpus, robustness


def test_the_design_draws_seeds_apart_from_balanced_back_ends_and_threads():
    runs = robustness.design(24)
    assert robustness.design(16) == runs[:16]  # adding runs extends the same design
    assert robustness.design(24) == runs  # deterministic: a resumed sweep continues it
    assert len(robustness.design()) >= 16
    pairs = [(b, t) for b in robustness.BACKENDS for t in robustness.THREADS]
    for start in (0, 8, 16):  # every block of 8 runs uses every pair once
        assert Counter((b, t) for _, b, t, _ in runs[start:start + 8]) == Counter(pairs)
    # The order of the pairs is not one fixed cycle, so a pair does not recur every 8 runs.
    assert [r[1:3] for r in runs[:8]] != [r[1:3] for r in runs[8:16]]
    seeds = [s for *_, s in runs]
    assert len(set(seeds)) == len(seeds) and min(seeds) >= 100 and max(seeds) < 2**31
    assert seeds == [robustness.seed_of_run(k) for k in range(24)]  # a seed is run k's alone


def test_a_run_executes_a_notebook_with_its_seed_and_caps_and_records_its_claims(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import os\nfrom tlteach.claims import check, sanity\nSEED = 0\n"
        "check('seed', SEED, at_least=12)\n"
        "check('threads', int(os.environ['OMP_NUM_THREADS']), at_most=1)\n"
        "sanity('isa capped', os.environ.get('ONEDNN_MAX_CPU_ISA') == 'SSE41', equal=1)")]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    result = robustness.run_one(str(path), "sse41", threads=2, seed=13)
    assert result["error"] is None, result["error"]
    margins = {c["claim"]: c["margin"] for c in result["claims"]}
    # The run continued past the failed check and recorded all three.
    assert margins == {"seed": 1, "threads": -1, "isa capped": 0}
    assert [c["kind"] for c in result["claims"]] == ["lesson", "lesson", "sanity"]
    assert result["cpu_seconds"] > 0  # the kernel's CPU time counts too


def test_every_notebook_sets_the_seed_the_robustness_runs_replace():
    for source in robustness.all_sources():
        if source.endswith(".ipynb"):
            nb = nbformat.read(robustness.ROOT / source, as_version=4)
            assert any("SEED = 0" in c.source for c in nb.cells if c.cell_type == "code"), source


# --- the caps -------------------------------------------------------------------------------

AVX512_MKL = ("MKL_VERBOSE oneMKL 2024.0 Update 2 Product build 20240605 for Intel(R) 64 "
              "architecture Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) with "
              "support for INT8, BF16, FP16 (limited) instructions, and Intel(R) Advanced Matrix "
              "Extensions (Intel(R) AMX) with INT8 and BF16, Lnx 2.60GHz lp64 gnu_thread")


def _probe(onednn: str, aten: str, mkl: str, openblas: str, tf_layers: bool = True) -> dict:
    log = ["onednn_verbose,v1,info,cpu,runtime:OpenMP,nthr:1",
           f"onednn_verbose,v1,info,cpu,isa:{onednn}",
           "onednn_verbose,v1,primitive,exec,cpu,convolution,jit:sse41,forward_training,x", mkl]
    return {"torch": {"aten": aten, "log": log},
            "openblas": [{"library": "numpy", "architecture": openblas}],
            "tensorflow": {"onednn_layers": tf_layers, "log": log[:2]}}


def test_verify_reads_each_librarys_own_words_against_its_cap():
    mkl = AVX512_MKL.replace("Advanced Vector Extensions 512 (Intel(R) AVX-512)", "Advanced "
                             "Vector Extensions 2 (Intel(R) AVX2)").split(" with support")[0]
    checks = emulated_cpus.verify("avx2", _probe("Intel AVX2", "AVX2", mkl, "Haswell"))
    assert {n: c["ok"] for n, c in checks.items()} == {
        "torch oneDNN": True, "ATen": True, "MKL": True, "TF oneDNN": True,
        "OpenBLAS (numpy)": True, "TF oneDNN layers": True}
    assert checks["torch oneDNN"]["convolution"] == "jit:sse41"
    # A cap that did not reach a library is caught, not assumed.
    checks = emulated_cpus.verify("avx2", _probe(
        "Intel AVX-512 with float16, Intel DL Boost and bfloat16 support and Intel AMX with "
        "bfloat16 and 8-bit integer support", "AVX512", AVX512_MKL, "SkylakeX"))
    assert set(emulated_cpus.failed(checks)) == {
        "torch oneDNN", "ATen", "MKL", "TF oneDNN", "OpenBLAS (numpy)"}
    # Native caps nothing; a library that said nothing is "not verified", not "in force".
    checks = emulated_cpus.verify("native", {"torch": {"error": "ImportError()"},
                                             "tensorflow": {"error": "ImportError()"}})
    assert not emulated_cpus.failed(checks) and all(c["ok"] is None for c in checks.values())
    assert "not loaded" in checks["torch"]["note"]
    # On a processor MKL does not dispatch by instruction set (AMD's), its banner names none.
    amd = AVX512_MKL.split("architecture")[0] + ("architecture Intel(R) Architecture processors,"
                                                 " Lnx 2.60GHz lp64 gnu_thread")
    checks = emulated_cpus.verify("avx2", _probe("Intel AVX2", "AVX2", amd, "Haswell"))
    assert checks["MKL"]["ok"] is None and "names no instruction set" in checks["MKL"]["note"]
    assert not emulated_cpus.failed(checks)
    checks = emulated_cpus.verify("tf-onednn-off", _probe("x", "DEFAULT", "", "SkylakeX", True))
    assert emulated_cpus.failed(checks) == ["TF oneDNN layers"]


def test_isa_level_reads_each_librarys_names_across_versions():
    assert emulated_cpus.isa_level("DEFAULT") == emulated_cpus.DEFAULT  # ATen, PyTorch >= 2.7
    assert emulated_cpus.isa_level("NO AVX") == emulated_cpus.DEFAULT  # ATen, PyTorch 2.6
    assert emulated_cpus.isa_level("AVX2") == emulated_cpus.AVX2
    assert emulated_cpus.isa_level("Intel SSE4.1") == emulated_cpus.SSE4
    assert emulated_cpus.isa_level("") is None


def test_host_cpu_reads_the_model_and_the_instruction_sets():
    host = emulated_cpus.host_cpu("model name\t: Some CPU\nflags\t\t: sse4_1 avx avx2 fma\n"
                                  "model name\t: Some CPU\nflags\t\t: sse4_1 avx avx2 fma\n")
    assert host == {"model": "Some CPU", "avx2": True, "avx512f": False, "amx": False}


def test_the_report_names_every_host_its_runs_came_from():
    intel = {"model": "Intel(R) Xeon(R) Processor", "avx2": True, "avx512f": True, "amx": True}
    amd = {"model": "AMD EPYC", "avx2": True, "avx512f": True, "amx": False}
    text = robustness._hosts_text([{"host": amd}, {"host": intel}, {"host": amd}, {}])
    assert text == ("AMD EPYC (AVX2 yes, AVX-512 yes, AMX no): 2 runs; Intel(R) Xeon(R) "
                    "Processor (AVX2 yes, AVX-512 yes, AMX yes): 1 runs")


@pytest.mark.slow
def test_the_caps_are_verified_inside_a_kernel_on_this_machine(tmp_path, monkeypatch):
    monkeypatch.setattr(robustness, "PROBES", tmp_path / "probes.json")
    found = robustness.probe("sse41", 1)
    checks = found["checks"]
    assert not emulated_cpus.failed(checks), emulated_cpus.summary(checks)
    in_force = {n for n, c in checks.items() if c["ok"]}
    assert {"torch oneDNN", "ATen", "TF oneDNN"} <= in_force, checks
    if emulated_cpus.MKL_NO_ISA in (checks["MKL"]["seen"] or ""):  # not an Intel CPU
        assert checks["MKL"]["ok"] is None and "names no instruction set" in checks["MKL"]["note"]
    else:
        assert "MKL" in in_force, checks
    assert any(n.startswith("OpenBLAS") for n in in_force), checks
    assert found["host"] == emulated_cpus.host_cpu()
    assert robustness.probe("sse41", 1) == found  # cached: the second call starts no kernel


def test_the_makefile_tasks_and_execute_notebooks_use_the_same_caps():
    import tasks
    from scripts.execute_notebooks import CPU_CAP_VARIABLES

    assert set(CPU_CAP_VARIABLES) == set(emulated_cpus.CAP_VARIABLES)
    assert {k for env in emulated_cpus.BACKENDS.values() for k in env} <= set(CPU_CAP_VARIABLES)
    assert tasks.LESSON_KERNELS == emulated_cpus.BACKENDS["tf-onednn-off"]
    done = subprocess.run([sys.executable, "scripts/emulated_cpus.py", "avx2"],
                          cwd=robustness.ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["env", *(f"{k}={v}" for k, v in
                                           emulated_cpus.BACKENDS["avx2"].items())]


# --- statistics -----------------------------------------------------------------------------

def test_claim_stats_give_z_and_the_chance_of_failing_one_run():
    s = robustness.claim_stats([0.1, 0.2, 0.3], at_least=0.0, at_most=None)
    assert (s["n"], s["mean"], s["sd"]) == (3, pytest.approx(0.2), pytest.approx(0.1))
    assert s["z"] == pytest.approx(2.0) and s["p_fail"] == pytest.approx(norm.sf(2.0))
    assert s["min_margin"] == pytest.approx(0.1) and s["failures"] == 0
    upper = robustness.claim_stats([0.1, 0.2, 0.3], at_least=None, at_most=0.5)
    assert upper["z"] == pytest.approx(3.0) and upper["min_margin"] == pytest.approx(0.2)
    both = robustness.claim_stats([0.1, 0.2, 0.3], at_least=0.0, at_most=0.5)
    assert both["z"] == pytest.approx(2.0)
    assert both["p_fail"] == pytest.approx(norm.sf(2.0) + norm.sf(3.0))
    constant = robustness.claim_stats([1.0] * 16, at_least=0.5, at_most=None)
    assert constant["z"] == math.inf and constant["p_fail"] == 0
    assert robustness.status(constant) == "constant: a sanity check?"


@pytest.mark.parametrize("n, z, failures, expected", [
    (16, 3.6, 0, "lesson"),
    (8, 6.5, 0, "lesson"),
    (8, 5.0, 0, "not enough runs (8)"),
    (15, 3.6, 0, "not enough runs (15)"),
    (20, 3.0, 0, "z too low"),
    (4, 1.0, 0, "not enough runs (4); z too low"),
    (20, 5.0, 1, "failed in 1 of 20 runs"),
])
def test_status_keeps_a_lesson_only_with_enough_runs_z_and_no_failure(n, z, failures, expected):
    assert robustness.status({"n": n, "z": z, "sd": 0.01, "failures": failures}) == expected


def test_course_failure_combines_the_lessons():
    assert robustness.course_failure([0.01, 0.02]) == pytest.approx(1 - 0.99 * 0.98)
    assert robustness.course_failure([]) == 0


# --- provenance, resuming and the report ----------------------------------------------------

def _git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c",
                    "commit.gpgsign=false", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository with one notebook source, the sweep's files pointed into it."""
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("check(...)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=(
        "holds: gain: over: +0.250 (checked: at least +0.100)\n"
        "holds: steady: +0.950 (checked: at least +0.500)\n"
        "sanity check holds: count: +10.000 (checked: at least +10.000)\n"))]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "notebooks" / "01_x.ipynb")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "start")
    for name, path in (("ROOT", tmp_path), ("RAW", tmp_path / "benchmarks" / "r.jsonl"),
                       ("REPORT", tmp_path / "benchmarks" / "r.md"),
                       ("PROBES", tmp_path / "benchmarks" / "p.json")):
        monkeypatch.setattr(robustness, name, path)
    monkeypatch.setattr(robustness, "all_sources", lambda: ["notebooks/01_x.ipynb"])
    return tmp_path


def _record(run, commit, gain, design=robustness.DESIGN, **more):
    claims = [{"claim": "gain: over", "kind": "lesson", "effect": gain, "at_least": 0.1,
               "at_most": None, "margin": gain - 0.1},
              {"claim": "steady", "kind": "lesson", "effect": 0.95, "at_least": 0.5,
               "at_most": None, "margin": 0.45},
              {"claim": "count", "kind": "sanity", "effect": 10, "at_least": 10,
               "at_most": 10, "margin": 0}]
    return {"source": "notebooks/01_x.ipynb", "run": run, "backend": "avx2", "threads": 1,
            "seed": 1000 + run, "seconds": 60.0, "cpu_seconds": 55.0, "error": None,
            "claims": claims, "design": design, "commit": commit, **more}


def test_a_sweeps_own_output_does_not_mark_the_code_as_changed(repo):
    robustness.RAW.write_text("{}\n")
    robustness.REPORT.write_text("| report |\n")
    robustness.PROBES.write_text("{}\n")
    assert not robustness.commit().endswith("+changes")
    (repo / "notebooks" / "01_x.ipynb").write_text("{}")
    assert robustness.commit().endswith("+changes")


def test_records_count_only_at_this_design_a_clean_tree_and_unchanged_code(repo):
    first = robustness.commit()
    old = {k: v for k, v in _record(0, first, 0.2).items() if k not in ("design", "run")}
    provenance = robustness.Provenance()
    assert provenance.stale(_record(0, first, 0.2)) is None
    assert provenance.stale(old) == "older design"
    assert provenance.stale(_record(0, first + "+changes", 0.2)) == "uncommitted changes"
    assert provenance.stale(_record(0, "0123abc", 0.2)) == "unknown commit 0123abc"
    path = repo / "notebooks" / "01_x.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = "check(...)  # a comment\n\n"
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("A sentence, edited."))
    nbformat.write(nb, path)
    (repo / "other.txt").write_text("x")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "prose, a comment and another file")
    assert robustness.Provenance().stale(_record(0, first, 0.2)) is None  # same code
    nb.cells[1].source = "from tlteach.helpers import gain\ncheck(gain)"
    nbformat.write(nb, path)
    (repo / "tlteach").mkdir()
    (repo / "tlteach" / "__init__.py").write_text('"""The package."""\n')
    (repo / "tlteach" / "helpers.py").write_text("def gain():\n    return 1\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "a cell imports a helper")
    second = robustness.commit()
    provenance = robustness.Provenance()
    assert provenance.stale(_record(0, first, 0.2)).startswith(
        f"code changed since {first}: notebooks/01_x.ipynb, tlteach/__init__.py")
    assert provenance.stale(_record(0, second, 0.2)) is None
    (repo / "tlteach" / "helpers.py").write_text('def gain():\n    """Docs."""\n    return 1\n')
    _git(repo, "commit", "-q", "-am", "a docstring")
    assert robustness.Provenance().stale(_record(0, second, 0.2)) is None
    (repo / "tlteach" / "quizzes.json").write_text('{"q": "Why?"}')
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "a quiz")
    assert robustness.Provenance().stale(_record(0, second, 0.2)) is None  # text only
    (repo / "tlteach" / "helpers.py").write_text("def gain():\n    return 2\n")
    (repo / "tlteach" / "weights.pt").write_bytes(b"new weights")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "the helper's code and new weights")
    assert robustness.Provenance().stale(_record(0, second, 0.2)) == (
        f"code changed since {second}: tlteach/helpers.py, tlteach/weights.pt")


def test_a_resumed_sweep_does_only_the_runs_not_yet_done(repo):
    now = robustness.commit()
    raw = [_record(k, now, 0.2) for k in range(10)] + [_record(10, "0123abc", 0.2)]
    jobs = robustness.jobs_to_do(["notebooks/01_x.ipynb"], 16, raw, now, robustness.Provenance())
    assert sorted(j[1] for j in jobs) == list(range(10, 16))  # run 10's record is stale
    assert all(j[3] <= jobs[i + 1][3] for i, j in enumerate(jobs[:-1]))  # one-thread first
    two = robustness.jobs_to_do(["notebooks/02_y.ipynb", "notebooks/01_x.ipynb"], 8, [], now,
                                robustness.Provenance())
    assert [j[0] for j in two] == ["notebooks/02_y.ipynb"] * 8 + ["notebooks/01_x.ipynb"] * 8
    assert [j[3] for j in two[:8]] == [1] * 4 + [2] * 4  # a source's runs complete early
    more = robustness.jobs_to_do(["notebooks/01_x.ipynb"], 24, raw, now, robustness.Provenance())
    assert sorted(j[1] for j in more) == list(range(10, 24))
    dirty = [_record(k, now + "+changes", 0.2) for k in range(16)]  # this sweep's own runs
    assert not robustness.jobs_to_do(["notebooks/01_x.ipynb"], 16, dirty, now + "+changes",
                                     robustness.Provenance())
    assert "6 runs to do: about 0.1 h" in robustness.plan(jobs, raw)


def test_the_report_gives_z_the_course_figure_sanity_apart_and_stale_rows(repo):
    now = robustness.commit()
    gains = [0.2 + 0.01 * (k % 5) for k in range(16)]
    old = {k: v for k, v in _record(0, "abc1234", 0.9).items() if k not in ("design", "run",
                                                                           "cpu_seconds")}
    raw = [_record(k, now, g) for k, g in enumerate(gains)] + [old]
    robustness.RAW.write_text("".join(json.dumps(r) + "\n" for r in raw))
    robustness.write_report()
    report = robustness.REPORT.read_text()
    stats = robustness.claim_stats(gains, at_least=0.1, at_most=None)
    assert f"{robustness.course_failure([stats['p_fail'], 0.0]):.1%}**" in report
    lesson = next(line for line in report.splitlines() if "| gain: over |" in line)
    assert f"| 16 | {stats['mean']:+.3f} | {stats['sd']:.3f} | +0.100 | " \
           f"{stats['z']:.1f} |" in lesson
    steady = next(line for line in report.splitlines() if "| steady |" in line)
    assert "constant: a sanity check?" in steady
    sanity = report.split("## Sanity checks")[1].split("##")[0]
    assert "| count |" in sanity and "| yes |" in sanity
    assert "| count |" not in report.split("## Lessons")[1].split("## Sanity")[0]
    stale = report.split("## Stale")[1]
    assert "older design" in stale and "| 1 | +0.900 |" in stale  # old records still read
    assert "| 16 | 1 | 0 |" in report  # sources: fresh, stale, errors


# --- committed outputs (seed 0) against the sweep ---------------------------------------------

def test_committed_claims_are_read_back_and_one_outside_the_swept_range_is_flagged(repo):
    committed = robustness.committed_effects(repo / "notebooks" / "01_x.ipynb")
    assert committed == {"gain: over": [0.25], "steady": [0.95]}  # sanity lines are not read
    assert robustness.outside_swept_range(committed, {"gain: over": (0.2, 0.3)}) == []
    assert robustness.outside_swept_range(committed, {"gain: over": (0.2, 0.2495)}) == []
    assert robustness.outside_swept_range(committed, {"gain: over": (0.1, 0.24),
                                                      "steady": (0.9, 1.0)}) == [
        ("gain: over", 0.25, 0.1, 0.24)]


def test_a_runs_expected_range_is_the_mean_plus_minus_four_sds_of_a_new_run():
    effects = [0.0, 0.1] * 8  # n 16, mean 0.05, sd 0.0516
    lo, hi = robustness.expected_range(effects)
    half = 4 * statistics.stdev(effects) * (17 / 16) ** 0.5
    assert (lo, hi) == pytest.approx((0.05 - half, 0.05 + half))
    # one run outside the others' min ... max is not yet foreign; one 5 sds away is
    assert lo < min(effects) - 0.1 and hi > max(effects) + 0.1
    far = {"c": [0.05 + 5 * statistics.stdev(effects) * (17 / 16) ** 0.5]}
    assert robustness.outside_swept_range(far, {"c": (lo, hi)}) != []
    # a range wider than mean ± 4 sds (a heavy tail) keeps the swept min ... max
    tail = [0.0] * 15 + [1.0]
    assert robustness.expected_range(tail)[1] >= 1.0


def test_every_swept_claims_committed_output_lies_within_a_runs_expected_range():
    """For each notebook claim with at least MIN_RUNS (16) fresh runs in
    benchmarks/robustness.jsonl (this design, a clean tree, the notebook's code and helpers
    unchanged since), the effect its committed outputs print lies where a run of the swept
    distribution lies (``robustness.expected_range``: the mean ± 4 sds of a new run).

    Claims without that many fresh runs are not compared: while the sweep has not run at
    this design, no claim is, and this test passes without comparing any (it still checks
    that the committed outputs can be read back). Nothing is skipped."""
    fresh, _ = robustness.latest_fresh(robustness.load_raw(), robustness.Provenance())
    rows = robustness.claim_rows(fresh)
    printed = 0
    for source in robustness.all_sources():
        if not source.endswith(".ipynb"):
            continue
        committed = robustness.committed_effects(robustness.ROOT / source)
        printed += len(committed)
        swept = robustness.swept_ranges(rows, source)
        assert robustness.outside_swept_range(committed, swept) == [], source
    assert printed > 0  # the committed notebooks print their claims as the parser reads them
