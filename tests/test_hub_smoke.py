"""A class of one on a real JupyterHub (the smoke version of make hub-load-test): a throwaway
hub on 127.0.0.1 starts a user's server through its REST API, the nbgitpuller link's API pulls
the course from a git repository into the user's home, notebook 00 from that copy runs in the
server's kernel, and everything the hub started is gone afterwards."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import psutil
import pytest
from tornado.httpclient import AsyncHTTPClient

from scripts import hub_load_test, puller_link
from scripts.hub import same_process, throwaway_hub

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/00_start_here.ipynb"


def course_repository(folder: Path) -> Path:
    """A git repository named tlteach holding notebook 00, on branch main."""
    repo = folder / "tlteach"
    (repo / "notebooks").mkdir(parents=True)
    (repo / NOTEBOOK).write_bytes((ROOT / NOTEBOOK).read_bytes())
    git = ["git", "-C", str(repo), "-c", "user.name=course", "-c", "user.email=course@localhost",
           "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "course"], check=True)
    return repo


async def pull(hub, user: str, repo: Path) -> str:
    """Follow the course's nbgitpuller link (its API, with the link's own query) for a local
    copy of the repository; the event stream nbgitpuller answered."""
    query = puller_link.git_pull_path(repo=str(repo)).split("?", 1)[1]
    reply = await AsyncHTTPClient().fetch(f"{hub.url}/user/{user}/git-pull/api?{query}",
                                          headers={"Authorization": f"token {hub.token}"},
                                          request_timeout=120)
    return reply.body.decode()


async def class_of_one(hub, repo: Path) -> tuple[str, hub_load_test.UserRun]:
    user = "student"
    await hub.api("POST", "/users", {"usernames": [user]})
    run = hub_load_test.UserRun(user)
    run.start_server_s = await hub.start_server(user)
    events = await pull(hub, user, repo)
    folder = f"{puller_link.TARGET}/{Path(NOTEBOOK).parent}"
    pulled = hub.folder / "home" / user / folder / Path(NOTEBOOK).name
    assert pulled.exists(), events
    kernel_id, ws = await hub_load_test.open_kernel(hub, user, folder)
    go = asyncio.Event()
    go.set()
    await asyncio.wait_for(hub_load_test.run_cells(ws, hub_load_test.code_cells(pulled), run, go),
                           600)
    ws.close()
    await hub.user_api(user, "DELETE", f"/kernels/{kernel_id}")
    await hub.stop_server(user)
    return events, run


@pytest.mark.slow
def test_a_student_pulls_the_course_and_runs_notebook_00_on_a_real_hub(tmp_path):
    repo = course_repository(tmp_path / "git")
    with throwaway_hub(tmp_path / "hub") as hub:
        events, run = asyncio.run(class_of_one(hub, repo))
    started = dict(hub.seen)  # every process the hub started, noted until it stopped
    assert '"phase": "finished"' in events, events
    assert run.error == "", run.error
    assert run.start_server_s > 0 and run.wall_s > 0
    assert 500 < run.kernel_peak_mib < 1536, run.kernel_peak_mib  # a real kernel, in budget
    assert run.kernel_cpu_s > 1
    assert started, "the hub started a server and a kernel"
    left = [pid for pid, t in started.items() if same_process(pid, t)
            and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert left == [], f"still running after the hub stopped: {left}"
