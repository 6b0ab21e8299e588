"""Render notebooks to HTML and screenshot them with headless Chromium (``make screenshots``).

    python scripts/screenshots.py build/screenshots notebooks/*.ipynb

For each notebook: nbconvert's ``HTMLExporter`` writes the page (plots inline, widget state
embedded), Chromium takes a full-width screenshot, and the checks below must hold:
the page shows the notebook's plots, stores the state of its widgets, and the screenshot
is not blank. Chromium is the Debian package ``chromium`` (``apt-get install chromium``).
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


def render_html(path: Path, out: Path) -> tuple[Path, int, int]:
    """Write the notebook as HTML; returns (page, number of plots, number of widget views)."""
    nb = nbformat.read(path, as_version=4)
    html, _ = HTMLExporter().from_notebook_node(nb)
    page = out / f"{path.stem}.html"
    page.write_text(html)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    plots = sum("image/png" in o.get("data", {}) for o in outputs)
    views = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] for o in outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    state = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    missing = [v for v in views if v not in state]
    if missing:
        raise SystemExit(f"{path.name}: widget views without stored state {missing}; "
                         "re-run `make notebooks`.")
    if html.count("data:image/png") < plots or (views and json.dumps(views[0]) not in html):
        raise SystemExit(f"{path.name}: the HTML lacks plots or widget state.")
    return page, plots, len(views)


def screenshot(page: Path, png: Path, height: int = 3000) -> None:
    """A 1280-px-wide screenshot of the top of the page."""
    with tempfile.TemporaryDirectory(prefix="tlteach-chromium-") as profile:
        subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        f"--screenshot={png}", f"--window-size=1280,{height}",
                        page.resolve().as_uri()], check=True, capture_output=True, timeout=120)


def not_blank(png: Path) -> bool:
    """True when the screenshot shows more than a plain page (text, plots)."""
    pixels = np.asarray(Image.open(png).convert("L"))
    return (pixels < 200).mean() > 0.01 and len(np.unique(pixels)) > 32


def main(out: str, paths: list[str]) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for path in map(Path, paths):
        page, plots, views = render_html(path, folder)
        png = folder / f"{path.stem}.png"
        screenshot(page, png)
        if not not_blank(png):
            raise SystemExit(f"{png}: the screenshot is blank.")
        print(f"{png}: {plots} plots, {views} widgets with stored state")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
