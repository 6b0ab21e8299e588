"""A class on a real JupyterHub (``make hub-load-test USERS=8``): N students press "run all"
at the same moment, each in their own server's kernel.

For each N in 1, 2, 4, ... up to ``--users`` (and, for the heavy lesson, up to
``--heavy-users``) it starts a throwaway hub on 127.0.0.1 (``scripts/hub.py``: dummy
authenticator, loopback only), creates N users, starts their servers through the hub's REST
API, starts one kernel per server, then sends every code cell of the lesson to every kernel
at once over the kernel's websocket (the Jupyter messaging protocol, as JupyterLab does).
While they run it calls the hub's API twice a second and times each answer.

Per user it records the server's start time, the wall time of the whole notebook, the
kernel's peak resident memory (``VmHWM``) and CPU seconds (read inside the kernel after the
last cell), the server's peak memory, and any failure. The raw numbers go to
``benchmarks/class.json``, the table and the sizing derived from them
(``scripts/class_sizing.py``) to ``benchmarks/class.md``.

Bounded: at most ``MAX_USERS`` users, a time limit for each notebook and for the whole run;
everything started is stopped at the end, also on failure (``scripts/hub.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import nbformat
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from scripts import class_sizing
from scripts.hub import Hub, peak_mib, throwaway_hub

ROOT = Path(__file__).resolve().parents[1]
LIGHT = "00_start_here.ipynb"
HEAVY = "04_choosing_a_strategy_pytorch.ipynb"
MAX_USERS = 16
NOTEBOOK_TIMEOUT_S = 1500
RUN_TIMEOUT_S = 3600
POLL_EVERY_S = 0.5
# Read inside the kernel after the last cell: its peak resident memory and its CPU time.
PROBES = {
    "peak_kib": "int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])",
    "cpu_s": "sum(__import__('os').times()[:4])",
}


@dataclass
class UserRun:
    """One student's run: times in seconds, memory in MiB; ``error`` empty when it passed."""

    user: str
    start_server_s: float = 0.0
    wall_s: float = 0.0
    kernel_peak_mib: float = 0.0
    kernel_cpu_s: float = 0.0
    server_peak_mib: float = 0.0
    error: str = ""


@dataclass
class ClassRun:
    """N students running one lesson at once, and the hub's API latency meanwhile."""

    lesson: str
    users: int
    runs: list[UserRun] = field(default_factory=list)
    api_ms: list[float] = field(default_factory=list)
    api_failures: int = 0
    load_before: float = 0.0


def code_cells(path: Path) -> list[str]:
    """The source of every code cell of a notebook, in order."""
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def sweep(limit: int) -> list[int]:
    """1, 2, 4, ... up to ``limit`` (``limit`` itself included)."""
    if not 1 <= limit <= MAX_USERS:
        raise ValueError(f"USERS={limit}: choose 1 to {MAX_USERS} (each user holds a kernel "
                         "of up to 1.5 GiB)")
    sizes = [1]
    while sizes[-1] * 2 <= limit:
        sizes.append(sizes[-1] * 2)
    return sizes if sizes[-1] == limit else [*sizes, limit]


def message(code: str, session: str, expressions: dict[str, str] | None = None) -> dict:
    """An ``execute_request`` on the shell channel (Jupyter messaging protocol 5.3)."""
    header = {"msg_id": uuid.uuid4().hex, "session": session, "username": "load-test",
              "msg_type": "execute_request", "version": "5.3",
              "date": datetime.now(timezone.utc).isoformat()}
    return {"header": header, "parent_header": {}, "metadata": {}, "channel": "shell",
            "buffers": [], "content": {"code": code, "silent": False, "store_history": True,
                                       "user_expressions": expressions or {},
                                       "allow_stdin": False, "stop_on_error": True}}


