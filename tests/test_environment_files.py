"""environment.yml and binder/ must offer every dependency of pyproject.toml, same versions.

Conda channels cannot be reached on the course's CI machines, so this test is what keeps
the three files in step.
"""

import re
from pathlib import Path

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
ALIASES = {"tensorflow-cpu": "tensorflow"}  # Binder installs the CPU-only build


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def requirements(lines):
    """{canonical name: str(SpecifierSet)} from requirement strings (pip or conda style)."""
    out = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if not line or line.startswith("-") or line.startswith("python="):
            continue
        line = re.sub(r"^([A-Za-z0-9_.\-]+)=(\d)", r"\1==\2", line)  # conda's name=1.2
        req = Requirement(line)
        name = ALIASES.get(canonicalize_name(req.name), canonicalize_name(req.name))
        out[name] = str(req.specifier)
    return out


def conda_env():
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    lines = [d for d in spec["dependencies"] if isinstance(d, str)]
    for d in spec["dependencies"]:
        if isinstance(d, dict):
            lines += d["pip"]
    return requirements(lines)


def binder():
    return requirements((ROOT / "binder" / "requirements.txt").read_text().splitlines())


RUNTIME = requirements(pyproject()["dependencies"])
DEV = requirements(pyproject()["optional-dependencies"]["dev"])


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_runtime_dependency_in_environment_yml_and_binder(name):
    assert conda_env().get(name) == RUNTIME[name], f"environment.yml: {name}"
    assert binder().get(name) == RUNTIME[name], f"binder/requirements.txt: {name}"


@pytest.mark.parametrize("name", sorted(DEV))
def test_dev_dependency_in_environment_yml(name):
    assert conda_env().get(name) == DEV[name]


def test_torch_pair_is_pinned_together():
    assert RUNTIME["torch"] == "==2.14.0" and RUNTIME["torchvision"] == "==0.29.0"


def test_every_runtime_dependency_says_who_needs_it():
    text = (ROOT / "pyproject.toml").read_text()
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    previous = ""
    for line in block.splitlines():
        line = line.strip()
        if line.startswith('"'):
            assert previous.startswith("#") or previous.startswith('"'), line
        previous = line or previous


def test_binder_installs_the_course_package():
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post_build
    assert "download.pytorch.org/whl/cpu" in (ROOT / "binder" / "requirements.txt").read_text()
