"""The nbgitpuller link that opens the course on a JupyterHub (``make puller-link``).

    python -m scripts.puller_link https://hub.example.edu [--branch main]

A student who clicks it logs in to the hub; nbgitpuller then clones the course into their
home (``tlteach-course/``) the first time, or merges new commits into it later without
overwriting what they changed, and opens the first notebook in JupyterLab. The hub's
single-user environment needs ``nbgitpuller`` (binder/requirements.txt installs it).

The folder is not nbgitpuller's default (the repository's name, ``tlteach``): a folder
``~/tlteach`` would shadow the installed package ``tlteach`` in every kernel started in the
home folder (Python takes it for a namespace package before an editable install's finder is
asked), and ``import tlteach`` would find no ``tlteach.device``.
"""

from __future__ import annotations

import argparse
from urllib.parse import quote, urlencode, urlsplit

REPO = "https://github.com/tlteach/tlteach"
BRANCH = "main"
NOTEBOOK = "notebooks/00_start_here.ipynb"
TARGET = "tlteach-course"  # never "tlteach": see above


def git_pull_path(repo: str = REPO, branch: str = BRANCH, notebook: str = NOTEBOOK,
                  target: str = TARGET) -> str:
    """``/git-pull?...``, the path below a user's server (Zero to JupyterHub's defaultUrl)."""
    if "/" in target.strip("/") or target.split(".")[0] == "tlteach" or not target:
        raise ValueError(f"target {target!r}: one folder name other than 'tlteach' (it would "
                         "shadow the course package)")
    query = {"repo": repo, "branch": branch, "targetpath": target,
             "urlpath": f"lab/tree/{target}/{notebook}"}
    return "/git-pull?" + urlencode(query, quote_via=quote, safe="")


def puller_link(hub: str, repo: str = REPO, branch: str = BRANCH,
                notebook: str = NOTEBOOK, target: str = TARGET) -> str:
    """The link for a hub at ``hub`` (https, or http on this machine only)."""
    parts = urlsplit(hub)
    local = parts.hostname in ("127.0.0.1", "localhost")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError(f"{hub!r}: give the hub's https:// address (students' passwords "
                         "must not cross the network in clear text)")
    if parts.query or parts.fragment:
        raise ValueError(f"{hub!r}: give the hub's address only, without ? or #")
    return (f"{hub.rstrip('/')}/hub/user-redirect"
            f"{git_pull_path(repo, branch, notebook, target)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("hub", help="the hub's address, e.g. https://hub.example.edu")
    parser.add_argument("--branch", default=BRANCH)
    parser.add_argument("--repo", default=REPO)
    parser.add_argument("--notebook", default=NOTEBOOK)
    args = parser.parse_args(argv)
    print(puller_link(args.hub, args.repo, args.branch, args.notebook))


if __name__ == "__main__":
    main()
