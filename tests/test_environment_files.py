"""pyproject.toml declares supported ranges; constraints.txt pins the exact versions that
make, CI and Binder install; environment.yml and binder/ offer every dependency of pyproject.toml,
the framework stack at the pinned versions.

Conda channels cannot be reached on the course's CI machines, so this test is what keeps
the files in step.
"""

import re
from pathlib import Path

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from tlteach.runtime import STACK  # installed at their pinned versions

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


def pins(name: str) -> dict[str, str]:
    """{canonical name: version} of a constraints file."""
    return {canonicalize_name(k): v.lstrip("=")
            for k, v in requirements((ROOT / name).read_text().splitlines()).items()}


RUNTIME = requirements(pyproject()["dependencies"])
DEV = requirements(pyproject()["optional-dependencies"]["dev"])


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_runtime_dependency_in_environment_yml_and_binder(name):
    want = f"=={pins('constraints.txt')[name]}" if name in STACK else RUNTIME[name]
    assert conda_env().get(name) == want, f"environment.yml: {name}"
    assert binder().get(name) == want, f"binder/requirements.txt: {name}"


@pytest.mark.parametrize("name", sorted(DEV))
def test_dev_dependency_in_environment_yml(name):
    assert conda_env().get(name) == DEV[name]


@pytest.mark.parametrize("name", sorted(RUNTIME | DEV))
def test_constraints_pin_every_dependency_inside_its_range(name):
    version = pins("constraints.txt").get(name)
    assert version, f"constraints.txt does not pin {name}"
    assert SpecifierSet(RUNTIME.get(name) or DEV[name]).contains(version), (name, version)


def lower_end(spec: str) -> Version:
    """The version after ``>=`` or ``==`` in a range."""
    return next(Version(s.version) for s in SpecifierSet(spec) if s.operator in (">=", "=="))


@pytest.mark.parametrize("name", sorted(RUNTIME | DEV))
def test_the_oldest_versions_are_the_lower_ends_of_the_ranges(name):
    oldest = pins("constraints-oldest.txt")
    assert name in oldest, f"constraints-oldest.txt does not pin {name}"
    spec, version = RUNTIME.get(name) or DEV[name], Version(oldest[name])
    assert SpecifierSet(spec).contains(version), (name, spec, str(version))
    low = lower_end(spec)  # the pin is a release of the series the range starts with
    assert version.release[: len(low.release)] == low.release, (name, spec, str(version))


def test_the_oldest_versions_pin_nothing_else():
    assert set(pins("constraints-oldest.txt")) == set(RUNTIME | DEV)


def test_ranges_leave_a_preinstalled_stack_in_place():
    # A Colab-like environment with other releases than the pinned ones, in range: pip keeps them.
    for name, version in {"torch": "2.9.0", "torchvision": "0.24.0",
                          "tensorflow": "2.20.0"}.items():
        assert SpecifierSet(RUNTIME[name]).contains(version), name


def test_torch_pair_is_pinned_together():
    assert pins("constraints.txt")["torch"] == "2.14.0"
    assert pins("constraints.txt")["torchvision"] == "0.29.0"


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
    text = (ROOT / "binder" / "requirements.txt").read_text()
    assert "download.pytorch.org/whl/cpu" in text
    assert "-c ../constraints.txt" in text.splitlines()  # pip reads it relative to the file


def test_make_installs_with_the_constraints():
    import tasks

    makefile = (ROOT / "Makefile").read_text()
    assert tasks.install_commands()[-1][-4:] == ["-c", "constraints.txt", "-e", ".[dev]"]
    assert "-c constraints-oldest.txt" in makefile
