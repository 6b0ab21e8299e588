"""The course in a real browser (``make browser-test``): JupyterLab as ``make lab`` starts it,
driven by Playwright with Debian's Chromium (Playwright's own browser download cannot work
offline).

For notebook 00 and notebook 01 (copies in a temporary folder, so that nothing in
``notebooks/`` is touched): open it, run all cells, wait until every cell has run without
an error; click a quiz answer and wait for its feedback; in 01, move the explorer slider
and wait for the figure to change. Then the slides: notebook 00 presented live with RISE
(``jupyterlab-rise``: the cells run during the talk), one of its cells run from the slide;
and ``make slides``' deck of 00 opened from disk with every network request refused, where
the right arrow must move to the next slide. Screenshots go to ``build/browser/``.

Needs ``pip install playwright`` (the ``browser`` extra) and Chromium (Debian:
``apt-get install chromium``); ``make browser-test`` installs the first and runs
``python -m scripts.browser_test``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scripts import screenshots

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "browser"
NOTEBOOKS = ("00_start_here.ipynb", "01_what_transfers.ipynb")
DEBIAN_CHROMIUM = "/usr/lib/chromium/chromium"
RUN_TIMEOUT_S = 600


def chromium() -> str:
    """Debian's Chromium binary (its ``chromium`` command is a wrapper script that execs it),
    else the browser ``make screenshots`` finds (with its error when there is none)."""
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    return screenshots.chromium()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(folder: Path, port: int, token: str) -> subprocess.Popen:
    """``make lab`` serving ``folder``, without opening a browser; returns once it answers.

    Its settings and workspaces live in ``folder`` too (the user's stay as they are), with
    two settings changed: every cell is kept on the page (JupyterLab otherwise draws only
    the cells in view), so that the test can read every cell's prompt; no news feed.
    """
    settings = {"notebook-extension/tracker": {"windowingMode": "none"},
                "apputils-extension/notification": {"fetchNews": "false"}}
    for plugin, values in settings.items():
        path = folder / ".settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(values))
    args = (f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 "
            f"--IdentityProvider.token={token} --LabApp.user_settings_dir={folder / '.settings'} "
            f"--LabApp.workspaces_dir={folder / '.workspaces'}")
    lab = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ROOT={folder}",
                            f"LAB_ARGS={args}"], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return lab
        except OSError:
            if lab.poll() is not None:
                raise SystemExit("`make lab` exited before the server answered.") from None
            time.sleep(1)
    raise SystemExit("JupyterLab did not answer within 2 minutes.")


def panel(page):
    """The notebook on show (JupyterLab keeps the other open tabs in the page, hidden)."""
    return page.locator(".jp-NotebookPanel:visible")


def run_all_cells(page, name: str) -> None:
    """Open a notebook, run all its cells from the Run menu, wait for the last one."""
    notebook = panel(page)
    notebook.locator(".jp-Cell").first.wait_for(timeout=60_000)
    status = notebook.locator(".jp-Notebook-ExecutionIndicator")
    deadline, idle_checks = time.monotonic() + 120, 0
    while idle_checks < 3:  # idle three seconds in a row: started and connected
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: the kernel did not start within 2 minutes.")
        idle_checks = idle_checks + 1 if status.get_attribute("data-status") == "idle" else 0
        time.sleep(1)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    prompts = notebook.locator(".jp-CodeCell .jp-InputArea-prompt")
    stderr = "application/vnd.jupyter.stderr"  # errors are drawn with this type too
    errors = notebook.locator(f".jp-OutputArea-output[data-mime-type='{stderr}']",
                              has_text="Traceback")
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        if errors.count():  # Run All stops at an error: say which, at once
            raise AssertionError(f"{name}: a cell raised:\n{errors.first.inner_text()[-1500:]}")
        texts = prompts.all_inner_texts()
        if texts and all(re.fullmatch(r"\[\d+\]:", t.strip()) for t in texts):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: the cells did not finish within {RUN_TIMEOUT_S} s.")
        time.sleep(1)


def answer_quiz(page, name: str) -> str:
    """Click the first answer of the first quiz question; return the feedback shown."""
    answer = panel(page).locator("button.jupyter-button", has_text="a)").first
    answer.scroll_into_view_if_needed()
    answer.click()
    feedback = panel(page).locator(".widget-html", has_text="Correct.").or_(
        panel(page).locator(".widget-html", has_text="Not quite"))
    feedback.first.wait_for(timeout=30_000)
    page.screenshot(path=OUT / f"{Path(name).stem}_quiz.png")
    return feedback.first.inner_text()


def move_slider(page, name: str) -> None:
    """Press the right arrow on the first explorer slider; the figure below must change."""
    box = panel(page).locator(".widget-vbox:has(.widget-slider):has(img.widget-image)").first
    image = box.locator("img.widget-image").first
    image.scroll_into_view_if_needed()
    before = image.get_attribute("src")
    box.locator(".noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    deadline = time.monotonic() + 60
    while image.get_attribute("src") == before:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: the figure did not change after the slider moved.")
        time.sleep(0.5)
    page.screenshot(path=OUT / f"{Path(name).stem}_explorer.png")


DECK = ROOT / "build" / "slides" / "00_start_here.slides.html"
# The index of the slide on show; reveal.js shows one at a time, a page without it none.
PRESENT_SLIDE = ("[...document.querySelectorAll('.reveal .slides > section')]"
                 ".findIndex(s => s.classList.contains('present'))")


def present_offline_deck(browser, deck: Path = DECK) -> str:
    """Open a ``make slides`` deck from disk with the network cut; press the right arrow and
    check that reveal.js moved to the next slide. Returns the two slide indices."""
    if not deck.exists():
        raise AssertionError(f"{deck} is missing: run `make slides` first")
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 800})
    refused = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        "file:") else (refused.append(route.request.url), route.abort()))
    page = context.new_page()
    page.goto(deck.as_uri())
    try:
        page.locator(".reveal.ready").wait_for(timeout=30_000)  # reveal.js ran (by AMD)
    except Exception as error:
        raise AssertionError("reveal.js did not start offline: the deck is one long page "
                             "(does it load reveal.js from a CDN?)") from error
    before = page.evaluate(PRESENT_SLIDE)
    page.locator(".reveal").click()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"({PRESENT_SLIDE}) !== {before}", timeout=10_000)
    after = page.evaluate(PRESENT_SLIDE)
    page.screenshot(path=OUT / "slides_offline.png")
    context.close()
    scripts = [url for url in refused if not url.endswith((".svg", ".png"))]
    if scripts:
        raise AssertionError(f"the offline deck asked the network for {scripts}")
    return f"slide {before} -> {after}"


def present_with_rise(page, port: int, token: str, name: str) -> str:
    """Present ``name`` with RISE inside JupyterLab's server, move to its first code cell
    and run it from the slide (Shift+Enter); returns the cell's prompt afterwards."""
    page.goto(f"http://127.0.0.1:{port}/rise/{name}?token={token}")
    slides = page.locator(".reveal .slides")
    slides.wait_for(timeout=60_000)
    code = page.locator(".reveal .slides section.present .jp-CodeCell:visible")  # not skipped
    deadline = time.monotonic() + 60
    while not code.count():
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: RISE showed no slide with a code cell")
        page.keyboard.press("ArrowRight")
        time.sleep(1)
    cell = code.first.element_handle()  # this cell, wherever Shift+Enter moves the slides
    prompt = cell.query_selector(".jp-InputArea-prompt")
    stored = prompt.inner_text().strip()  # the saved run's count; a fresh kernel's first is 1
    cell.query_selector(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    deadline = time.monotonic() + 120
    while not re.fullmatch(r"\[\d+\]:", prompt.inner_text().strip()) \
            or prompt.inner_text().strip() == stored:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: the cell run from the RISE slide did not finish")
        time.sleep(1)
    page.screenshot(path=OUT / f"{Path(name).stem}_rise.png")
    return prompt.inner_text().strip()


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="tlteach-browser-"))
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, folder / name)
    port, token = free_port(), secrets.token_hex(16)
    lab = start_lab(folder, port, token)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name in NOTEBOOKS:
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/lab/tree/{name}?token={token}")
                run_all_cells(page, name)
                feedback = answer_quiz(page, name)
                print(f"{name}: all cells ran; quiz feedback: {feedback[:60]!r}")
                if "explorer(" in (folder / name).read_text():
                    move_slider(page, name)
                    print(f"{name}: the explorer's figure changed with the slider")
                print(f"{name}: {time.perf_counter() - start:.0f} s")
                page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").first.click()
                page.locator(".lm-Menu-itemLabel", has_text="Shut Down Kernel").first.click()
            prompt = present_with_rise(page, port, token, NOTEBOOKS[0])
            print(f"{NOTEBOOKS[0]}: presented with RISE, a cell ran from its slide ({prompt})")
            print(f"offline deck: the right arrow moved reveal.js {present_offline_deck(browser)}")
            browser.close()
    finally:
        os.killpg(lab.pid, 15)
        lab.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"screenshots in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
