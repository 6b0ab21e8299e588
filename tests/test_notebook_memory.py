"""The notebook test measures each kernel's peak memory and fails a notebook over budget."""

import sys
from pathlib import Path

import pytest
from jupyter_client import KernelManager

from scripts.notebook_times import MEMORY_BUDGET_MIB, kernel_peak_mib, over_budget

ROOT = Path(__file__).resolve().parents[1]


def test_over_budget_names_the_notebook_and_its_peak():
    lines = over_budget({"notebooks/a.ipynb": 900.0, "notebooks/b.ipynb": 1700.4})
    assert len(lines) == 1 and lines[0].startswith("notebooks/b.ipynb: kernel peak 1700 MiB")
    assert f"{MEMORY_BUDGET_MIB} MiB budget" in lines[0]
    assert over_budget({"notebooks/a.ipynb": MEMORY_BUDGET_MIB}) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (VmHWM)")
def test_kernel_peak_is_the_high_water_mark_of_a_running_kernel():
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel()
    try:
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        # 400 MiB allocated and touched, then freed: the high-water mark keeps it.
        client.execute_interactive("import numpy as np; a = np.ones(50 * 2**20); del a",
                                   timeout=60)
        peak = kernel_peak_mib()
        client.stop_channels()
    finally:
        manager.shutdown_kernel(now=True)
    assert peak is not None and peak >= 400


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (VmHWM)")
def test_a_notebook_over_the_budget_fails_the_run_and_is_named(tmp_path):
    import subprocess

    import nbformat

    path = tmp_path / "big.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\na = np.ones(40 * 2**20)")]
    nbformat.write(nb, path)
    run = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
           "-p", "scripts.notebook_times", str(path)]
    over = subprocess.run([*run, "--memory-budget", "200"], capture_output=True, text=True,
                          cwd=ROOT)
    assert over.returncode == 1, over.stdout
    assert "MEMORY BUDGET FAILED" in over.stdout and "big.ipynb: kernel peak" in over.stdout
    within = subprocess.run([*run, "--memory-budget", "4000"], capture_output=True, text=True,
                            cwd=ROOT)
    assert within.returncode == 0, within.stdout
