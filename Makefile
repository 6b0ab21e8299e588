# The course's commands. `make lab` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# JupyterLab refuses to run as root (containers, CI) unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help lab test install compat browser-test notebooks lint bench robustness student slides screenshots clean

# Tests run two processes side by side (pytest -n 2): one math thread each keeps PyTorch and
# TensorFlow from oversubscribing the cores (on 2 cores the notebooks took over 19 minutes
# with their default threads, 7 minutes with one each).
ONE_THREAD := OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1

# CPU=avx2 (or sse41) runs a target as if on an older CPU: PyTorch and TensorFlow then pick
# other kernels, and get other last bits and other speeds (scripts/robustness.py).
CPU_avx2  := ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2
CPU_sse41 := ONEDNN_MAX_CPU_ISA=SSE41 ATEN_CPU_CAPABILITY=default TF_ENABLE_ONEDNN_OPTS=0
CPU_CAPS  := $(if $(CPU),$(or $(CPU_$(CPU)),$(error CPU=$(CPU): use avx2 or sse41)))
# make test's lesson stage: ATen's and TensorFlow's plain kernels on whatever oneDNN ISA the
# run has (the back-end "tf-onednn-off" of make robustness). On x86 its numbers differ from
# those of the notebook stage (ARM's defaults are these), and it runs the lessons 1.8x faster
# than the SSE4.1 cap (the close-target test, one thread, measured here: 97 s with the AVX2
# cap, 123 s like this, 218 s under SSE4.1).
CPU_lessons := ATEN_CPU_CAPABILITY=default TF_ENABLE_ONEDNN_OPTS=0

## lab: install into .venv (when needed) and open the course in JupyterLab
# LAB_ROOT: the folder JupyterLab serves; LAB_ARGS: more options (make browser-test uses both).
LAB_ROOT ?= notebooks
lab: install
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=$(LAB_ROOT) $(ROOT_FLAG) $(LAB_ARGS)

## test: install (when needed), run the unit tests, then execute every notebook offline
# The lesson tests (marker "lesson") run on other kernels than the notebooks (CPU_lessons)
# with a seed no notebook uses, so a lesson that holds only on one set of kernels fails
# here, not in a class;
# make robustness runs the full matrix of CPUs, threads and seeds, and the lesson tests too
# slow for every run (marker "sweep"). The notebooks run longest first (scripts/notebook_times.py),
# so that the two workers finish together, and a notebook whose kernel peaks over Binder's
# 1.5 GiB per kernel fails the run (--memory-budget, in MiB).
test: install
	$(ONE_THREAD) $(PY) -m pytest -n 2 --dist loadfile -m "not lesson and not sweep" tests/
	$(ONE_THREAD) $(CPU_lessons) $(PY) -m pytest -n 2 --dist load -m lesson tests/
	$(ONE_THREAD) $(PY) -m pytest --nbval-lax -n 2 --dist loadfile --no-loadscope-reorder -p scripts.notebook_times --memory-budget 1536 -p scripts.offline --offline notebooks/

## install: make .venv with the course and its tools (again only when the dependencies change)
install: $(STAMP)

# Reinstall only when the dependencies change. uv (installed into the venv first) downloads
# and unpacks the wheels in parallel: a fresh install took 1.5 min here against 4.1 min with
# pip. --compile-bytecode writes the .pyc files up front, as pip does, so that the first
# `import tensorflow` in every kernel and test worker does not compile its sources again.
# The venv keeps pip: `.venv/bin/pip install ...` works as usual. constraints.txt holds the
# exact versions the course is tested with; pyproject.toml only the supported ranges.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -c constraints.txt -e ".[dev]"
	touch $(STAMP)

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
## notebooks 00 and 01 run, a quiz answers, a slider redraws; screenshots in build/browser/.
## Needs Chromium (apt-get install chromium), so it is not part of make test.
browser-test: install
	$(VENV)/bin/uv pip install --quiet --python $(PY) -c constraints.txt -e ".[dev,browser]"
	$(PY) -m scripts.browser_test

## notebooks: re-execute every notebook in place so the committed outputs are fresh
# CPU=avx2 measures the runtimes closer to what a student's laptop (no AVX-512) waits.
notebooks: install
	$(CPU_CAPS) $(PY) scripts/execute_notebooks.py $(NOTEBOOKS)

## lint: ruff over the package, tests, scripts and notebooks
lint: install
	$(VENV)/bin/ruff check tlteach tests scripts benchmarks notebooks

## student: student copies in build/student/ (solutions removed, outputs cleared)
student: install
	$(PY) scripts/student_copies.py build/student $(NOTEBOOKS)

## slides: reveal.js slides of every notebook in build/slides/ (open the .slides.html files)
slides: install
	$(VENV)/bin/jupyter nbconvert --to slides --output-dir build/slides $(NOTEBOOKS)

## screenshots: notebooks as HTML and headless-Chromium screenshots in build/screenshots/
screenshots: install
	$(PY) scripts/screenshots.py build/screenshots $(NOTEBOOKS)

## robustness: every asserted lesson under emulated CPUs x threads x seeds (a few hours);
## writes benchmarks/robustness.md. ROBUST_SOURCES=notebooks/04_... limits it to some sources.
robustness: install
	$(PY) -m scripts.robustness $(ROBUST_SOURCES)

## bench: measure speed and accuracy; writes benchmarks/results.md
bench: install
	$(PY) -m benchmarks.run

## clean: remove what the targets build (build/, pytest's and ruff's caches)
clean:
	rm -rf build .pytest_cache .ruff_cache

## help: list the targets with their descriptions (the "## target: ..." comments)
help:
	@awk '/^## [a-z-]+:/ {sub(/^## /, ""); n = index($$0, ":"); \
		printf "  %-14s%s\n", substr($$0, 1, n - 1), substr($$0, n + 1); next} \
		/^## / {printf "  %-14s %s\n", "", substr($$0, 4)}' $(firstword $(MAKEFILE_LIST))
