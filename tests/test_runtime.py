import random
import subprocess
import sys

import numpy as np
import torch

import tlteach


def test_seed_everything_repeats_python_numpy_and_torch():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    tlteach.seed_everything(7)
    first = draw()
    tlteach.seed_everything(7)
    assert draw() == first
    tlteach.seed_everything(8)
    assert draw() != first


def test_import_has_no_side_effects():
    code = (
        "import sys, random, numpy as np\n"
        "np.random.seed(3); random.seed(3); before = (np.random.rand(), random.random())\n"
        "np.random.seed(3); random.seed(3)\n"
        "import tlteach, tlteach.data, tlteach.cache\n"
        "after = (np.random.rand(), random.random())\n"
        "assert before == after, 'importing tlteach changed a random state'\n"
        "heavy = [m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "tlteach.seed_everything(0)\n"
        "assert 'tensorflow' not in sys.modules and 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_device_is_cpu_here_and_can_be_forced(monkeypatch):
    monkeypatch.delenv("TLTEACH_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert tlteach.device() in (expected, "mps")
    monkeypatch.setenv("TLTEACH_DEVICE", "cpu")
    assert tlteach.device() == "cpu"


def test_in_colab(monkeypatch):
    assert tlteach.in_colab() is False
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert tlteach.in_colab() is True


def test_report_install_says_what_was_kept_and_what_was_replaced(monkeypatch, capsys):
    from tlteach import runtime

    now = {"torch": "2.9.0", "torchvision": "0.25.0", "tensorflow": "2.20.0"}
    monkeypatch.setattr(runtime, "installed_versions", lambda names: {n: now[n] for n in names})
    kept = runtime.report_install({"torch": "2.9.0", "tensorflow": "2.20.0"})
    assert kept == "kept torch 2.9.0\nkept tensorflow 2.20.0" and "Restart" not in kept
    replaced = runtime.report_install({"torch": "2.9.0", "torchvision": "0.24.0",
                                       "tensorflow": None})
    assert "replaced torchvision 0.24.0 with 0.25.0" in replaced
    assert "installed tensorflow 2.20.0" in replaced and "Restart the session" in replaced
    assert capsys.readouterr().out.count("kept torch 2.9.0") == 2


def test_installed_versions_reads_the_installed_packages():
    from importlib.metadata import version

    from tlteach.runtime import installed_versions

    found = installed_versions(("torch", "no-such-package-tlteach"))
    assert found == {"torch": version("torch"), "no-such-package-tlteach": None}
