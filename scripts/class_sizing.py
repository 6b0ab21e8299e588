"""What the class load test's measurements mean for a class: the table of
``benchmarks/class.md`` and the machines a class of 30, 100 or 300 needs.

Pure functions of the raw numbers that ``scripts/hub_load_test.py`` writes to
``benchmarks/class.json`` (``python -m scripts.class_sizing`` rewrites the report from it).

The sizing rule, for a lesson that every student runs at once ("run all"):

- memory is a hard limit (a kernel over it is killed), so each student needs the server's
  peak plus the kernel's peak, measured: students per GiB = 1024 / (server + kernel MiB);
- CPU is a soft one (everyone waits longer): with one math thread per kernel, a lesson
  needs ``c`` CPU seconds per student (measured inside each kernel), and S students on K
  cores finish it in about S·c/K seconds. A class waits for "run all" up to ``wait`` =
  max(``WAIT_S``, ``SLOWDOWN``·c): a minute, or twice the lesson's own CPU time when that is
  longer (a lesson that takes minutes alone cannot finish in one). A core then serves
  wait / c students.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path

WAIT_S = 60.0  # a class waits a minute for "run all" ...
SLOWDOWN = 2.0  # ... or twice the lesson's own CPU time, when that is longer
CLASSES = (30, 100, 300)
NODE = {"cores": 16, "gib": 64, "allocatable": 0.9}  # a common Kubernetes node size
LIGHT, HEAVY = "00", "04"
NOTEBOOK_TIMES = Path(__file__).resolve().parents[1] / "benchmarks" / "notebook_times.json"


def median(values: list[float]) -> float:
    """The median, 0 for no values."""
    return statistics.median(values) if values else 0.0


def lesson_runs(raw: dict, lesson: str) -> list[dict]:
    """The class runs of one lesson (its two-digit number) in ``raw``."""
    return [r for r in raw["runs"] if r["lesson"][:2] == lesson]


def lesson_profile(raw: dict, lesson: str) -> dict[str, float]:
    """What one student needs for a lesson, from its runs: ``alone_s`` (median wall time of
    the one-user run), ``cpu_s`` (median kernel CPU seconds over every user that passed),
    ``mib`` (the largest server + kernel peak seen)."""
    runs = lesson_runs(raw, lesson)
    passed = [u for r in runs for u in r["runs"] if not u["error"]]
    if not passed:
        raise ValueError(f"no passing run of lesson {lesson} in the measurements: rerun "
                         "make hub-load-test")
    alone = [u["wall_s"] for r in runs if r["users"] == 1 for u in r["runs"] if not u["error"]]
    return {"alone_s": median(alone) or median([u["wall_s"] for u in passed]),
            "cpu_s": median([u["kernel_cpu_s"] for u in passed]),
            "mib": max(u["kernel_peak_mib"] + u["server_peak_mib"] for u in passed)}


def wait_s(profile: dict[str, float]) -> float:
    """How long a class waits for "run all": max(WAIT_S, SLOWDOWN · cpu_s)."""
    return max(WAIT_S, SLOWDOWN * profile["cpu_s"])


def students_per_core(profile: dict[str, float]) -> float:
    """Students one core serves when all run the lesson at once: wait_s / cpu_s."""
    return wait_s(profile) / profile["cpu_s"]


def predicted_wall_s(profile: dict[str, float], users: int, cores: int) -> float:
    """The linear model's wall time of one run for ``users`` at once on ``cores``: the time
    alone, or users · cpu_s / cores when the cores are the bottleneck."""
    return max(profile["alone_s"], users * profile["cpu_s"] / cores)


def students_per_gib(profile: dict[str, float]) -> float:
    """Students whose server and kernel fit in one GiB: 1024 / mib."""
    return 1024 / profile["mib"]


def vm_for(students: int, profile: dict[str, float], hub_mib: float) -> dict[str, int]:
    """Cores and GiB of one VM (TLJH) for ``students`` running the lesson at once."""
    cores = math.ceil(students / students_per_core(profile))
    gib = math.ceil((students * profile["mib"] + hub_mib) / 1024)
    return {"cores": cores, "gib": gib}


def nodes_for(students: int, profile: dict[str, float], node: dict = NODE) -> dict[str, int]:
    """Kubernetes nodes (Z2JH) of ``node``'s size: students per node is the smaller of what
    its allocatable memory and its cores hold; the nodes for ``students``."""
    by_memory = math.floor(node["gib"] * node["allocatable"] * 1024 / profile["mib"])
    by_cpu = math.floor(node["cores"] * node["allocatable"] * students_per_core(profile))
    per_node = max(1, min(by_memory, by_cpu))
    return {"per_node": per_node, "nodes": math.ceil(students / per_node),
            "by_memory": by_memory, "by_cpu": by_cpu}


def plural(count: int, word: str) -> str:
    """'1 node', '3 nodes'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def guide_measured(raw: dict) -> str:
    """The guide's short measured table: each lesson alone and with the most users."""
    rows = ["| notebook | users at once | wall time (median) | kernel peak | server peak | "
            "kernel CPU per user | hub API (median / max) |", "|---|---|---|---|---|---|---|"]
    for lesson in (LIGHT, HEAVY):
        runs = lesson_runs(raw, lesson)
        for run in {id(r): r for r in (runs[:1] + runs[-1:])}.values():
            users = run["runs"]
            ok = [u for u in users if not u["error"]] or users
            wall, cpu = median([u["wall_s"] for u in ok]), median([u["kernel_cpu_s"] for u in ok])
            digits = 1 if wall < 100 else 0
            rows.append(f"| {lesson} | {run['users']} | {wall:.{digits}f} s | "
                        f"{max(u['kernel_peak_mib'] for u in users):,.0f} MiB | "
                        f"{max(u['server_peak_mib'] for u in users):,.0f} MiB | "
                        f"{cpu:.{digits}f} s | {median(run['api_ms']):.0f} / "
                        f"{max(run['api_ms'], default=0):.0f} ms |")
    return "\n".join(rows)


