"""The Littlest JupyterHub, for this course: /opt/tljh/config/jupyterhub_config.d/tlteach.py.

One math thread per kernel (a class shares the cores) and idle kernels culled after 20
minutes (each holds up to 1.5 GiB). TLJH reads this file after its own config.yaml.
"""

c = get_config()  # noqa: F821 (JupyterHub provides it)
c.Spawner.environment.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                              "OPENBLAS_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
                              "TF_NUM_INTEROP_THREADS": "1"})
c.Spawner.args = ["--MappingKernelManager.cull_idle_timeout=1200",
                  "--MappingKernelManager.cull_interval=300"]
