"""The oldest supported versions, tested: ``make compat`` (after it installed
``constraints-oldest.txt`` into ``.venv-compat``) runs this script with that venv's Python.

It runs the unit tests and two notebooks (one PyTorch, one Keras) offline, as ``make test``
does, and writes ``benchmarks/compat.md``: the versions, each stage's pytest summary and
its time. The exit status is pytest's (non-zero when a stage failed).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "benchmarks" / "compat.md"
NOTEBOOKS = ("notebooks/02_frozen_backbone_pytorch.ipynb",
             "notebooks/07_your_own_images_keras.ipynb")
STAGES = {
    "unit tests": ["-n", "2", "--dist", "loadfile", "-m", "not lesson and not sweep", "tests/"],
    "two notebooks": ["--nbval-lax", "-n", "2", "--dist", "loadfile", "-p", "scripts.offline",
                      "--offline", *NOTEBOOKS],
}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
              "TF_NUM_INTEROP_THREADS": "1"}


def run_stage(args: list[str]) -> tuple[int, str, float]:
    """pytest with ``args`` in this Python: exit status, its summary line, seconds."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env={**os.environ, **ONE_THREAD}, capture_output=True,
                          text=True)
    print(done.stdout[-3000:], done.stderr[-2000:], sep="\n")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines[-1].strip("= ") if lines else "(no output)", \
        time.perf_counter() - start


def main() -> int:
    packages = ("torch", "torchvision", "tensorflow", "keras", "numpy")
    versions = ", ".join(f"{name} {version(name)}" for name in packages)
    print(f"Testing with {versions} (Python {platform.python_version()})")
    results = {name: run_stage(args) for name, args in STAGES.items()}
    rows = "\n".join(f"| {name} | {'passed' if code == 0 else 'FAILED'} | {summary} | "
                     f"{seconds / 60:.1f} min |"
                     for name, (code, summary, seconds) in results.items())
    REPORT.write_text(
        "# The oldest supported versions, tested\n\n"
        "Written by `make compat` (`scripts/compat.py`): the lower ends of the ranges in\n"
        "`pyproject.toml`, installed from `constraints-oldest.txt` into `.venv-compat`; the\n"
        "unit tests and two notebooks run offline there as `make test` runs them.\n\n"
        f"Versions: {versions}; Python {platform.python_version()}.\n\n"
        f"Notebooks: {', '.join(f'`{Path(n).name}`' for n in NOTEBOOKS)}.\n\n"
        "| stage | result | pytest's summary | time |\n|---|---|---|---|\n" + rows + "\n")
    print(f"wrote {REPORT.relative_to(ROOT)}")
    return max(code for code, _, _ in results.values())


if __name__ == "__main__":
    sys.exit(main())
