"""A pytest plugin that puts the test files with tests marked ``slow`` first, the file with
the most of them first; the other files keep pytest's order.

Used by ``make test``'s unit stage: ``pytest -n 2 --dist loadfile --no-loadscope-reorder
-p scripts.slow_first``. With ``--dist loadfile`` a worker is handed the next file in this
order when it has two tests or fewer left. pytest-xdist's own order (files with the most
tests first) leaves the few long tests (a notebook on a photo folder, a real JupyterHub, an
nbgrader round trip) for the end. Only the tests that run count: the order is set after
``-m`` has deselected the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest


def file_of(nodeid: str) -> str:
    """The test file of a test's node id."""
    return nodeid.split("::", 1)[0]


def slow_first(files: list[str], slow: Counter[str]) -> list[str]:
    """``files`` ordered by their number of slow tests (``slow``), most first (stable)."""
    return sorted(files, key=lambda path: -slow[path])


def sort_by_file(items: list[pytest.Item], order: Callable[[list[str]], list[str]]) -> None:
    """Sort ``items`` in place file by file, the files in the order ``order`` gives their
    paths (in collection order); each file's items keep their order."""
    files = list(dict.fromkeys(file_of(item.nodeid) for item in items))
    rank = {path: i for i, path in enumerate(order(files))}
    items.sort(key=lambda item: rank[file_of(item.nodeid)])  # stable


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order ``items`` file by file, the files with the most slow tests first."""
    slow = Counter(file_of(item.nodeid) for item in items if item.get_closest_marker("slow"))
    sort_by_file(items, lambda files: slow_first(files, slow))
