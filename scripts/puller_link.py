"""The nbgitpuller link that opens the course on a JupyterHub (``make puller-link``).

    python -m scripts.puller_link https://hub.example.edu [--branch main]

A student who clicks it logs in to the hub; nbgitpuller then clones the course into their
home (``tlteach/``) the first time, or merges new commits into it later without overwriting
what they changed, and opens the first notebook in JupyterLab. The hub's single-user
environment needs ``nbgitpuller`` (binder/requirements.txt installs it).
"""

from __future__ import annotations

import argparse
from urllib.parse import quote, urlencode, urlsplit

REPO = "https://github.com/tlteach/tlteach"
BRANCH = "main"
NOTEBOOK = "notebooks/00_start_here.ipynb"


def folder(repo: str) -> str:
    """The folder nbgitpuller clones ``repo`` into: the URL's last part, as nbgitpuller
    takes it (``.git`` included)."""
    if repo.endswith("/"):
        raise ValueError(f"{repo!r}: drop the trailing '/' (nbgitpuller would clone into '')")
    return repo.split("/")[-1]


def git_pull_path(repo: str = REPO, branch: str = BRANCH, notebook: str = NOTEBOOK) -> str:
    """``/git-pull?...``, the path below a user's server (Zero to JupyterHub's defaultUrl)."""
    query = {"repo": repo, "branch": branch, "urlpath": f"lab/tree/{folder(repo)}/{notebook}"}
    return "/git-pull?" + urlencode(query, quote_via=quote, safe="")


def puller_link(hub: str, repo: str = REPO, branch: str = BRANCH,
                notebook: str = NOTEBOOK) -> str:
    """The link for a hub at ``hub`` (https, or http on this machine only)."""
    parts = urlsplit(hub)
    local = parts.hostname in ("127.0.0.1", "localhost")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError(f"{hub!r}: give the hub's https:// address (students' passwords "
                         "must not cross the network in clear text)")
    if parts.query or parts.fragment:
        raise ValueError(f"{hub!r}: give the hub's address only, without ? or #")
    return (f"{hub.rstrip('/')}/hub/user-redirect"
            f"{git_pull_path(repo, branch, notebook)}")


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
