"""Render notebooks to HTML and screenshot them with headless Chromium (``make screenshots``).

    python scripts/screenshots.py build/screenshots notebooks/*.ipynb

For each notebook: nbconvert's ``HTMLExporter`` writes the page (plots inline, widget state
embedded), Chromium renders it and takes a full-width screenshot, and the checks below must
hold: the page shows the notebook's plots, every widget view is drawn from its stored state,
and the screenshot is not blank.

Needs Chromium (Debian: ``apt-get install chromium``) and npm: the widget renderer
(``@jupyter-widgets/html-manager``) and require.js are fetched once with ``npm pack`` from
the npm registry into ``build/widget-js/``, as nbconvert would otherwise load them from a CDN.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np
from nbconvert import HTMLExporter
from PIL import Image

WIDGET_JS = {  # npm package -> the file nbconvert's HTML needs from it
    "@jupyter-widgets/html-manager@1.0.15": "dist/embed-amd.js",  # ipywidgets 8
    "requirejs@2.3.8": "require.js",
}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars"]


def chromium() -> str:
    """The Chromium executable, or a clear error saying how to install it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    raise SystemExit("Chromium not found: install it (Debian: apt-get install chromium) "
                     "to take screenshots.")


def widget_scripts(folder: Path) -> list[str]:
    """Local file URLs of the widget renderer and require.js (``npm pack`` on first use)."""
    urls = []
    for package, file in WIDGET_JS.items():
        target = folder / package.replace("/", "_").replace("@", "", 1)
        if not (target / "package" / file).exists():
            if not shutil.which("npm"):
                raise SystemExit("npm not found: install Node.js (Debian: apt-get install npm) "
                                 "so that widgets can be drawn without a CDN.")
            target.mkdir(parents=True, exist_ok=True)
            packed = subprocess.run(["npm", "pack", "--silent", package], cwd=target,
                                    check=True, capture_output=True, text=True)
            tarball = target / packed.stdout.strip().splitlines()[-1]
            shutil.unpack_archive(tarball, target)
        urls.append((target / "package" / file).resolve().as_uri())
    return urls


def render_html(path: Path, out: Path, scripts: list[str]) -> tuple[Path, int, int]:
    """Write the notebook as HTML; returns (page, number of plots, number of widget views)."""
    nb = nbformat.read(path, as_version=4)
    renderer, require = scripts
    html, _ = HTMLExporter(widget_renderer_url=renderer,
                           require_js_url=require).from_notebook_node(nb)
    page = out / f"{path.stem}.html"
    page.write_text(html)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    widget = "application/vnd.jupyter.widget-view+json"
    plots = sum("image/png" in o.get("data", {}) and widget not in o.get("data", {})
                for o in outputs)  # a widget's own picture is drawn by the widget
    views = [o["data"][widget]["model_id"] for o in outputs if widget in o.get("data", {})]
    state = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    missing = [v for v in views if v not in state]
    if missing:
        raise SystemExit(f"{path.name}: widget views without stored state {missing}; "
                         "re-run `make notebooks`.")
    if html.count("data:image/png") < plots or (views and json.dumps(views[0]) not in html):
        raise SystemExit(f"{path.name}: the HTML lacks plots or widget state.")
    return page, plots, len(views)


def run_chromium(page: Path, *args: str) -> str:
    """Load the page (scripts get 15 s) with extra Chromium arguments; returns its stdout."""
    with tempfile.TemporaryDirectory(prefix="tlteach-chromium-") as profile:
        done = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                               "--virtual-time-budget=15000", *args, page.resolve().as_uri()],
                              check=True, capture_output=True, text=True, timeout=180)
    return done.stdout


def drawn_widgets(page: Path) -> int:
    """How many widget views the page shows once its scripts have run."""
    return run_chromium(page, "--dump-dom").count('class="widget-subarea"')


def screenshot(page: Path, png: Path, height: int = 9000) -> None:
    """A 1280-px-wide screenshot of the top of the page."""
    run_chromium(page, f"--screenshot={png}", f"--window-size=1280,{height}")


def not_blank(png: Path) -> bool:
    """True when the screenshot shows more than a plain page (text, plots)."""
    pixels = np.asarray(Image.open(png).convert("L"))
    return (pixels < 200).mean() > 0.01 and len(np.unique(pixels)) > 32


def main(out: str, paths: list[str]) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    scripts = widget_scripts(folder.parent / "widget-js")
    for path in map(Path, paths):
        page, plots, views = render_html(path, folder, scripts)
        drawn = drawn_widgets(page)
        if drawn < views:
            raise SystemExit(f"{page}: {drawn} of {views} widgets were drawn.")
        png = folder / f"{path.stem}.png"
        screenshot(page, png)
        if not not_blank(png):
            raise SystemExit(f"{png}: the screenshot is blank.")
        print(f"{png}: {plots} plots, {drawn} of {views} widgets drawn")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
