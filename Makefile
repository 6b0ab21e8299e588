# The course's commands. `make lab` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: help lab test test-time install install-size compat browser-test notebooks lint bench robustness student slides screenshots clean

# CPU=avx2 (or sse41, tf-onednn-off, native) runs a target as if on an older CPU: PyTorch,
# TensorFlow, NumPy and SciPy then pick other kernels, and get other last bits and other
# speeds. The caps are make robustness's back-ends (scripts/emulated_cpus.py).
CPU_CAPS := $(if $(CPU),$(or $(shell $(PYTHON) scripts/emulated_cpus.py $(CPU) 2>/dev/null),\
	$(error CPU=$(CPU): use native, avx2, sse41 or tf-onednn-off)))

## lab: install into .venv (when needed) and open the course in JupyterLab
# lab, test and install run tasks.py, the same steps for machines without make
# (`python tasks.py lab`, `python tasks.py test`). LAB_ROOT: the folder JupyterLab serves;
# LAB_ARGS: more options (make browser-test uses both). CPU_ONLY=1: Linux, PyTorch's CPU
# wheels (see tasks.py).
LAB_ROOT ?= notebooks
INSTALL_FLAGS := $(if $(CPU_ONLY),--cpu-only)
lab:
	$(PYTHON) tasks.py lab --lab-root $(LAB_ROOT) $(INSTALL_FLAGS) $(LAB_ARGS)

## test: install (when needed), run the unit tests, then execute every notebook offline
# The lesson tests (marker "lesson") run on other kernels than the notebooks (ATen's and
# TensorFlow's plain ones) with a seed no notebook uses, so a lesson that holds only on one
# set of kernels fails here, not in a class; make robustness runs the full matrix of CPUs,
# threads and seeds, and the lesson tests too slow for every run (marker "sweep"). The
# notebooks run longest first (scripts/notebook_times.py), so that the two workers finish
# together, and a notebook whose kernel peaks over Binder's 1.5 GiB per kernel fails the run
# (--memory-budget, in MiB). Every stage runs two processes side by side, each with one math
# thread and PyTorch's huge pages for large tensors (THP_MEM_ALLOC_ENABLE: less time in the
# kernel, the same numbers). tasks.py holds the three commands. `make test CPU=sse41` runs it
# all under a CPU cap (the caps reach every kernel the tests start).
test:
	$(CPU_CAPS) $(PYTHON) tasks.py test $(INSTALL_FLAGS)

## install: create .venv and install the course into it with the pinned versions (when needed)
# constraints.txt holds the exact versions the course is tested with; pyproject.toml only the
# supported ranges. The venv keeps pip: `.venv/bin/pip install ...` works as usual.
install:
	$(PYTHON) tasks.py install $(INSTALL_FLAGS)

