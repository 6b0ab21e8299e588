# The course's commands. `make lab` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab test install install-size compat browser-test notebooks lint bench robustness student slides screenshots clean

# CPU=avx2 (or sse41) runs a target as if on an older CPU: PyTorch and TensorFlow then pick
# other kernels, and get other last bits and other speeds (scripts/robustness.py).
CPU_avx2  := ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2
CPU_sse41 := ONEDNN_MAX_CPU_ISA=SSE41 ATEN_CPU_CAPABILITY=default TF_ENABLE_ONEDNN_OPTS=0
CPU_CAPS  := $(if $(CPU),$(or $(CPU_$(CPU)),$(error CPU=$(CPU): use avx2 or sse41)))

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
# (--memory-budget, in MiB). tasks.py holds the three commands.
test:
	$(PYTHON) tasks.py test $(INSTALL_FLAGS)

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

## install-size: the download and disk an install takes (PyPI's wheel sizes, the unpacked
## files), the CUDA libraries apart; writes benchmarks/install_size.md
install-size: install
	$(PY) scripts/install_size.py

## bench: measure speed and accuracy; writes benchmarks/results.md
bench: install
	$(PY) -m benchmarks.run

clean:
	rm -rf build .pytest_cache .ruff_cache
