"""make slides: decks that present offline, every library they load beside them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import slides

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "build" / "slides" / ".npm" / "node_modules"


def test_external_loads_finds_scripts_styles_and_modules_not_text_links():
    html = """<script src="https://unpkg.com/reveal.js@4.0.2/dist/reveal.js"></script>
    <link rel="stylesheet" href="//cdn.example.org/x.css"><script src="lib/require.js"></script>
    <script type="module">import mermaid from 'https://cdn.example.org/m.mjs';</script>
    <style>@import url(https://fonts.googleapis.com/css?family=Lato);</style>
    <a href="https://colab.research.google.com/x">Colab</a><img src="https://mybinder.org/b.svg">"""
    assert slides.external_loads(html) == [
        "//cdn.example.org/x.css", "https://cdn.example.org/m.mjs",
        "https://fonts.googleapis.com/css?family=Lato",
        "https://unpkg.com/reveal.js@4.0.2/dist/reveal.js"]


def test_make_installs_the_packages_the_script_copies():
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(r"SLIDES_NPM := ((?:.*\\\n)*.*)", makefile).group(1)
    assert line.replace("\\\n", " ").split() == list(slides.NPM_PACKAGES)
    for source, _ in slides.ASSETS:
        assert any(source.startswith(p.rsplit("@", 1)[0] + "/") for p in slides.NPM_PACKAGES)


def test_missing_npm_packages_name_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="make slides"):
        slides.copy_assets(tmp_path / "node_modules", tmp_path / "lib")


@pytest.fixture(scope="module")
def npm_folder(tmp_path_factory) -> Path:
    """The npm packages make slides installs: its own copy where make slides has run, else
    installed here from the npm registry as make slides does (about 10 s)."""
    if (NODE_MODULES / "reveal.js").exists():
        return NODE_MODULES.parent
    npm = shutil.which("npm")
    assert npm, "the slides test needs npm, as make slides does (Debian: apt-get install npm)"
    folder = tmp_path_factory.mktemp("slides") / ".npm"
    subprocess.run([npm, "install", "--silent", "--no-save", "--no-audit", "--no-fund",
                    "--no-package-lock", "--prefix", str(folder), *slides.NPM_PACKAGES],
                   check=True, timeout=600)
    return folder


def test_a_deck_loads_only_files_beside_it(tmp_path, npm_folder):
    (tmp_path / ".npm").symlink_to(npm_folder)
    deck = slides.write_decks(tmp_path, [ROOT / "notebooks" / "00_start_here.ipynb"])[0]
    html = deck.read_text(encoding="utf-8")
    assert slides.external_loads(html) == []
    local = re.findall(r"""(?:src|href)=["'](lib/[^"'?]+)""", html)
    local += re.findall(r"""["'](lib/[^"'?]+\.js)["']""", html)
    assert {"lib/reveal.js/dist/reveal.js", "lib/require.js", "lib/jquery.min.js",
            "lib/mathjax/MathJax.js"} <= set(local)
    for path in local:
        assert (tmp_path / path).exists(), path
    assert "lib/reveal.js/dist/theme/white.css" in local  # its fonts ship with reveal.js
