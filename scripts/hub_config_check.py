"""Checks that the shipped hub configurations (``hub/``) are safe to serve a class with.

    python -m scripts.hub_config_check        # prints each problem, exits 1 if any

Safe means: a real authenticator (never the dummy one, never "allow all"), an admin named,
user servers on loopback behind the proxy (or, on Kubernetes, behind network policies), idle
servers culled, and memory that holds the heaviest lesson: the guarantee at least the
heaviest kernel's measured peak (benchmarks/notebook_times.json) plus the largest server
peak of the class load test (benchmarks/class.json).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"
OPEN_AUTHENTICATORS = ("dummy", "null", "shared-password")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def load_python_config(path: Path) -> Config:
    """What a ``jupyterhub_config.py`` sets, without starting anything."""
    config = Config()
    namespace = {"get_config": lambda: config, "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 (our file)
    return config


def to_bytes(size: str | int | float) -> float:
    """'1.6G' -> bytes, as JupyterHub reads it (K, M, G, T: powers of 1024)."""
    match = re.fullmatch(r"([\d.]+)\s*([KMGT]?)i?B?", str(size).strip())
    if not match:
        raise ValueError(f"{size!r}: write a size such as 2G or 1536M")
    return float(match.group(1)) * UNITS.get(match.group(2), 1)


def needed_mib(root: Path = ROOT) -> float:
    """The heaviest lesson's kernel peak plus the largest server peak measured (MiB)."""
    kernel = max(json.loads((root / "benchmarks" / "notebook_times.json").read_text())
                 ["peak_mib"].values())
    runs = json.loads((root / "benchmarks" / "class.json").read_text())["runs"]
    server = max(u["server_peak_mib"] for r in runs for u in r["runs"])
    return kernel + server


def authenticator_problems(name: str | None, admins, allow_all) -> list[str]:
    """An open or missing authenticator, no admin, or everyone allowed."""
    found = []
    short = str(name or "").rsplit(".", 1)[-1].lower()
    if not name or any(short.startswith(o.replace("-", "")) or str(name) == o
                       for o in OPEN_AUTHENTICATORS):
        found.append(f"authenticator {name!r}: anyone could log in; use the OS's users "
                     "('pam'), NativeAuthenticator or an OAuth provider")
    if not admins:
        found.append("no admin named: set Authenticator.admin_users")
    if allow_all:
        found.append("Authenticator.allow_all is on: list the class (allowed_users/groups)")
    return found


def memory_problems(guarantee, limit, needed: float) -> list[str]:
    """A guarantee under what the heaviest lesson needs, or a limit under the guarantee."""
    if guarantee is None or limit is None:
        return ["no memory guarantee and limit per user"]
    found = []
    if to_bytes(guarantee) < needed * 2**20:
        found.append(f"memory guarantee {guarantee} is under the {needed:,.0f} MiB the heaviest"
                     " lesson's kernel and its server peaked at")
    if to_bytes(limit) < to_bytes(guarantee):
        found.append(f"memory limit {limit} is under the guarantee {guarantee}")
    return found


def python_config_problems(c: Config, needed: float) -> list[str]:
    """Problems of a one-machine ``jupyterhub_config.py``."""
    found = authenticator_problems(c.JupyterHub.get("authenticator_class"),
                                   c.Authenticator.get("admin_users"),
                                   c.Authenticator.get("allow_all"))
    if str(c.JupyterHub.get("spawner_class", "")).lower() in ("simple", "dummy"):
        found.append("the simple spawner runs every student as the hub's user: use "
                     "'localprocess' or 'systemdspawner'")
    for what, url in (("user servers", f"http://{c.Spawner.get('ip', '')}:0"),
                      ("the hub", f"http://{c.JupyterHub.get('hub_ip', '')}:0"),
                      ("the proxy's API", c.ConfigurableHTTPProxy.get("api_url", "http://:0"))):
        if urlsplit(url).hostname not in LOOPBACK:
            found.append(f"{what} listen on {urlsplit(url).hostname or 'every address'}: "
                         "bind them to 127.0.0.1 behind the proxy")
    bind = urlsplit(str(c.JupyterHub.get("bind_url", "http://:8000")))
    if bind.scheme != "https" and bind.hostname not in LOOPBACK:
        found.append(f"the hub is served over plain http on {bind.hostname or 'every address'}"
                     ": bind it to 127.0.0.1 behind TLS, or give it ssl_cert and ssl_key")
    services = " ".join(" ".join(s.get("command", [])) for s in c.JupyterHub.get("services", []))
    if "jupyterhub_idle_culler" not in services or "--timeout" not in services:
        found.append("no idle culler: add jupyterhub_idle_culler with --timeout as a service")
    return found + memory_problems(c.Spawner.get("mem_guarantee"), c.Spawner.get("mem_limit"),
                                   needed)


def tljh_problems(config: dict) -> list[str]:
    """Problems of a The Littlest JupyterHub ``config.yaml``."""
    found = authenticator_problems(config.get("auth", {}).get("type"),
                                   config.get("users", {}).get("admin"), False)
    if config.get("services", {}).get("cull", {}).get("enabled", True) is not True:
        found.append("services.cull.enabled is off: idle servers would never stop")
    if not config.get("limits", {}).get("memory"):
        found.append("no limits.memory per user")
    return found


def z2jh_problems(config: dict, needed: float) -> list[str]:
    """Problems of a Zero to JupyterHub ``config.yaml``."""
    hub = config.get("hub", {}).get("config", {})
    found = authenticator_problems(hub.get("JupyterHub", {}).get("authenticator_class"),
                                   hub.get("Authenticator", {}).get("admin_users"),
                                   hub.get("Authenticator", {}).get("allow_all"))
    single = config.get("singleuser", {})
    if not config.get("cull", {}).get("enabled"):
        found.append("cull.enabled is off: idle servers would never stop")
    if single.get("networkPolicy", {}).get("enabled") is False:
        found.append("singleuser.networkPolicy is off: servers would be reachable past the "
                     "proxy")
    if not single.get("cpu", {}).get("guarantee"):
        found.append("no singleuser.cpu.guarantee")
    memory = single.get("memory", {})
    return found + memory_problems(memory.get("guarantee"), memory.get("limit"), needed)


def shipped_problems(root: Path = ROOT) -> list[str]:
    """Every problem of the configurations in ``hub/``, each prefixed with its file."""
    hub, needed = root / "hub", needed_mib(root)
    found = [f"hub/jupyterhub_config.py: {p}" for p in
             python_config_problems(load_python_config(hub / "jupyterhub_config.py"), needed)]
    found += [f"hub/tljh/config.yaml: {p}" for p in
              tljh_problems(yaml.safe_load((hub / "tljh" / "config.yaml").read_text()))]
    found += [f"hub/z2jh/config.yaml: {p}" for p in
              z2jh_problems(yaml.safe_load((hub / "z2jh" / "config.yaml").read_text()), needed)]
    return found


if __name__ == "__main__":
    problems = shipped_problems()
    print("\n".join(problems) or "hub/: no problems found")
    sys.exit(1 if problems else 0)