async def execute(ws, code: str, session: str, expressions: dict | None = None) -> dict:
    """Send one cell to the kernel and wait for its ``execute_reply``; the reply's content."""
    request = message(code, session, expressions)
    await ws.write_message(json.dumps(request))
    while True:
        raw = await ws.read_message()
        if raw is None:
            raise ConnectionError("the kernel's websocket closed (the kernel died?)")
        if isinstance(raw, bytes):
            continue  # binary frames carry buffers (widgets), never a reply
        reply = json.loads(raw)
        if (reply.get("channel") == "shell" and reply["msg_type"] == "execute_reply"
                and reply["parent_header"].get("msg_id") == request["header"]["msg_id"]):
            return reply["content"]


async def open_kernel(hub: Hub, user: str, path: str = ""):
    """Start a kernel in ``user``'s server, working in ``path`` (below the server's root, as
    JupyterLab starts a notebook's kernel in the notebook's folder); its id and an open
    websocket to it."""
    kernel = await hub.user_api(user, "POST", "/kernels", {"name": "python3", "path": path})
    url = hub.ws_url(user, f"/kernels/{kernel['id']}/channels?session_id={uuid.uuid4().hex}")
    ws = await websocket_connect(HTTPRequest(url, headers={
        "Authorization": f"token {hub.token}"}), max_message_size=256 * 2**20)
    await execute(ws, "pass", "warm-up")  # the kernel answers: it is ready
    return kernel["id"], ws


async def run_cells(ws, cells: list[str], run: UserRun, go: asyncio.Event) -> None:
    """Wait for ``go``, then run every cell; fill ``run`` with wall time, peak and CPU."""
    session = uuid.uuid4().hex
    await go.wait()
    start = time.perf_counter()
    for i, code in enumerate(cells):
        reply = await execute(ws, code, session)
        if reply["status"] != "ok":
            run.error = f"cell {i}: {reply.get('ename')}: {reply.get('evalue', '')[:200]}"
            break
    run.wall_s = time.perf_counter() - start
    probe = await execute(ws, "pass", session, PROBES)
    values = {k: v["data"]["text/plain"] for k, v in probe["user_expressions"].items()
              if v.get("status") == "ok"}
    run.kernel_peak_mib = int(values.get("peak_kib", 0)) / 1024
    run.kernel_cpu_s = float(values.get("cpu_s", 0))


async def poll_api(hub: Hub, stop: asyncio.Event, result: ClassRun) -> None:
    """Time a hub API call every ``POLL_EVERY_S`` until ``stop`` is set."""
    while not stop.is_set():
        start = time.perf_counter()
        try:
            await hub.api("GET", "/users", timeout=30)
            result.api_ms.append(1000 * (time.perf_counter() - start))
        except Exception:  # noqa: BLE001 — a failed answer is what is counted
            result.api_failures += 1
        await asyncio.sleep(POLL_EVERY_S)


def server_peak_mib(user: str) -> float:
    """The peak resident memory (MiB) of ``user``'s single-user server process."""
    import psutil

    for process in psutil.process_iter(["cmdline"]):
        try:
            if not any("jupyterhub-singleuser" in part for part in process.info["cmdline"] or []):
                continue
            if process.environ().get("JUPYTERHUB_USER") != user:
                continue
            return peak_mib(process.pid)
        except psutil.Error:
            continue
    return 0.0


async def run_user(hub: Hub, run: UserRun, cells: list[str], go: asyncio.Event,
                   ready: asyncio.Queue) -> None:
    """One student: server, kernel, then the notebook when ``go`` is set."""
    try:
        run.start_server_s = await hub.start_server(run.user)
        kernel_id, ws = await open_kernel(hub, run.user)
    except Exception as error:  # noqa: BLE001 — recorded as this user's failure
        run.error = f"start: {type(error).__name__}: {error}"
        await ready.put(run.user)
        return
    await ready.put(run.user)
    try:
        await asyncio.wait_for(run_cells(ws, cells, run, go), NOTEBOOK_TIMEOUT_S)
    except Exception as error:  # noqa: BLE001
        run.error = run.error or f"run: {type(error).__name__}: {error}"
    finally:
        run.server_peak_mib = server_peak_mib(run.user)
        ws.close()
        await hub.user_api(run.user, "DELETE", f"/kernels/{kernel_id}")