def guide_table(raw: dict) -> str:
    """The class sizes for the instructor guide (docs/instructors.md), without the
    arithmetic (benchmarks/class.md shows it); a test keeps the guide's copy in step."""
    rows = [f"| students | lesson | The Littlest JupyterHub: one VM | Zero to JupyterHub: nodes "
            f"of {NODE['cores']} cores / {NODE['gib']} GiB |", "|---|---|---|---|"]
    for students in CLASSES:
        for lesson, kind in ((LIGHT, "light"), (HEAVY, "heavy")):
            if not lesson_runs(raw, lesson):
                continue
            p = lesson_profile(raw, lesson)
            vm, nodes = vm_for(students, p, raw.get("hub_peak_mib", 0)), nodes_for(students, p)
            rows.append(f"| {students} | {lesson} ({kind}) | {vm['cores']} cores, {vm['gib']} GiB"
                        f" | {plural(nodes['nodes'], 'node')} ({nodes['per_node']} students "
                        "each) |")
    return "\n".join(rows)


def summary_line(run: dict) -> str:
    """One line per class run, printed while the test goes."""
    users = run["runs"]
    failed = [u for u in users if u["error"]]
    walls = [u["wall_s"] for u in users if not u["error"]]
    line = (f"{run['lesson'][:2]} N={run['users']}: {len(users) - len(failed)} passed, "
            f"{len(failed)} failed; wall median {median(walls):.1f} s, max "
            f"{max(walls, default=0):.1f} s; kernel peak "
            f"{max((u['kernel_peak_mib'] for u in users), default=0):.0f} MiB; hub API "
            f"median {median(run['api_ms']):.0f} ms, max {max(run['api_ms'], default=0):.0f} ms")
    return line + "".join(f"\n  {u['user']}: {u['error']}" for u in failed)


