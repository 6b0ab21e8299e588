"""Shared test fixtures.

PyTorch and torchvision are imported before anything can import TensorFlow: importing
torchvision after TensorFlow in one process crashes (a native-library clash), and one
pytest worker runs several test files.
"""

import os
import socket

import matplotlib
import pytest
import torch  # noqa: F401  (import order, see above)
import torchvision  # noqa: F401

matplotlib.use("Agg")


@pytest.fixture(scope="session", autouse=True)
def course_cache(tmp_path_factory):
    """A fresh tlteach cache for the test session (nothing from a previous run is trusted)."""
    path = tmp_path_factory.mktemp("tlteach-cache")
    old = os.environ.get("TLTEACH_CACHE")
    os.environ["TLTEACH_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("TLTEACH_CACHE", None)
    else:
        os.environ["TLTEACH_CACHE"] = old


class NetworkBlocked(OSError):
    """Raised by any attempt to open a network connection inside ``no_network``."""


@pytest.fixture
def no_network(monkeypatch):
    """Make every socket connection fail, so hidden downloads show up as errors."""

    def refuse(*args, **kwargs):
        raise NetworkBlocked("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
