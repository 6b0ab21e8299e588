"""Execute notebooks in place so their committed outputs are fresh (``make notebooks``).

For each notebook: run every cell with nbconvert's ExecutePreprocessor from the
``notebooks/`` folder (in a fresh process, so that the kernel's peak memory is its own),
record its wall time and peak memory in ``benchmarks/notebook_times.json``, write
the measured time (a first run: empty cache) and the kernel's peak memory into the header
cell's ``**CPU runtime:**`` line and the README's course table, and refuse outputs that leak
this machine's paths.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = Path(__file__).resolve().parents[1]
TIMES = ROOT / "benchmarks" / "notebook_times.json"
RUNTIME_LINE = re.compile(r"\*\*CPU runtime:\*\*[^\n]*")
MACHINE_LINE = re.compile(r"\*Measured on:\*[^\n]*")  # the README's, above its course table
CELL_TIMEOUT = int(os.environ.get("TLTEACH_CELL_TIMEOUT", "600"))  # seconds, per cell
# The variables that cap the instruction sets PyTorch, TensorFlow, NumPy and SciPy use
# (emulated CPUs): scripts/emulated_cpus.CAP_VARIABLES, which a test keeps equal.
CPU_CAP_VARIABLES = ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY", "TF_ENABLE_ONEDNN_OPTS",
                     "MKL_ENABLE_INSTRUCTIONS", "OPENBLAS_CORETYPE")


def runtime_text(seconds: float) -> str:
    """How a measured runtime is written in headers and the README."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def leaked_paths(nb) -> list[str]:
    """Output lines that name this machine's absolute paths (repo, home, venv)."""
    needles = {str(ROOT), str(Path.home()), sys.prefix}
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = json.dumps(output)
            found += [n for n in needles if n in text]
    return sorted(set(found))


def execute(path: Path, timeout: int) -> float:
    """Run one notebook in place with an empty tlteach cache (a first run's time)."""
    nb = nbformat.read(path, as_version=4)
    # C-level output (TensorFlow's start-up log lines, with timestamps and process ids) goes
    # to this terminal instead of the stored outputs; Python warnings are still stored.
    runner = ExecutePreprocessor(timeout=timeout, kernel_name="python3", record_timing=False,
                                 extra_arguments=["--IPKernelApp.capture_fd_output=False"])
    with tempfile.TemporaryDirectory(prefix="tlteach-cache-") as cache:
        os.environ["TLTEACH_CACHE"] = cache
        start = time.perf_counter()
        try:
            runner.preprocess(nb, {"metadata": {"path": str(path.parent)}})
        except Exception as error:  # a failed check, an exception or a cell over its timeout
            raise SystemExit(f"{path.name} failed: {type(error).__name__}: {error}") from None
        seconds = time.perf_counter() - start
    leaks = leaked_paths(nb)
    if leaks:
        raise SystemExit(f"{path.name}: outputs contain local paths {leaks}; print relative ones.")
    if not _has_widgets(nb):
        nb.metadata.pop("widgets", None)
    collapse_solutions(nb)
    nbformat.write(nb, path)
    return seconds


def collapse_solutions(nb) -> int:
    """Collapse every solution-tagged cell, code and output, so that JupyterLab shows a student
    the exercise and a bar to click, not its answer (`make notebooks` does it on each run).
    Returns how many cells it collapsed."""
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    for cell in solutions:
        cell.metadata.setdefault("jupyter", {}).update(source_hidden=True, outputs_hidden=True)
    return len(solutions)


def _has_widgets(nb) -> bool:
    return any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb.cells for o in c.get("outputs", []))


def memory_text(mib: float) -> str:
    """How a measured peak memory is written in headers and the README."""
    return f"{mib / 1024:.2f} GiB"


def header_line(seconds: float, peak_mib: float) -> str:
    """A notebook's measured runtime and kernel memory, as its header cell states them."""
    return (f"**CPU runtime:** about {runtime_text(seconds)} on 2 CPU cores; "
            f"kernel memory {memory_text(peak_mib)} at its peak")


def update_headers(times: dict[str, float], peaks: dict[str, float]) -> None:
    """Rewrite the ``**CPU runtime:**`` line of each measured notebook's header cell."""
    for name, seconds in times.items():
        path = ROOT / "notebooks" / name
        if not path.exists() or name not in peaks:
            continue
        nb = nbformat.read(path, as_version=4)
        source = RUNTIME_LINE.sub(header_line(seconds, peaks[name]), nb.cells[0].source)
        if source != nb.cells[0].source:
            nb.cells[0].source = source
            nbformat.write(nb, path)