def table(raw: dict) -> str:
    """The measured table, one row per (lesson, N), with the linear model's wall time
    (``predicted_wall_s`` on the machine's cores) beside the measured one."""
    rows = ["| lesson | users | passed | server start (median) | wall time median / max | "
            "model | kernel peak (max) | server peak (max) | kernel CPU (median) | "
            "hub API median / max | API failures | load before |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in raw["runs"]:
        users = run["runs"]
        ok = [u for u in users if not u["error"]]
        try:
            model = predicted_wall_s(lesson_profile(raw, run["lesson"][:2]), run["users"],
                                     raw["cores"])
        except ValueError:
            model = float("nan")
        rows.append(
            f"| {run['lesson'][:2]} | {run['users']} | {len(ok)}/{len(users)} | "
            f"{median([u['start_server_s'] for u in users]):.1f} s | "
            f"{median([u['wall_s'] for u in ok]):.1f} / "
            f"{max((u['wall_s'] for u in ok), default=0):.1f} s | {model:.1f} s | "
            f"{max((u['kernel_peak_mib'] for u in users), default=0):,.0f} MiB | "
            f"{max((u['server_peak_mib'] for u in users), default=0):,.0f} MiB | "
            f"{median([u['kernel_cpu_s'] for u in ok]):.1f} s | "
            f"{median(run['api_ms']):.0f} / {max(run['api_ms'], default=0):.0f} ms | "
            f"{run['api_failures']} | {run['load_before']:.1f} |")
    return "\n".join(rows)


def sizing(raw: dict) -> str:
    """Students per core and per GiB for the light and the heavy lesson, with the arithmetic,
    and the VM or nodes for classes of 30, 100 and 300."""
    lines = ["| lesson | alone | kernel CPU | server + kernel peak | students per core | "
             "students per GiB |", "|---|---|---|---|---|---|"]
    profiles = {}
    for lesson in (LIGHT, HEAVY):
        if not lesson_runs(raw, lesson):
            continue
        p = profiles[lesson] = lesson_profile(raw, lesson)
        lines.append(f"| {lesson} | {p['alone_s']:.1f} s | {p['cpu_s']:.1f} s | {p['mib']:,.0f} MiB"
                     f" | {wait_s(p):.0f} / {p['cpu_s']:.1f} = "
                     f"**{students_per_core(p):.2f}** | 1024 / {p['mib']:,.0f} = "
                     f"**{students_per_gib(p):.2f}** |")
    lines += ["", "| class | lesson | TLJH: one VM | Z2JH: nodes of "
              f"{NODE['cores']} cores / {NODE['gib']} GiB |", "|---|---|---|---|"]
    for students in CLASSES:
        for lesson, p in profiles.items():
            vm, nodes = vm_for(students, p, raw.get("hub_peak_mib", 0)), nodes_for(students, p)
            lines.append(
                f"| {students} | {lesson} | ⌈{students} / {students_per_core(p):.2f}⌉ = "
                f"**{vm['cores']} cores**, ⌈({students} × {p['mib']:,.0f} + "
                f"{raw.get('hub_peak_mib', 0):.0f}) MiB⌉ = **{vm['gib']} GiB** | "
                f"min({nodes['by_memory']} by memory, {nodes['by_cpu']} by CPU) = "
                f"{nodes['per_node']} per node → **{plural(nodes['nodes'], 'node')}** |")
    return "\n".join(lines)


def heaviest_note(times: Path = NOTEBOOK_TIMES) -> str:
    """A sentence on how far the heaviest other kernel of ``make notebooks`` peaks above 04's
    (or that none does)."""
    peaks = json.loads(times.read_text())["peak_mib"]
    heavy = next(v for k, v in peaks.items() if k.startswith(HEAVY))
    name, peak = max(((k, v) for k, v in peaks.items() if not k.startswith(HEAVY)),
                     key=lambda item: item[1])
    if peak <= heavy:
        return (f"no other kernel peaks above 04's {heavy:,} MiB; the nearest, {name[:-6]}, "
                f"peaks {peak:,} MiB alone (`benchmarks/notebook_times.json`).")
    return (f"the heaviest kernel of all, {name[:-6]}, peaks {peak:,} MiB alone, "
            f"{100 * (peak / heavy - 1):.0f} % above 04's {heavy:,} MiB "
            "(`benchmarks/notebook_times.json`).")


def report(raw: dict) -> str:
    """``benchmarks/class.md``: how it was measured, the table, the sizing."""
    return f"""# A class on one JupyterHub, measured

Written by `make hub-load-test USERS=N` (`scripts/hub_load_test.py`) on {raw['date']}:
{raw['machine']}; the whole run took {raw['seconds']} s. A real JupyterHub
{raw.get('jupyterhub', '')} on 127.0.0.1 (throwaway config: dummy authenticator, local
process spawner, Python `configurable-http-proxy`) started N users' servers through its
REST API; each server started one kernel (one math thread), and every user sent the
lesson's code cells at the same moment, as a class does when the instructor says "run all".
The hub's API was called every 0.5 s meanwhile. Raw numbers: `benchmarks/class.json`.
*Model* is the wall time the sizing rule below predicts: the time alone, or N × kernel CPU
seconds / {raw['cores']} cores when the cores are the bottleneck.

Memory is each process's peak resident set (`VmHWM`), which counts the shared libraries in
every process: the sum over users overstates what N kernels hold together, so the sizing
below errs on the safe side. *Load before* is the machine's 1-minute load average when the
run began: the cores were shared with other work, which slows the wall times. The hub and
its proxy peaked at {raw.get('hub_peak_mib', 0):.0f} MiB together.

{table(raw)}

## What a class needs

Every student runs the lesson at once. The class waits for it at most a minute, or
{SLOWDOWN:g}× the lesson's own kernel CPU time where that is longer; with one math thread per
kernel, students per core = that wait / kernel CPU seconds. Students per GiB = 1024 /
(server + kernel peak MiB): memory is the hard limit, a kernel over it is killed.
Lesson 00 is the light one, 04 the heavy one; {heaviest_note()}

{sizing(raw)}

A class that does not press "run all" together needs fewer cores (the memory stays: every
open kernel keeps its peak until it is shut down). Nodes hold {NODE['allocatable']:.0%} of
their cores and memory for users; the rest goes to Kubernetes itself.
"""


def main(path: str = "benchmarks/class.json", what: str = "report") -> None:
    """Rewrite the report from the raw numbers; ``guide`` prints the guide's table."""
    raw = json.loads(Path(path).read_text())
    if what == "guide":
        print(guide_measured(raw), guide_table(raw), sep="\n\n")
    else:
        Path(path).with_suffix(".md").write_text(report(raw))


if __name__ == "__main__":
    main(*sys.argv[1:])
