"""`make lab` starts a JupyterLab server that answers on localhost."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from scripts.browser_test import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_make_lab_serves_the_course(tmp_path):
    port, token = free_port(), "tlteach-test"
    args = (f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
            "--ServerApp.port_retries=0")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "PYTHON": "python3"}
    proc = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/api/contents?token={token}"
        deadline, listing = time.time() + 120, None
        while time.time() < deadline and listing is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    listing = response.read().decode()
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(1)
        assert listing is not None, "JupyterLab did not answer within 2 minutes"
        assert "00_start_here.ipynb" in listing  # serves notebooks/
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}") as page:
            assert page.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_browser_test_names_the_fix_when_chromium_is_missing(monkeypatch):
    import pytest

    from scripts import browser_test

    monkeypatch.setattr(browser_test, "DEBIAN_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(browser_test.screenshots.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="apt-get install chromium"):
        browser_test.chromium()


def test_make_lab_serves_the_folder_it_is_given():
    dry = subprocess.run(["make", "-n", "lab", "LAB_ROOT=/tmp/elsewhere"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "tasks.py lab --lab-root /tmp/elsewhere" in dry
    dry = subprocess.run(["python3", "tasks.py", "lab", "--lab-root", "/tmp/elsewhere",
                          "--dry-run"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert "--ServerApp.root_dir=/tmp/elsewhere" in dry
    dry = subprocess.run(["make", "-n", "browser-test"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert "-m scripts.browser_test" in dry and '".[dev,browser]"' in dry
