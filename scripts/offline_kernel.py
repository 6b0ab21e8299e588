"""An IPython kernel in which every network connection fails (loopback excepted).

The kernel talks to Jupyter over loopback, so that stays open; any other address, and any
name look-up other than ``localhost``, raises ``NetworkBlocked``. Started by the
``--offline`` option of ``scripts/offline.py``; a notebook that runs under it downloads
nothing.
"""

from __future__ import annotations

import ipaddress
import socket
import sys


class NetworkBlocked(OSError):
    """A notebook tried to reach the network while the course runs offline."""


def _is_loopback(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:  # a host name other than localhost
        return False


def _refuse(host, port) -> None:
    raise NetworkBlocked(f"network access is blocked (offline run): tried to reach "
                         f"{host}:{port}. Every notebook must run from what pip installs.")


def _check_address(sock: socket.socket, address) -> None:
    """Refuse an internet-family connection to anything but loopback."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        _refuse(*address[:2])


def block_network() -> None:
    """Make connections and name look-ups to anything but loopback fail in this process."""
    connect, connect_ex, getaddrinfo = (socket.socket.connect, socket.socket.connect_ex,
                                        socket.getaddrinfo)

    def guarded_connect(sock, address):
        _check_address(sock, address)
        return connect(sock, address)

    def guarded_connect_ex(sock, address):
        _check_address(sock, address)
        return connect_ex(sock, address)

    def guarded_getaddrinfo(host, port, *args, **kwargs):
        if not _is_loopback(host.decode() if isinstance(host, bytes) else host):
            _refuse(host, port)
        return getaddrinfo(host, port, *args, **kwargs)

    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex
    socket.getaddrinfo = guarded_getaddrinfo

if __name__ == "__main__":
    block_network()
    from ipykernel import kernelapp

    sys.exit(kernelapp.launch_new_instance())