## compat: the oldest supported versions (constraints-oldest.txt, the lower ends of the ranges
## in pyproject.toml) in .venv-compat: the unit tests and two notebooks; writes benchmarks/compat.md
COMPAT := .venv-compat
compat:
	test -x $(COMPAT)/bin/python || $(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/python -m pip install --quiet uv
	$(COMPAT)/bin/uv pip install --quiet --compile-bytecode --python $(COMPAT)/bin/python \
		-c constraints-oldest.txt -e ".[dev]"
	$(COMPAT)/bin/python scripts/compat.py

## browser-test: JupyterLab (as make lab starts it) in Debian's Chromium, driven by Playwright:
## notebooks 00 and 01 run, a quiz answers, a slider redraws; 00 presented live with RISE runs a
## cell; make slides' deck of 00 advances a slide with the network cut; screenshots in
## build/browser/. Needs Chromium (apt-get install chromium), so it is not part of make test.
browser-test: install slides
	$(VENV)/bin/uv pip install --quiet --python $(PY) -c constraints.txt -e ".[dev,browser]"
	$(PY) -m scripts.browser_test

## notebooks: re-execute every notebook in place so the committed outputs are fresh
# CPU=avx2 measures the runtimes closer to what a student's laptop (no AVX-512) waits.
notebooks: install
	$(CPU_CAPS) $(PY) scripts/execute_notebooks.py $(NOTEBOOKS)

## lint: ruff over the package, tests, scripts, notebooks and the hub configurations
lint: install
	$(VENV)/bin/ruff check tlteach tests scripts benchmarks notebooks hub

## student: student copies in build/student/ (solutions removed, outputs cleared)
student: install
	$(PY) scripts/student_copies.py build/student $(NOTEBOOKS)

## puller-link: the nbgitpuller link that opens the course on a hub, for HUB=https://... and
## BRANCH (default main): make puller-link HUB=https://hub.example.edu
BRANCH ?= main
puller-link: install
	$(PY) -m scripts.puller_link $(or $(HUB),$(error give the hub's address: make puller-link \
	HUB=https://hub.example.edu)) --branch $(BRANCH)

## assignments: nbgrader assignments in build/assignments/: source/ (solutions between BEGIN/END
## SOLUTION, autograded tests, points) and release/ (the students' version, by nbgrader)
ASSIGNMENTS := build/assignments
assignments: install
	$(PY) -m scripts.assignments $(ASSIGNMENTS) $(NOTEBOOKS)
	cd $(ASSIGNMENTS) && for name in $(basename $(notdir $(NOTEBOOKS))); do \
		PATH=$(CURDIR)/$(VENV)/bin:$$PATH nbgrader generate_assignment $$name --force || exit 1; done

## slides: reveal.js slides of every notebook in build/slides/ that present offline (open the
## .slides.html files): reveal.js, jQuery, require.js, MathJax and the widget embedder come from
## the npm registry (needs node and npm: apt-get install nodejs npm) and sit in build/slides/lib/
SLIDES := build/slides
SLIDES_NPM := reveal.js@4.6.1 jquery@3.7.1 requirejs@2.3.7 mathjax@2.7.9 \
	@jupyter-widgets/html-manager@1.0.15
slides: install
	@which node npm >/dev/null || { echo "make slides needs node and npm to fetch reveal.js and \
	the other libraries the decks load (Debian: apt-get install nodejs npm)"; exit 1; }
	test "$$(cat $(SLIDES)/.npm/versions 2>/dev/null)" = "$(SLIDES_NPM)" || { npm install \
		--silent --no-save --no-audit --no-fund --no-package-lock --prefix $(SLIDES)/.npm \
		$(SLIDES_NPM) && echo "$(SLIDES_NPM)" > $(SLIDES)/.npm/versions; }
	$(PY) -m scripts.slides $(SLIDES) $(NOTEBOOKS)

## screenshots: notebooks as HTML and headless-Chromium screenshots in build/screenshots/
screenshots: install
	$(PY) scripts/screenshots.py build/screenshots $(NOTEBOOKS)

## robustness: every asserted lesson, 16 runs with independent seeds under emulated CPUs x
## threads (about a day on 2 cores: it first prints the time, from the recorded runs); writes
## benchmarks/robustness.md. ROBUST_SOURCES=notebooks/04_... limits it to some sources;
## ROBUST_ARGS="--runs 24" adds runs, "--plan" only prints the time.
robustness: install
	$(PY) -m scripts.robustness $(ROBUST_ARGS) $(ROBUST_SOURCES)

## install-size: the download and disk an install takes (PyPI's wheel sizes, the unpacked
## files), the CUDA libraries apart; writes benchmarks/install_size.md
install-size: install
	$(PY) scripts/install_size.py

## test-time: a clean clone's make test, timed per stage (CPU=avx2 unless set); appends a row to
## benchmarks/make_test.md. Nothing else should run meanwhile. Target: under 30 minutes.
test-time:
	$(PYTHON) -m scripts.make_test_time --cpu $(or $(CPU),avx2)

## bench: measure speed and accuracy; writes benchmarks/results.md
bench: install
	$(PY) -m benchmarks.run

.PHONY: hub-load-test assignments puller-link
## hub-load-test: a class on a real JupyterHub (127.0.0.1, throwaway config): 1, 2, 4 ... USERS
## users run notebook 00 at once (04 up to HEAVY_USERS); writes benchmarks/class.md and .json
# Each user's server gives its kernels one math thread (scripts/hub.py), as make test does.
USERS ?= 8
HEAVY_USERS ?= 4
hub-load-test: install
	$(PY) -m scripts.hub_load_test --users $(USERS) --heavy-users $(HEAVY_USERS)

## clean: remove what the targets build (build/, pytest's and ruff's caches)
clean:
	rm -rf build .pytest_cache .ruff_cache

## help: list the targets with their descriptions (the "## target: ..." comments)
help:
	@awk '/^## [a-z-]+:/ {sub(/^## /, ""); n = index($$0, ":"); \
		printf "  %-14s%s\n", substr($$0, 1, n - 1), substr($$0, n + 1); next} \
		/^## / {printf "  %-14s %s\n", "", substr($$0, 4)}' $(firstword $(MAKEFILE_LIST))
