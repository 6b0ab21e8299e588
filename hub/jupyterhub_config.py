"""JupyterHub for a class on one machine, from this repository's .venv (``make install``).

    sudo .venv/bin/jupyterhub -f hub/jupyterhub_config.py

Safe by default:
- students log in with their OS accounts (PAM, as The Littlest JupyterHub does), and only
  members of the OS group ``tlteach`` may (``sudo useradd -m -G tlteach alice``);
- one admin is named (``TLTEACH_HUB_ADMIN``, default ``instructor``);
- each student's server runs as that student and listens on 127.0.0.1 behind the proxy;
- the hub itself answers on 127.0.0.1:8000: put a TLS proxy (Caddy, nginx) in front, or
  set ``TLTEACH_HUB_BIND_URL`` together with ``ssl_cert``/``ssl_key`` below;
- idle servers are stopped after an hour (``jupyterhub-idle-culler``), idle kernels after
  20 minutes (each holds up to 1.5 GiB).

The limits come from the measurements (docs/instructors.md, "Serving a class"; the numbers
are in benchmarks/class.md and benchmarks/notebook_times.json). The local process spawner
does not enforce them: it passes them to the server (``MEM_LIMIT``, ``CPU_LIMIT``), which
shows them. ``jupyterhub-systemdspawner`` (The Littlest JupyterHub's spawner) enforces them:
``pip install jupyterhub-systemdspawner`` and set ``spawner_class`` to ``"systemdspawner"``.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub provides it)
VENV_BIN = Path(sys.executable).parent

c.JupyterHub.bind_url = os.environ.get("TLTEACH_HUB_BIND_URL", "http://127.0.0.1:8000")
# c.JupyterHub.ssl_cert = "/etc/letsencrypt/live/hub.example.edu/fullchain.pem"
# c.JupyterHub.ssl_key = "/etc/letsencrypt/live/hub.example.edu/privkey.pem"
c.JupyterHub.hub_ip = "127.0.0.1"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"
# The proxy installed beside the hub (PyPI's configurable-http-proxy), found without PATH
# (sudo resets it).
c.ConfigurableHTTPProxy.command = [str(VENV_BIN / "configurable-http-proxy")]
c.JupyterHub.cookie_secret_file = "/srv/jupyterhub/jupyterhub_cookie_secret"
c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"

# Who may log in: the machine's users in the group "tlteach"; one admin.
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.allowed_groups = {"tlteach"}
c.Authenticator.admin_users = {os.environ.get("TLTEACH_HUB_ADMIN", "instructor")}

# Each student's JupyterLab, as that OS user, on loopback behind the proxy.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
# Per student (benchmarks/class.md): the heaviest lesson's kernel (1,380 MiB, 03 PyTorch)
# plus its server fit in the guarantee; the limit is Binder's 2 GB session. Half a core
# each: the heavy lesson's "run all" then takes at most twice its time alone; one core at
# most, and one math thread per kernel, so that the students' kernels do not fight.
c.Spawner.mem_guarantee = "1.6G"
c.Spawner.mem_limit = "2G"
c.Spawner.cpu_guarantee = 0.5
c.Spawner.cpu_limit = 1
c.Spawner.environment = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                         "OPENBLAS_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
                         "TF_NUM_INTEROP_THREADS": "1"}
# Idle kernels give their memory back after 20 minutes.
c.Spawner.args = ["--MappingKernelManager.cull_idle_timeout=1200",
                  "--MappingKernelManager.cull_interval=300"]

# Stop servers idle for an hour.
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600",
                "--cull-every=300"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
