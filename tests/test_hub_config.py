"""The hub configurations shipped in hub/ are safe to serve a class with, and the nbgitpuller
link that opens the course has the form nbgitpuller reads."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
import pytest
import yaml

from scripts import class_sizing, puller_link
from scripts import hub_config_check as check
from scripts.hub import alive, descendants, free_port, same_process, stop_tree, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
Z2JH = yaml.safe_load((ROOT / "hub" / "z2jh" / "config.yaml").read_text())
TLJH = yaml.safe_load((ROOT / "hub" / "tljh" / "config.yaml").read_text())


def one_machine():
    return check.load_python_config(ROOT / "hub" / "jupyterhub_config.py")


def test_shipped_configurations_have_no_problem():
    assert check.shipped_problems() == []


@pytest.mark.parametrize("name", ["dummy", "jupyterhub.auth.DummyAuthenticator", "null", None])
def test_an_open_authenticator_is_a_problem(name):
    c = one_machine()
    c.JupyterHub.authenticator_class = name
    assert any("anyone could log in" in p
               for p in check.python_config_problems(c, check.needed_mib()))
    z2jh = copy.deepcopy(Z2JH)
    z2jh["hub"]["config"]["JupyterHub"]["authenticator_class"] = name
    assert any("anyone could log in" in p for p in check.z2jh_problems(z2jh, 0))
    tljh = copy.deepcopy(TLJH)
    tljh["auth"]["type"] = name
    assert any("anyone could log in" in p for p in check.tljh_problems(tljh))


@pytest.mark.parametrize("trait, value", [("Spawner.ip", "0.0.0.0"), ("Spawner.ip", ""),
                                          ("JupyterHub.hub_ip", "0.0.0.0"),
                                          ("JupyterHub.bind_url", "http://0.0.0.0:8000")])
def test_an_open_bind_is_a_problem(trait, value):
    c = one_machine()
    section, name = trait.split(".")
    setattr(c[section], name, value)
    problems = check.python_config_problems(c, check.needed_mib())
    assert any("127.0.0.1" in p for p in problems), problems


def test_https_on_every_address_is_allowed():
    c = one_machine()
    c.JupyterHub.bind_url = "https://0.0.0.0:443"
    assert check.python_config_problems(c, check.needed_mib()) == []


def test_no_admin_no_culler_too_little_memory_are_problems():
    c = one_machine()
    c.Authenticator.admin_users = set()
    c.JupyterHub.services = []
    c.Spawner.mem_guarantee = "1G"
    problems = " | ".join(check.python_config_problems(c, check.needed_mib()))
    assert "no admin" in problems and "no idle culler" in problems
    assert "memory guarantee 1G is under" in problems
    z2jh = copy.deepcopy(Z2JH)
    z2jh["cull"]["enabled"] = False
    z2jh["singleuser"]["networkPolicy"]["enabled"] = False
    z2jh["singleuser"]["memory"]["limit"] = "1G"
    problems = " | ".join(check.z2jh_problems(z2jh, 0))
    assert "cull.enabled is off" in problems and "networkPolicy is off" in problems
    assert "memory limit 1G is under the guarantee" in problems


def test_memory_guarantee_holds_the_measured_heaviest_lesson():
    needed = check.needed_mib()
    assert 1300 < needed < 2048, needed  # a kernel of 1.3-1.5 GiB plus a server
    z2jh = Z2JH["singleuser"]["memory"]["guarantee"]
    for guarantee in (one_machine().Spawner.mem_guarantee, z2jh):
        assert check.to_bytes(guarantee) >= needed * 2**20
    assert check.to_bytes("1.6G") == 1.6 * 2**30 and check.to_bytes("1536M") == 1.5 * 2**30
    with pytest.raises(ValueError, match="2G or 1536M"):
        check.to_bytes("lots")


def test_the_quoted_heaviest_kernel_is_the_measured_one():
    peaks = json.loads((ROOT / "benchmarks" / "notebook_times.json").read_text())["peak_mib"]
    name, peak = max(peaks.items(), key=lambda item: item[1])
    number, framework = name.split("_")[0], name.removesuffix(".ipynb").split("_")[-1]
    framework = {"pytorch": "PyTorch", "keras": "Keras"}[framework]
    config = " ".join((ROOT / "hub" / "jupyterhub_config.py").read_text().split())
    guide = " ".join((ROOT / "docs" / "instructors.md").read_text().split())
    assert f"heaviest lesson's kernel ({peak:,} MiB, {number} {framework})" in config, (
        f"hub/jupyterhub_config.py: quote {name}'s {peak:,} MiB (notebook_times.json)")
    assert f"the heaviest kernel, {peak:,} MiB for {number} in {framework}" in guide, (
        f"docs/instructors.md: quote {name}'s {peak:,} MiB (notebook_times.json)")


def test_the_link_has_nbgitpullers_form():
    link = puller_link.puller_link("https://hub.example.edu/", branch="spring-2027")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("https", "hub.example.edu")
    assert parts.path == "/hub/user-redirect/git-pull"
    query = parse_qs(parts.query, strict_parsing=True)
    assert query == {"repo": ["https://github.com/tlteach/tlteach"], "branch": ["spring-2027"],
                     "targetpath": ["tlteach-course"],
                     "urlpath": ["lab/tree/tlteach-course/notebooks/00_start_here.ipynb"]}
    assert "%2F" in parts.query and "/" not in parts.query, "every value fully escaped"
    notebook = query["urlpath"][0].removeprefix("lab/tree/tlteach-course/")
    assert (ROOT / notebook).exists(), "the link opens a notebook of this repository"


def test_the_link_needs_https_except_on_this_machine():
    with pytest.raises(ValueError, match="https://"):
        puller_link.puller_link("http://hub.example.edu")
    with pytest.raises(ValueError, match="without"):
        puller_link.puller_link("https://hub.example.edu/?next=x")
    assert puller_link.puller_link("http://127.0.0.1:8000").startswith("http://127.0.0.1:8000/hub/")


def test_zero_to_jupyterhub_opens_the_course_with_the_same_link():
    assert Z2JH["singleuser"]["defaultUrl"] == puller_link.git_pull_path()
    for target in ("tlteach", "a/b", ""):  # "tlteach" would shadow the package
        with pytest.raises(ValueError, match="shadow"):
            puller_link.git_pull_path(target=target)


def test_the_hub_image_can_pull_and_present():
    text = (ROOT / "binder" / "requirements.txt").read_text()
    assert "nbgitpuller" in text and "jupyterlab-rise" in text


@pytest.mark.slow
def test_the_one_machine_config_starts_a_hub_with_its_culler(tmp_path):
    """hub/jupyterhub_config.py as shipped, with only its files and ports moved into a
    temporary folder: the hub answers on 127.0.0.1 and starts the idle culler."""
    port, bin_dir = free_port(), Path(sys.executable).parent
    overrides = [f"--JupyterHub.bind_url=http://127.0.0.1:{port}",
                 f"--JupyterHub.hub_port={free_port()}",
                 f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}",
                 f"--JupyterHub.db_url=sqlite:///{tmp_path}/hub.sqlite",
                 f"--JupyterHub.cookie_secret_file={tmp_path}/cookie_secret"]
    log = tmp_path / "hub.log"
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # as under sudo: the venv is not on PATH
    with open(log, "wb") as out:
        hub = subprocess.Popen([str(bin_dir / "jupyterhub"), "-f",
                                str(ROOT / "hub" / "jupyterhub_config.py"), *overrides],
                               cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, env=env,
                               start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", hub, log)
        deadline = time.monotonic() + 30
        while not any("jupyterhub_idle_culler" in " ".join(c.cmdline())
                      for c in psutil.Process(hub.pid).children(recursive=True)):
            assert time.monotonic() < deadline, "no idle culler: " + log.read_text()[-2000:]
            time.sleep(1)
    finally:
        below = descendants(hub.pid)  # the proxy and the culler run in sessions of their own
        stop_tree(hub.pid, below, grace_s=15)
    assert "PAMAuthenticator" in log.read_text()
    assert not any(alive(pid) and same_process(pid, started) for pid, started in below.items())


def test_the_guide_and_the_readme_show_the_measured_numbers():
    raw = json.loads((ROOT / "benchmarks" / "class.json").read_text())
    assert (ROOT / "benchmarks" / "class.md").read_text() == class_sizing.report(raw), (
        "benchmarks/class.md is out of step with class.json: python -m scripts.class_sizing")
    guide = (ROOT / "docs" / "instructors.md").read_text()
    for table in (class_sizing.guide_measured(raw), class_sizing.guide_table(raw)):
        assert table in guide, "docs/instructors.md: paste python -m scripts.class_sizing " \
                               "benchmarks/class.json guide"
    light, heavy = (class_sizing.lesson_profile(raw, n) for n in ("00", "04"))
    vm = class_sizing.vm_for(30, heavy, raw["hub_peak_mib"])
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert (f"about {light['mib'] / 1024:.1f} GiB (lesson 00) to {heavy['mib'] / 1024:.1f} GiB"
            f" (lesson 04)") in readme
    assert f"a VM of {vm['cores']} cores and {vm['gib']} GiB" in readme
