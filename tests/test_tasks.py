"""tasks.py: the set-up and test commands without make, which the Makefile runs too."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tasks
from scripts.notebook_times import MEMORY_BUDGET_MIB

ROOT = Path(__file__).resolve().parents[1]


def dry_run(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "tasks.py", *args, "--dry-run"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def make_plan(*args: str) -> list[str]:
    """The commands ``make -n`` would run (also when make test runs this test, inside make)."""
    # make passes its own command-line variables (make test CPU=avx2) on to this test
    outer = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "CPU", "CPU_ONLY")
    env = {k: v for k, v in os.environ.items() if k not in outer}
    plan = subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True).stdout
    return [line.split(None, 1)[1].strip() for line in plan.splitlines() if "tasks.py" in line]


def test_the_makefile_runs_tasks_py_for_lab_test_and_install():
    for target, expected in (("lab", "tasks.py lab --lab-root notebooks"),
                             ("test", "tasks.py test"), ("install", "tasks.py install")):
        assert make_plan(target) == [expected], target
    assert make_plan("install", "CPU_ONLY=1") == ["tasks.py install --cpu-only"]


def test_test_runs_the_three_stages_with_their_settings():
    lines = [line for line in dry_run("test") if "pytest" in line]
    assert len(lines) == 3
    unit, lessons, notebooks = lines
    for stage in lines:  # one math thread each, large tensors on huge pages
        assert stage.startswith("OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 "
                                "TF_NUM_INTEROP_THREADS=1 THP_MEM_ALLOC_ENABLE=1 ")
    assert "-m 'not lesson and not sweep' tests/" in unit and "--dist loadfile" in unit
    # the long tests first, where xdist's own order (most tests first) leaves them for last
    assert "--no-loadscope-reorder -p scripts.slow_first" in unit
    assert "ATEN_CPU_CAPABILITY=default TF_ENABLE_ONEDNN_OPTS=0" in lessons
    assert "-m lesson tests/" in lessons
    assert f"--memory-budget {MEMORY_BUDGET_MIB}" in notebooks
    assert "--nbval-lax" in notebooks and "--offline notebooks/" in notebooks


def test_install_uses_the_constraints_and_the_cpu_index_only_when_asked():
    default = [" ".join(step) for step in tasks.install_commands()]
    assert default[-1].endswith("-c constraints.txt -e .[dev]")
    assert not any(tasks.CPU_INDEX in step for step in default)
    cpu = [" ".join(step) for step in tasks.install_commands(cpu_only=True)]
    pins = f"torch=={tasks.pinned_version('torch')} torchvision=="
    assert any(tasks.CPU_INDEX in step and pins in step for step in cpu)
    assert tasks.pinned_version("torch") == "2.14.0"  # what constraints.txt pins
    assert cpu[-1] == default[-1]  # then everything else as usual


def test_lab_passes_its_own_options_to_jupyterlab():
    lab = [line for line in dry_run("lab", "--lab-root", "/tmp/elsewhere", "--no-browser",
                                    "--port=8890") if " lab " in line][-1]
    assert "--ServerApp.root_dir=/tmp/elsewhere" in lab
    assert lab.endswith("--no-browser --port=8890")


def test_bad_arguments_get_argparse_errors():
    for args in (["nope"], ["test", "--no-browser"], ["install", "--cpu"]):
        done = subprocess.run([sys.executable, "tasks.py", *args], cwd=ROOT,
                              capture_output=True, text=True)
        assert done.returncode == 2 and "error:" in done.stderr, args


def test_install_is_needed_only_when_the_inputs_are_newer(tmp_path, monkeypatch):
    import os

    venv = tmp_path / ".venv"
    monkeypatch.setattr(tasks, "VENV", venv)
    monkeypatch.setattr(tasks, "STAMP", venv / ".installed")
    inputs = tmp_path / "pyproject.toml"
    inputs.write_text("")
    monkeypatch.setattr(tasks, "INSTALL_INPUTS", (inputs,))
    assert tasks.needs_install()  # no venv yet
    tasks.venv_bin("python").parent.mkdir(parents=True)
    tasks.venv_bin("python").touch()
    tasks.STAMP.touch()
    os.utime(inputs, (0, 0))
    assert not tasks.needs_install()
    os.utime(inputs, None)
    os.utime(tasks.STAMP, (1, 1))
    assert tasks.needs_install()


@pytest.mark.parametrize(("system", "folder", "suffix"), [("posix", "bin", ""),
                                                         ("nt", "Scripts", ".exe")])
def test_the_venv_programs_are_found_on_each_system(system, folder, suffix, monkeypatch):
    monkeypatch.setattr(tasks.os, "name", system)
    assert tasks.venv_bin("python") == tasks.VENV / folder / f"python{suffix}"


def test_the_unit_stage_collects_the_files_with_slow_tests_first(tmp_path):
    (tmp_path / "test_a_many.py").write_text("def test_1(): pass\ndef test_2(): pass\n")
    (tmp_path / "test_b_one_slow.py").write_text(
        "import pytest\ndef test_short(): pass\n@pytest.mark.slow\ndef test_long(): pass\n")
    (tmp_path / "test_c_two_slow.py").write_text(
        "import pytest\n@pytest.mark.slow\n@pytest.mark.parametrize('x', [1, 2])\n"
        "def test_long(x): pass\n")
    (tmp_path / "test_d_slow_but_deselected.py").write_text(  # its slow tests do not run
        "import pytest\n" + "@pytest.mark.slow\n@pytest.mark.sweep\n"
        "@pytest.mark.parametrize('x', [1, 2, 3])\ndef test_sweep(x): pass\n"
        "def test_quick(): pass\n")
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p",
                          "scripts.slow_first", "-p", "no:cacheprovider", "-m", "not sweep",
                          "-W", "ignore::pytest.PytestUnknownMarkWarning", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    tests = [line.split("/")[-1] for line in out.splitlines() if "::" in line]
    assert tests == ["test_c_two_slow.py::test_long[1]", "test_c_two_slow.py::test_long[2]",
                     "test_b_one_slow.py::test_short", "test_b_one_slow.py::test_long",
                     "test_a_many.py::test_1", "test_a_many.py::test_2",
                     "test_d_slow_but_deselected.py::test_quick"]
