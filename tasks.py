"""The course's set-up and test commands, in Python, for machines without ``make``.

    python tasks.py lab          # install into .venv (when needed), open JupyterLab
    python tasks.py test         # install (when needed), unit tests, lessons, notebooks
    python tasks.py install      # only the install step
    python tasks.py install --cpu-only   # Linux: PyTorch's CPU wheels (no CUDA libraries)

On Windows use ``py tasks.py lab``. ``make lab`` / ``make test`` / ``make install`` run these
same steps (the Makefile calls this file), so the two ways cannot drift apart. Add
``--dry-run`` to print the commands without running them.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"
INSTALL_INPUTS = (ROOT / "pyproject.toml", ROOT / "constraints.txt")
# PyTorch's own index of CPU-only wheels (Linux): no CUDA libraries, about 4 GB less on disk.
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CPU_PACKAGES = ("torch", "torchvision")

# Tests run two processes side by side (pytest -n 2): one math thread each keeps PyTorch and
# TensorFlow from oversubscribing the cores (on 2 cores the notebooks took over 19 minutes
# with their default threads, 7 minutes with one each).
ONE_THREAD = {"OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
              "TF_NUM_INTEROP_THREADS": "1"}
# The lesson stage: ATen's and TensorFlow's plain kernels (the back-end "tf-onednn-off" of
# make robustness), other numbers than the notebook stage's, so that a lesson which holds
# only on one set of kernels fails here and not in a class.
LESSON_KERNELS = {"ATEN_CPU_CAPABILITY": "default", "TF_ENABLE_ONEDNN_OPTS": "0"}
# PyTorch backs its large tensors with transparent huge pages (THP_MEM_ALLOC_ENABLE, Linux;
# ignored elsewhere): far fewer page faults where a notebook hands freed memory back
# (tlteach.runtime.return_freed_memory) and every large activation is mapped anew. No number
# changes. Measured (one thread, AVX2 cap, AMD EPYC, side by side with other work): notebook
# 02 (PyTorch) took 72 CPU-s with it against 98 without (system time 22 against 36 s), 04
# took 323 against 355 (61 against 87 s); their peaks 1,330 and 1,352 MiB against 1,327
# and 1,345.
HUGE_PAGES = {"THP_MEM_ALLOC_ENABLE": "1"}
MEMORY_BUDGET_MIB = 1536  # per notebook kernel: Binder's 2 GB session minus the server


def venv_bin(name: str) -> Path:
    """A program of the course's virtual environment (``Scripts\\`` on Windows)."""
    folder = VENV / ("Scripts" if os.name == "nt" else "bin")
    return folder / (name + (".exe" if os.name == "nt" else ""))


def needs_install() -> bool:
    """True when .venv is missing or older than the files that say what it holds."""
    if not STAMP.exists() or not venv_bin("python").exists():
        return True
    return any(path.stat().st_mtime > STAMP.stat().st_mtime for path in INSTALL_INPUTS)


def install_commands(cpu_only: bool = False) -> list[list[str]]:
    """The install steps: uv into the venv, then the course with its pinned versions.

    uv downloads and unpacks wheels in parallel (a fresh install took 1.5 min against 4.1
    min with pip); ``--compile-bytecode`` writes .pyc files up front, so the first import of
    TensorFlow in every kernel does not compile its sources again.
    """
    py, uv = str(venv_bin("python")), str(venv_bin("uv"))
    uv_install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", py]
    steps = [[py, "-m", "pip", "install", "--quiet", "uv"]]
    if cpu_only:
        pins = [f"{name}=={pinned_version(name)}" for name in CPU_PACKAGES]
        steps.append(uv_install + ["--index-url", CPU_INDEX, *pins])
    steps.append(uv_install + ["-c", "constraints.txt", "-e", ".[dev]"])
    return steps


def pinned_version(package: str) -> str:
    """The exact version constraints.txt pins for ``package``."""
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, _, version = line.split("#")[0].strip().partition("==")
        if name.strip().lower() == package:
            return version.strip()
    raise SystemExit(f"constraints.txt pins no version of {package}.")


def test_commands() -> list[tuple[dict[str, str], list[str]]]:
    """``make test``'s three stages: unit tests, lesson tests, every notebook (offline)."""
    pytest = [str(venv_bin("python")), "-m", "pytest", "-n", "2"]
    env = ONE_THREAD | HUGE_PAGES
    return [
        (env, pytest + ["--dist", "loadfile", "--no-loadscope-reorder", "-p", "scripts.slow_first",
                        "-m", "not lesson and not sweep", "tests/"]),
        (env | LESSON_KERNELS, pytest + ["--dist", "load", "-m", "lesson", "tests/"]),
        (env, pytest + ["--nbval-lax", "--dist", "loadfile", "--no-loadscope-reorder",
                        "-p", "scripts.notebook_times", "--memory-budget", str(MEMORY_BUDGET_MIB),
                        "-p", "scripts.offline", "--offline", "notebooks/"]),
    ]


def lab_command(root: str = "notebooks", extra: list[str] | None = None) -> list[str]:
    """JupyterLab on the course's notebooks (``--allow-root`` where the user is root)."""
    command = [str(venv_bin("jupyter")), "lab", f"--ServerApp.root_dir={root}"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")  # containers and CI run as root
    return command + (extra or [])


def run(command: list[str], env: dict[str, str] | None = None, dry_run: bool = False) -> None:
    """Print a command (with its environment settings), then run it unless ``dry_run``."""
    settings = " ".join(f"{k}={v}" for k, v in (env or {}).items())
    print(f"{settings + ' ' if settings else ''}{shlex.join(command)}", flush=True)
    if not dry_run:
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})})
        if done.returncode:
            raise SystemExit(done.returncode)


def install(cpu_only: bool = False, dry_run: bool = False) -> None:
    """Create .venv and install the course into it, unless it is up to date."""
    if not needs_install():
        return
    if cpu_only and sys.platform != "linux":
        print("--cpu-only: PyPI's PyTorch wheels for this system are CPU-only already.")
        cpu_only = False
    if not venv_bin("python").exists():
        print(f"{shlex.join([sys.executable, '-m', 'venv', str(VENV.name)])}", flush=True)
        if not dry_run:
            venv.create(VENV, with_pip=True)
    for command in install_commands(cpu_only):
        run(command, dry_run=dry_run)
    if not dry_run:
        STAMP.touch()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("task", choices=["install", "lab", "test"])
    parser.add_argument("--cpu-only", action="store_true",
                        help="Linux: PyTorch's CPU-only wheels from its own index (about 4 GB "
                             "less on disk; needs that index reachable)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    parser.add_argument("--lab-root", default=os.environ.get("LAB_ROOT", "notebooks"),
                        help="the folder JupyterLab serves (lab only)")
    args, extra = parser.parse_known_args(argv)
    if extra and args.task != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    install(args.cpu_only, args.dry_run)
    if args.task == "lab":
        run(lab_command(args.lab_root, extra), dry_run=args.dry_run)
    elif args.task == "test":
        for env, command in test_commands():
            run(command, env, args.dry_run)


if __name__ == "__main__":
    main()
