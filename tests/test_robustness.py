"""scripts/robustness.py: the covering design, and one run of a notebook under caps."""

from collections import Counter

import nbformat

from scripts import robustness


def test_the_design_covers_every_back_end_and_thread_count_with_unused_seeds():
    runs = robustness.design()
    assert len(runs) >= 8
    backends = Counter(b for b, _, _ in runs)
    threads = Counter(t for _, t, _ in runs)
    assert set(backends) == set(robustness.BACKENDS) and min(backends.values()) >= 2
    assert set(threads) == {1, 2} and min(threads.values()) >= 2
    seeds = [s for _, _, s in runs]
    assert len(set(seeds)) == len(seeds) and not set(seeds) & {0, 1, 2, 3, 4}


def test_a_run_executes_a_notebook_with_its_seed_and_caps_and_records_its_claims(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import os\nfrom tlteach.claims import check\nSEED = 0\n"
        "check('seed', SEED, at_least=12)\n"
        "check('threads', int(os.environ['OMP_NUM_THREADS']), at_most=1)\n"
        "check('isa capped', os.environ.get('ONEDNN_MAX_CPU_ISA') == 'SSE41', at_least=1)")]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    result = robustness.run_one(str(path), "sse41", threads=2, seed=13)
    assert result["error"] is None, result["error"]
    margins = {c["claim"]: c["margin"] for c in result["claims"]}
    # The run continued past the failed check and recorded all three.
    assert margins == {"seed": 1, "threads": -1, "isa capped": 0}


def test_every_notebook_sets_the_seed_the_robustness_runs_replace():
    for source in robustness.all_sources():
        if source.endswith(".ipynb"):
            nb = nbformat.read(robustness.ROOT / source, as_version=4)
            assert any("SEED = 0" in c.source for c in nb.cells if c.cell_type == "code"), source


def test_a_sweeps_own_output_does_not_mark_the_code_as_changed(tmp_path, monkeypatch):
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c",
                        "commit.gpgsign=false", *args],
                       cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "benchmarks").mkdir()
    raw, report, code = (tmp_path / "benchmarks" / "robustness.jsonl",
                         tmp_path / "benchmarks" / "robustness.md", tmp_path / "code.py")
    for path in (raw, report, code):
        path.write_text("")
    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "start")
    monkeypatch.setattr(robustness, "ROOT", tmp_path)
    monkeypatch.setattr(robustness, "RAW", raw)
    monkeypatch.setattr(robustness, "REPORT", report)
    raw.write_text("{}\n")
    report.write_text("| report |\n")
    assert not robustness.commit().endswith("+changes")
    code.write_text("x = 1\n")
    assert robustness.commit().endswith("+changes")
