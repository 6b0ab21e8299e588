"""A throwaway JupyterHub on 127.0.0.1 for tests and the class load test.

It is *not* the configuration a class uses (that is ``hub/``): it lets anyone in
(``DummyAuthenticator``), runs every user's server as the current OS user
(``SimpleLocalProcessSpawner``, homes in a temporary folder) and listens on loopback only.
A service token with admin scopes drives it through the hub's REST API: create users, start
and stop their servers, and reach each server's kernel API through the proxy.

    with throwaway_hub(folder) as hub:          # stops everything it started, even on error
        await hub.start_server("u1") ...

Everything the hub starts (proxy, single-user servers, kernels) is stopped when the block
ends: the servers through the API, then every process group that is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

VENV_BIN = Path(sys.executable).parent
# One math thread per kernel, as make test runs them: a class's kernels share the cores.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
START_TIMEOUT_S = 180

CONFIG = """\
# Written by scripts/hub.py for one test run; deleted with its folder. Never serve a class
# with it: anyone may log in.
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = "sqlite:///{folder}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{folder}/cookie_secret"
c.JupyterHub.pid_file = "{folder}/hub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "simple"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.environment = {environment!r}
c.Spawner.start_timeout = {timeout}
c.Spawner.http_timeout = {timeout}
c.SimpleLocalProcessSpawner.home_dir_template = "{folder}/home/{{username}}"
c.JupyterHub.services = [{{"name": "load-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "load-test",
    "scopes": ["admin:users", "admin:servers", "access:servers", "list:users"],
    "services": ["load-test"],
}}]
"""


def peak_mib(pid: int) -> float:
    """A process's peak resident memory (Linux ``VmHWM``) in MiB; 0 where unreadable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return 0.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(folder: Path, port: int, token: str, environment: dict[str, str]) -> Path:
    """The throwaway hub's ``jupyterhub_config.py`` in ``folder``."""
    args = ["--allow-root"] if os.getuid() == 0 else []  # containers and CI run as root
    text = CONFIG.format(port=port, hub_port=free_port(), proxy_api_port=free_port(),
                         proxy=str(VENV_BIN / "configurable-http-proxy"),
                         singleuser=str(VENV_BIN / "jupyterhub-singleuser"), args=args,
                         environment=environment, timeout=START_TIMEOUT_S, folder=folder,
                         token=token)
    path = folder / "jupyterhub_config.py"
    path.write_text(text)
    return path


@dataclass
class Hub:
    """A running throwaway hub: its public URL, the service token and its process."""

    url: str
    token: str
    process: subprocess.Popen
    folder: Path
    seen: dict[int, float] = field(default_factory=dict)  # pid: start time, as psutil says

    async def api(self, method: str, path: str, body: dict | None = None,
                  timeout: float = 60) -> dict | list | None:
        """Call the hub's REST API (``path`` below ``/hub/api``); the decoded JSON reply."""
        return await request(f"{self.url}/hub/api{path}", self.token, method, body, timeout)

    async def user_api(self, user: str, method: str, path: str, body: dict | None = None,
                       timeout: float = 60) -> dict | list | None:
        """Call a user's Jupyter server API through the proxy (``path`` below ``/api``)."""
        return await request(f"{self.url}/user/{user}/api{path}", self.token, method, body,
                             timeout)

    def ws_url(self, user: str, path: str) -> str:
        """The websocket URL of a user's server API path, through the proxy."""
        return f"{self.url.replace('http', 'ws', 1)}/user/{user}/api{path}"

    def remember_processes(self) -> None:
        """Note every process below the hub (servers, kernels), to kill what is left later."""
        self.seen.update(descendants(self.process.pid))

    def own_peak_mib(self) -> float:
        """Peak resident memory (MiB) of the hub process and its proxy, added up."""
        import psutil

        total = peak_mib(self.process.pid)
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(self.process.pid).children():
                with contextlib.suppress(psutil.Error):
                    if any("configurable-http-proxy" in part for part in child.cmdline()):
                        total += peak_mib(child.pid)
        return total

    async def start_server(self, user: str, timeout: float = START_TIMEOUT_S) -> float:
        """Start ``user``'s server and wait until it is ready; the seconds it took."""
        start = time.perf_counter()
        await self.api("POST", f"/users/{user}/server")
        while time.perf_counter() - start < timeout:
            model = await self.api("GET", f"/users/{user}")
            server = (model or {}).get("servers", {}).get("")
            if server and server.get("ready"):
                self.remember_processes()
                return time.perf_counter() - start
            await asyncio.sleep(0.5)
        raise TimeoutError(f"{user}'s server did not start within {timeout:.0f} s: see "
                           f"{self.folder / 'hub.log'}")

    async def stop_server(self, user: str, timeout: float = 60) -> None:
        """Stop ``user``'s server and wait until the hub says it is gone."""
        self.remember_processes()
        with contextlib.suppress(HTTPClientError):
            await self.api("DELETE", f"/users/{user}/server")
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            model = await self.api("GET", f"/users/{user}")
            if not (model or {}).get("servers"):
                return
            await asyncio.sleep(0.5)


