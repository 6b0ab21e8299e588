"""make test-time: the per-stage times come from make test's own output."""

from scripts import make_test_time

LOG = """env ONEDNN_MAX_CPU_ISA=AVX2 python3 tasks.py test
==== 1144 passed, 1 warning in 203.10s (0:03:23) ====
==== 3 passed in 82.09s (0:01:22) ====
==== notebook wall times and kernel peak memory ====
    25.9 s    1177 MiB  notebooks/00_start_here.ipynb
   516.3 s    1345 MiB  notebooks/05_domain_adaptation_pytorch.ipynb
==== 348 passed in 1660.85s (0:27:40) ====

real	33m28.386s
RC=0
"""


def test_a_logged_run_gives_each_stage_the_total_and_the_notebooks():
    run = make_test_time.parse_log(LOG)
    assert run["stages"] == [203.10, 82.09, 1660.85]
    assert run["total"] == 33 * 60 + 28.386
    assert run["notebooks"] == {"00_start_here.ipynb": 25.9,
                                "05_domain_adaptation_pytorch.ipynb": 516.3}
    assert run["passed"]
    row = make_test_time.report_row(run, "abc1234", "avx2", "Some CPU", "2026-12-06")
    assert row == ("| 2026-12-06 | `abc1234` | Some CPU | avx2 | 1.0 min | 3.4 min | 1.4 min | "
                   "27.7 min | **33.5 min** | yes |")


def test_a_failed_or_unfinished_run_is_not_reported_as_passed():
    failed = LOG.replace("348 passed in", "1 failed, 347 passed in")
    assert not make_test_time.parse_log(failed)["passed"]
    assert not make_test_time.parse_log(LOG.replace("RC=0", "RC=2"))["passed"]
    unfinished = LOG.split("==== notebook")[0] + "total: 400.0 s\n"
    run = make_test_time.parse_log(unfinished)
    assert not run["passed"] and run["total"] == 400.0
