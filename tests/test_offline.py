"""The offline kernel that ``make test`` runs the notebooks in really has no network."""

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from scripts.offline import KERNEL_NAME, install_kernel_spec, use_kernel_specs_from


@pytest.fixture
def offline_kernel(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    install_kernel_spec(tmp_path)
    use_kernel_specs_from(tmp_path)
    return KERNEL_NAME


def run(source: str, kernel: str):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(nb, timeout=60, kernel_name=kernel).execute()
    return nb.cells[0].outputs


def test_downloads_fail_in_the_offline_kernel(offline_kernel):
    with pytest.raises(CellExecutionError, match="network access is blocked"):
        run("import urllib.request\nurllib.request.urlopen('https://pypi.org', timeout=5)",
            offline_kernel)
    with pytest.raises(CellExecutionError, match="NetworkBlocked"):
        run("import socket\nsocket.create_connection(('8.8.8.8', 53), timeout=5)",
            offline_kernel)


def test_loopback_still_works_in_the_offline_kernel(offline_kernel):
    code = ("import socket\nserver = socket.socket()\nserver.bind(('127.0.0.1', 0))\n"
            "server.listen()\nclient = socket.create_connection(server.getsockname())\n"
            "print('loopback ok')")
    outputs = run(code, offline_kernel)
    assert outputs[0]["text"].strip() == "loopback ok"


def test_nbval_with_the_offline_option_fails_a_notebook_that_downloads(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import urllib.request\nurllib.request.urlopen('https://pypi.org', timeout=5)")])
    path = tmp_path / "downloads.ipynb"
    nbformat.write(nb, path)
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "-p", "scripts.offline", "--offline", str(path)],
        cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "network access is blocked" in result.stdout