def update_table(text: str, values: dict[str, str], column: int = -1) -> str:
    """Rewrite one column (default the last) of Markdown table rows that link a notebook."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        for name, value in values.items():
            if line.startswith("|") and f"{name})" in line:
                cells = line.split("|")
                cells[column - 1] = f" {value} "
                lines[i] = "|".join(cells)
    return "\n".join(lines)


def update_course_tables(times: dict[str, float], peaks: dict[str, float], machine: str) -> None:
    """Runtimes in the README's course table (with each kernel's peak memory and the machine
    they were measured on), the instructor guide's run order and the course map of
    00_start_here."""
    runtimes = {name: runtime_text(seconds) for name, seconds in times.items()}
    readme = ROOT / "README.md"
    text = update_table(readme.read_text(), runtimes, column=-2)
    text = MACHINE_LINE.sub(f"*Measured on:* {machine}.", text)
    readme.write_text(update_table(text, {n: memory_text(m) for n, m in peaks.items()}))
    guide = ROOT / "docs" / "instructors.md"
    guide.write_text(update_table(guide.read_text(), runtimes))
    start = ROOT / "notebooks" / "00_start_here.ipynb"
    if start.exists():
        nb = nbformat.read(start, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = update_table(cell.source, runtimes)
        nbformat.write(nb, start)


def machines_text(machines: dict[str, str]) -> str:
    """The machines a table's rows were measured on: one, or each with its notebooks' numbers
    (the most rows first, "the others")."""
    groups: dict[str, list[str]] = {}
    for name, machine in sorted(machines.items()):
        framework = next((f" {f}" for f in ("PyTorch", "Keras") if f"_{f.lower()}." in name), "")
        groups.setdefault(machine, []).append(name[:2] + framework)
    ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
    if len(ordered) == 1:
        return ordered[0][0]
    parts = [f"{machine} ({', '.join(numbers)})" for machine, numbers in ordered[1:]]
    return f"{ordered[0][0]} (the others); " + "; ".join(parts)


def cpu_name() -> str:
    """The processor's model name (Linux), else the architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def execute_alone(path: Path) -> tuple[float, float]:
    """Execute one notebook in a child process: (wall seconds, kernel's peak memory in MiB)."""
    result = subprocess.run([sys.executable, __file__, "--one", str(path)],
                            stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:  # the child has printed which notebook and cell failed
        raise SystemExit(f"{path.name}: execution failed (see above); outputs not written.")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    return measured["seconds"], measured["peak_mib"]


def main(paths: list[str]) -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")  # progress bars would store timing noise
    record = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    times, peaks = record.get("seconds", {}), record.get("peak_mib", {})
    # which machine measured each row (a file without "machines": the one it names)
    machines = record.get("machines") or {name: record["machine"] for name in times}
    caps = " ".join(f"{k}={os.environ[k]}" for k in CPU_CAP_VARIABLES if k in os.environ)
    machine = (f"{cpu_name()}, {os.cpu_count()} CPU cores, no GPU use"
               + (f", capped: {caps}" if caps else ""))
    try:
        for path in map(Path, paths):
            seconds, peak = execute_alone(path.resolve())
            times[path.name], peaks[path.name] = round(seconds, 1), round(peak)
            machines[path.name] = machine
            print(f"{path.name}: {seconds:.1f} s, peak memory {peak:.0f} MiB", flush=True)
    finally:  # the notebooks written before one that failed keep their measurements
        record = {"machine": machine, "machines": dict(sorted(machines.items())),
                  "seconds": dict(sorted(times.items())),
                  "peak_mib": dict(sorted(peaks.items()))}
        TIMES.parent.mkdir(exist_ok=True)
        TIMES.write_text(json.dumps(record, indent=2) + "\n")
        update_headers(times, peaks)
        update_course_tables(times, peaks, machines_text(machines))
    # The class report quotes the heaviest notebook's peak
    subprocess.run([sys.executable, "-m", "scripts.class_sizing"], cwd=ROOT, check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:  # the child process of execute_alone
        # Per cell: the longest cell takes a few minutes; a hang fails within CELL_TIMEOUT.
        seconds = execute(Path(sys.argv[2]), timeout=CELL_TIMEOUT)
        # The kernel is this process's child and has exited: its peak resident memory (KiB).
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024}))
    else:
        main(sys.argv[1:])