async def run_class(hub: Hub, lesson: str, n: int) -> ClassRun:
    """N users run ``lesson`` at the same moment; their servers are stopped afterwards."""
    cells = code_cells(ROOT / "notebooks" / lesson)
    result = ClassRun(lesson, n, load_before=os.getloadavg()[0])
    users = [f"{lesson[:2]}n{n}u{i}" for i in range(n)]
    await hub.api("POST", "/users", {"usernames": users})
    go, stop, ready = asyncio.Event(), asyncio.Event(), asyncio.Queue()
    result.runs = [UserRun(user) for user in users]
    tasks = [asyncio.create_task(run_user(hub, run, cells, go, ready)) for run in result.runs]
    for _ in users:
        await ready.get()  # every server and kernel is up (or has failed)
    poller = asyncio.create_task(poll_api(hub, stop, result))
    go.set()  # "run all", everyone at once
    try:
        await asyncio.gather(*tasks)
    finally:
        stop.set()
        await poller
        await asyncio.gather(*(hub.stop_server(user) for user in users),
                             return_exceptions=True)
        await asyncio.gather(*(hub.api("DELETE", f"/users/{user}") for user in users),
                             return_exceptions=True)
    return result


async def run_all(plan: list[tuple[str, int]], folder: Path, out: Path) -> int:
    """Every (lesson, N) of ``plan`` on one throwaway hub, printing a line per run and
    rewriting the report after each (a run cut short keeps what it measured); the number
    of users that failed."""
    results, started = [], time.perf_counter()
    with throwaway_hub(folder) as hub:
        for lesson, n in plan:
            results.append(await run_class(hub, lesson, n))
            print(class_sizing.summary_line(asdict(results[-1])), flush=True)
            write_report(out, results, hub.own_peak_mib(), time.perf_counter() - started)
    return sum(1 for r in results for u in r.runs if u.error)


def write_report(out: Path, results: list[ClassRun], hub_mib: float, seconds: float) -> None:
    """``out`` (the markdown report) and its raw numbers beside it (``.json``)."""
    raw = {"machine": machine(), "cores": os.cpu_count(),
           "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "seconds": round(seconds),
           "jupyterhub": version("jupyterhub"), "hub_peak_mib": round(hub_mib),
           "runs": [asdict(r) for r in results]}
    out.with_suffix(".json").write_text(compact_json(raw))
    out.write_text(class_sizing.report(raw))


def compact_json(raw: dict) -> str:
    """JSON with each list of numbers on one line, so that the file stays short and a
    re-run's diff readable."""
    text = json.dumps(raw, indent=1)
    return re.sub(r"\[([\d.,\se+-]*)\]", lambda m: f"[{' '.join(m.group(1).split())}]",
                  text) + "\n"


def machine() -> str:
    """The CPU model and core count of this machine, for the report."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8, help="the largest class (1-16)")
    parser.add_argument("--heavy-users", type=int, default=4,
                        help="the largest class for the heavy lesson (0: skip it)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "class.md")
    args = parser.parse_args(argv)
    plan = [(LIGHT, n) for n in sweep(args.users)]
    if args.heavy_users:
        plan += [(HEAVY, n) for n in sweep(min(args.heavy_users, args.users))]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the hub
    with tempfile.TemporaryDirectory(prefix="tlteach-hub-") as tmp:
        failures = asyncio.run(asyncio.wait_for(run_all(plan, Path(tmp), args.out),
                                                RUN_TIMEOUT_S))
    print(f"wrote {args.out} and {args.out.with_suffix('.json')}")
    sys.exit(1 if failures else 0)

if __name__ == "__main__":
    main()
