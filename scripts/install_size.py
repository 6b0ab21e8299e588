"""What an install costs: download and disk of the course's environment (``make install-size``).

For every distribution installed in ``.venv``, the size of the wheel file PyPI serves for
it (PyPI's JSON API, matched by the installed version and the wheel's tags) and the disk its
files take once unpacked; the CUDA libraries (``nvidia-*``) and ``triton``, which a CPU
never uses, are counted apart: they are what ``make install CPU_ONLY=1`` leaves out on
Linux. Writes ``benchmarks/install_size.md``.
"""

from __future__ import annotations

import json
import platform
import sys
import urllib.request
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "benchmarks" / "install_size.md"
GPU_ONLY = ("nvidia-", "triton", "cuda-")  # name prefixes of what CPU-only wheels drop


def wheel_tags(dist: metadata.Distribution) -> set[str]:
    """The ``Tag:`` lines of an installed distribution's WHEEL file."""
    text = dist.read_text("WHEEL") or ""
    return {line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")}


def download_bytes(name: str, version: str, tags: set[str]) -> int | None:
    """The size of the wheel PyPI serves for ``name==version`` with one of ``tags``."""
    url = f"https://pypi.org/pypi/{name}/json"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            files = json.load(response)["releases"].get(version, [])
    except OSError:
        return None
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    for file in files:
        try:
            file_tags = {str(tag) for tag in parse_wheel_filename(file["filename"])[3]}
        except InvalidWheelFilename:  # a source archive
            continue
        if file_tags & tags:
            return file["size"]
    return None


def disk_bytes(dist: metadata.Distribution) -> int:
    """The bytes of an installed distribution's files (its RECORD)."""
    total = 0
    for file in dist.files or []:
        path = Path(dist.locate_file(file))
        if path.is_file():
            total += path.stat().st_size
    return total


def measure() -> dict[str, dict[str, int]]:
    """Download and disk bytes, for the GPU-only packages and for the rest."""
    sums = {"gpu_only": {"download": 0, "disk": 0, "count": 0, "unknown": 0},
            "rest": {"download": 0, "disk": 0, "count": 0, "unknown": 0}}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        group = sums["gpu_only" if name.lower().startswith(GPU_ONLY) else "rest"]
        size = download_bytes(name, dist.version, wheel_tags(dist))
        group["download"] += size or 0
        group["unknown"] += size is None
        group["disk"] += disk_bytes(dist)
        group["count"] += 1
    return sums


def report(sums: dict[str, dict[str, int]]) -> str:
    gb = 1e9
    total = {k: sums["gpu_only"][k] + sums["rest"][k] for k in ("download", "disk", "count")}
    rows = [("everything `make install` installs", total),
            ("of which CUDA libraries and triton (`nvidia-*`, `triton`)", sums["gpu_only"]),
            ("the rest", sums["rest"])]
    lines = ["# What an install takes", "",
             "Written by `make install-size` (`scripts/install_size.py`) from the environment",
             f"`make install` made (Python {platform.python_version()}, "
             f"{platform.system()} {platform.machine()}): each distribution's wheel as PyPI "
             "serves it, and its files on disk.", "",
             "| what | packages | download | disk |", "|---|---|---|---|"]
    for label, row in rows:
        lines.append(f"| {label} | {row['count']} | {row['download'] / gb:.1f} GB | "
                     f"{row['disk'] / gb:.1f} GB |")
    unknown = sums["gpu_only"]["unknown"] + sums["rest"]["unknown"]
    if unknown:
        lines += ["", f"{unknown} distribution(s) had no matching wheel on PyPI (installed from "
                      "source or another index); their download is not counted."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if not sys.prefix.endswith(".venv"):
        raise SystemExit("Run it with the course's environment: .venv/bin/python "
                         "scripts/install_size.py (make install-size).")
    REPORT.write_text(report(measure()))
    print(REPORT.read_text())