async def request(url: str, token: str, method: str = "GET", body: dict | None = None,
                  timeout: float = 60) -> dict | list | None:
    """One HTTP request with the hub token; the decoded JSON reply (None when empty)."""
    data = None if body is None and method == "GET" else json.dumps(body or {})
    reply = await AsyncHTTPClient().fetch(HTTPRequest(
        url, method=method, body=data, headers={"Authorization": f"token {token}"},
        request_timeout=timeout, allow_nonstandard_methods=True))
    return json.loads(reply.body) if reply.body else None


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Block until the hub answers at ``url``; an error naming its log when it does not."""
    import urllib.error
    import urllib.request

    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterHub exited with {process.returncode}: see {log}")
        try:
            urllib.request.urlopen(f"{url}/hub/api", timeout=2)  # noqa: S310 (loopback)
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise TimeoutError(f"JupyterHub did not answer at {url} within {timeout:.0f} s: see {log}")


def descendants(pid: int) -> dict[int, float]:
    """{pid: start time} of every process below ``pid`` now (empty when it is gone)."""
    import psutil

    found = {}
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                found[child.pid] = child.create_time()
    return found


def same_process(pid: int, started: float | None) -> bool:
    """Whether ``pid`` is still the process that started at ``started`` (not a reused pid)."""
    import psutil

    try:
        return started is None or psutil.Process(pid).create_time() == started
    except psutil.Error:
        return False


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def kill_group(pid: int, grace_s: float = 10, started: float | None = None) -> None:
    """SIGTERM the process group led by ``pid`` (or the process), SIGKILL what remains.
    With ``started`` (its start time), a pid that now names another process is left alone."""
    if not same_process(pid, started):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        deadline = time.perf_counter() + grace_s
        while time.perf_counter() < deadline:
            if not alive(pid):
                return
            time.sleep(0.2)


@contextlib.contextmanager
def throwaway_hub(folder: Path, environment: dict[str, str] | None = None,
                  timeout: float = 60) -> Iterator[Hub]:
    """Start a throwaway hub with its files in ``folder``; stop it and everything it started
    when the block ends, whatever happens inside."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "home").mkdir(exist_ok=True)
    token, port = secrets.token_hex(16), free_port()
    env = {**ONE_THREAD, **(environment or {})}
    config = write_config(folder, port, token, env)
    log = folder / "hub.log"
    process_env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    with open(log, "wb") as out:
        process = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(config)],
                                   cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                   env=process_env, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", token, process, folder)
    try:
        wait_until_up(hub.url, process, log, timeout)
        yield hub
    finally:
        stop_everything(hub)


def stop_tree(pid: int, below: dict[int, float], grace_s: float = 20) -> None:
    """SIGTERM the group of ``pid`` (a hub stops its servers and proxy), then kill the group
    of every process in ``below`` ({pid: start time}, see ``descendants``) that is left."""
    kill_group(pid, grace_s=grace_s)
    for child, started in sorted(below.items()):
        kill_group(child, grace_s=2, started=started)


def stop_everything(hub: Hub) -> None:
    """Stop the hub (it stops the servers it knows), then kill every process group left."""
    hub.remember_processes()
    stop_tree(hub.process.pid, hub.seen)
    with contextlib.suppress(subprocess.TimeoutExpired):
        hub.process.wait(timeout=5)
