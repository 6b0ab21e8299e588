"""A pytest plugin: ``--offline`` runs every notebook in a kernel without network access.

Used by ``make test``: ``pytest --nbval-lax -p scripts.offline --offline notebooks/``.
It installs a kernel spec (``tlteach-offline``, started by ``scripts/offline_kernel.py``)
in a temporary Jupyter data folder and tells nbval to use it, so a hidden download in
any notebook fails the test suite.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "tlteach-offline"
LAUNCHER = Path(__file__).with_name("offline_kernel.py")


def install_kernel_spec(root: Path) -> Path:
    """Write the offline kernel spec under ``root/kernels/`` and return its folder."""
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(LAUNCHER), "-f", "{connection_file}"],
        "display_name": "Python 3 (offline)",
        "language": "python",
    }, indent=1))
    return spec


def use_kernel_specs_from(root: Path) -> None:
    """Put ``root`` first on ``JUPYTER_PATH`` so Jupyter finds the kernel specs in it."""
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(root), old]))


def pytest_addoption(parser) -> None:
    parser.addoption("--offline", action="store_true",
                     help="run notebooks in a kernel where network connections fail")


def pytest_configure(config) -> None:
    if not config.getoption("offline"):
        return
    root = Path(tempfile.mkdtemp(prefix="tlteach-kernels-"))
    install_kernel_spec(root)
    use_kernel_specs_from(root)
    config.option.nbval_kernel_name = KERNEL_NAME
