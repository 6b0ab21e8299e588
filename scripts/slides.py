"""Slides of the notebooks that present without a network (``make slides``).

    python -m scripts.slides build/slides notebooks/*.ipynb

nbconvert's reveal.js decks load reveal.js, jQuery, require.js, MathJax and the widget
embedder from CDNs: opened offline, a deck is one long page and the arrow keys do nothing.
``make slides`` installs those libraries from the npm registry into ``<out>/.npm`` (pinned
in ``NPM_PACKAGES``); this script copies what the decks load into ``<out>/lib/`` and points
nbconvert there, with relative URLs, so that the folder can be copied to a USB stick and
opened anywhere. The reveal theme is ``white``, whose fonts ship with reveal.js (nbconvert's
default theme loads Google's).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from nbconvert.exporters import SlidesExporter
from traitlets.config import Config

# What make slides installs with npm (the Makefile's SLIDES_NPM lists the same).
NPM_PACKAGES = ("reveal.js@4.6.1", "jquery@3.7.1", "requirejs@2.3.7", "mathjax@2.7.9",
                "@jupyter-widgets/html-manager@1.0.15")
# (what to copy from node_modules, where it goes below lib/)
ASSETS = (
    ("reveal.js/dist", "reveal.js/dist"),
    ("reveal.js/plugin", "reveal.js/plugin"),
    ("jquery/dist/jquery.min.js", "jquery.min.js"),
    ("requirejs/require.js", "require.js"),
    ("mathjax/MathJax.js", "mathjax/MathJax.js"),
    ("mathjax/config", "mathjax/config"),
    ("mathjax/extensions", "mathjax/extensions"),
    ("mathjax/jax", "mathjax/jax"),
    ("mathjax/localization", "mathjax/localization"),
    ("mathjax/fonts/HTML-CSS/TeX/woff", "mathjax/fonts/HTML-CSS/TeX/woff"),
    ("@jupyter-widgets/html-manager/dist", "html-manager"),
)
URLS = {  # nbconvert's options, relative to the decks
    "reveal_url_prefix": "lib/reveal.js",
    "jquery_url": "lib/jquery.min.js",
    "require_js_url": "lib/require.js",
    "mathjax_url": "lib/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "widget_renderer_url": "lib/html-manager/embed-amd.js",
    "reveal_theme": "white",
}
TEMPLATE = Path(__file__).resolve().parent / "slides_template"
LOADS = re.compile(r"""<script\b[^>]*?\ssrc\s*=\s*["']([^"']+)["']"""
                   r"""|<link\b[^>]*?\shref\s*=\s*["']([^"']+)["']"""
                   r"""|import\s[^;]*?from\s*["']([^"']+)["']|@import\s+url\(["']?([^"')]+)""")


def copy_assets(node_modules: Path, lib: Path) -> None:
    """Copy what the decks load from ``node_modules`` into ``lib``; an error that names the
    fix when the npm packages are missing."""
    for source, target in ASSETS:
        origin, dest = node_modules / source, lib / target
        if not origin.exists():
            raise FileNotFoundError(f"{origin} is missing: run `make slides`, which installs "
                                    f"{', '.join(NPM_PACKAGES)} with npm")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, dest, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.map", "*.esm.js"))
        else:
            shutil.copy2(origin, dest)


def exporter() -> SlidesExporter:
    """nbconvert's slides exporter with every library loaded from ``lib/`` beside the deck,
    and without mermaid (which it would import from a CDN; no notebook draws one)."""
    config = Config()
    for name, value in URLS.items():
        setattr(config.SlidesExporter, name, value)
    config.SlidesExporter.extra_template_basedirs = [str(TEMPLATE)]
    config.SlidesExporter.template_name = "offline"
    return SlidesExporter(config=config)


def external_loads(html: str) -> list[str]:
    """Every script, style sheet or module a deck loads from another host (http, https or
    protocol-relative). Images in the notebooks' text (the Colab and Binder badges) are
    content, not code: offline they show their alt text."""
    found = [next(url for url in groups if url) for groups in LOADS.findall(html)]
    return sorted({url for url in found if re.match(r"(https?:)?//", url)})


def write_decks(out: Path, paths: list[Path]) -> list[Path]:
    """A deck per notebook in ``out`` (``<name>.slides.html``), assets in ``out/lib``."""
    copy_assets(out / ".npm" / "node_modules", out / "lib")
    slides, written = exporter(), []
    for path in paths:
        body, _ = slides.from_filename(str(path))
        target = out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def main(out: str, paths: list[str]) -> None:
    for deck in write_decks(Path(out), [Path(p) for p in paths]):
        outside = external_loads(deck.read_text(encoding="utf-8"))
        if outside:
            sys.exit(f"{deck} still loads {outside}: give each a local copy in ASSETS/URLS")
        print(deck)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
