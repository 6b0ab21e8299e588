"""Emulated CPUs: environment caps that make this machine pick an older CPU's kernels.

PyTorch, TensorFlow, NumPy and SciPy each choose their kernels by instruction set at run
time, through four libraries that read their own variables:

- oneDNN (PyTorch; TensorFlow, also inside its Eigen GEMMs): ``ONEDNN_MAX_CPU_ISA``, read
  back from its ``ONEDNN_VERBOSE`` "isa:" line;
- ATen (PyTorch's own vectorised kernels): ``ATEN_CPU_CAPABILITY``, read back with
  ``torch.backends.cpu.get_cpu_capability()``;
- MKL (linked into PyTorch: GEMM, FFT): ``MKL_ENABLE_INSTRUCTIONS``, read back from its
  ``MKL_VERBOSE`` banner (on Intel CPUs: on others, AMD's for one, the banner names no
  instruction set and the cap stays "not verified");
- OpenBLAS (the NumPy and SciPy wheels): ``OPENBLAS_CORETYPE``, read back from
  ``threadpoolctl.threadpool_info()``'s ``architecture``.

``TF_ENABLE_ONEDNN_OPTS=0`` swaps TensorFlow's oneDNN layers for its Eigen ones (the default
on Windows and ARM builds); Eigen's matrix products still call oneDNN's GEMM, which keeps
obeying ``ONEDNN_MAX_CPU_ISA``. Nothing here emulates an ARM CPU (Apple M-series, Graviton),
TensorFlow's Eigen code paths compiled for another ISA, or a GPU.

``kernel_probe`` runs inside a kernel with a back-end's environment and reports what each
library says it picked; ``verify`` compares that with the caps. Standard library only, so
that the Makefile can read the caps (``python3 scripts/emulated_cpus.py avx2``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BACKENDS: dict[str, dict[str, str]] = {
    # Nothing capped: on this machine's best kernels (AVX-512 and AMX where it has them).
    "native": {},
    # A laptop without AVX-512 (most of them; AMD, and Intel client CPUs since 12th gen).
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2",
             "MKL_ENABLE_INSTRUCTIONS": "AVX2", "OPENBLAS_CORETYPE": "Haswell"},
    # An old or small CPU; TensorFlow keeps its oneDNN layers, capped too.
    "sse41": {"ONEDNN_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default",
              "MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "OPENBLAS_CORETYPE": "Nehalem"},
    # TensorFlow's Eigen layers and ATen's plain kernels, the rest native (make test's lesson
    # stage: tasks.LESSON_KERNELS).
    "tf-onednn-off": {"TF_ENABLE_ONEDNN_OPTS": "0", "ATEN_CPU_CAPABILITY": "default"},
}
# Every variable a back-end may set: a run removes them all from its environment first.
CAP_VARIABLES = ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY", "TF_ENABLE_ONEDNN_OPTS",
                 "MKL_ENABLE_INSTRUCTIONS", "OPENBLAS_CORETYPE")
# What a probe asks the libraries to say (added to a back-end's environment by the probe).
PROBE_VARIABLES = {"ONEDNN_VERBOSE": "1", "MKL_VERBOSE": "1"}

# Instruction-set levels, to compare a cap with what a library reports.
DEFAULT, SSE4, AVX, AVX2, AVX512, AMX = range(6)
CAP_LEVELS = {
    "ONEDNN_MAX_CPU_ISA": {"SSE41": SSE4, "AVX": AVX, "AVX2": AVX2, "AVX2_VNNI": AVX2,
                           "AVX512_CORE": AVX512, "AVX512_CORE_VNNI": AVX512,
                           "AVX512_CORE_BF16": AVX512, "AVX512_CORE_AMX": AMX},
    "ATEN_CPU_CAPABILITY": {"default": DEFAULT, "avx2": AVX2, "avx512": AVX512},
    "MKL_ENABLE_INSTRUCTIONS": {"SSE4_2": SSE4, "AVX": AVX, "AVX2": AVX2, "AVX512": AVX512},
    "OPENBLAS_CORETYPE": {"Nehalem": SSE4, "Sandybridge": AVX, "Haswell": AVX2,
                          "SkylakeX": AVX512},
}
OPENBLAS_LEVELS = {"Prescott": DEFAULT, "Core2": DEFAULT, "Nehalem": SSE4, "Sandybridge": AVX,
                   "Haswell": AVX2, "Zen": AVX2, "SkylakeX": AVX512, "Cooperlake": AVX512,
                   "SapphireRapids": AMX}


def isa_level(text: str | None) -> int | None:
    """The level an ISA description names: oneDNN's "isa:" text, MKL's banner, ATen's name."""
    if not text:
        return None
    words = text.upper()
    if words.strip() == "NO AVX":  # ATen's name for its default kernels before PyTorch 2.7
        return DEFAULT
    for needle, level in (("AMX", AMX), ("ADVANCED MATRIX", AMX), ("AVX-512", AVX512),
                          ("AVX512", AVX512), ("AVX10", AVX512), ("AVX2", AVX2),
                          ("AVX", AVX), ("SSE4", SSE4), ("DEFAULT", DEFAULT)):
        if needle in words:
            return level
    return None


def host_cpu(cpuinfo: str | None = None) -> dict:
    """This machine's processor: model name and the instruction sets that matter here."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            cpuinfo = ""
    model, flags = "unknown", set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and model == "unknown":
            model = value.strip()
        if key.strip() in ("flags", "Features") and not flags:
            flags = set(value.split())
    return {"model": model, "avx2": "avx2" in flags, "avx512f": "avx512f" in flags,
            "amx": "amx_tile" in flags}


def host_level(host: dict) -> int:
    return AMX if host["amx"] else AVX512 if host["avx512f"] else AVX2 if host["avx2"] else SSE4


def kernel_probe() -> dict:
    """Run inside a kernel (ONEDNN_VERBOSE=1 MKL_VERBOSE=1): what each library picked, in its
    own words. Source code is sent to the kernel, so everything is imported here."""
    import ctypes
    import os
    import tempfile

    libc = ctypes.CDLL(None)

    def printed(work) -> list[str]:  # oneDNN and MKL print with C's printf: catch fd 1
        with tempfile.TemporaryFile(mode="w+") as f:
            libc.fflush(None)
            saved = os.dup(1)
            os.dup2(f.fileno(), 1)
            try:
                work()
            finally:
                libc.fflush(None)
                os.dup2(saved, 1)
                os.close(saved)
            f.seek(0)
            return [line.strip() for line in f if ",info,cpu," in line
                    or ",exec,cpu,convolution," in line or "architecture" in line]

    found: dict = {}
    try:
        import torch

        def torch_work():
            x, w = torch.randn(2, 16, 16, 16), torch.randn(16, 16, 3, 3)
            torch.ops.aten.mkldnn_convolution(x, w, None, [1, 1], [1, 1], [1, 1], 1)
            a = torch.randn(64, 64)
            a @ a  # MKL's SGEMM
        found["torch"] = {"version": torch.__version__, "threads": torch.get_num_threads(),
                          "aten": torch.backends.cpu.get_cpu_capability(),
                          "log": printed(torch_work)}
    except Exception as error:  # a library that is not there is reported, not guessed
        found["torch"] = {"error": repr(error)}
    try:
        import numpy as np
        import scipy.linalg
        import threadpoolctl

        np.ones((8, 8)) @ np.ones((8, 8))
        scipy.linalg.lu(np.eye(4))
        # Each wheel brings its own OpenBLAS, in numpy.libs/ and scipy.libs/.
        found["openblas"] = [{"library": os.path.basename(os.path.dirname(info["filepath"]))
                              .removesuffix(".libs"),
                              **{k: info.get(k) for k in ("architecture", "num_threads",
                                                          "version")}}
                             for info in threadpoolctl.threadpool_info()
                             if info.get("internal_api") == "openblas"]
    except Exception as error:
        found["openblas"] = [{"error": repr(error)}]
    try:
        import tensorflow as tf
        from tensorflow.python.util import _pywrap_util_port

        def tf_work():
            x, k = tf.random.normal((2, 16, 16, 16)), tf.random.normal((3, 3, 16, 16))
            tf.nn.conv2d(x, k, 1, "SAME")
            tf.matmul(tf.random.normal((64, 64)), tf.random.normal((64, 64)))
        found["tensorflow"] = {"version": tf.__version__,
                               "onednn_layers": bool(_pywrap_util_port.IsMklEnabled()),
                               "log": printed(tf_work)}
    except Exception as error:
        found["tensorflow"] = {"error": repr(error)}
    return found


def _onednn(log: list[str]) -> dict:
    isa = next((line.split("isa:", 1)[1] for line in log if ",isa:" in line), None)
    nthr = next((line.split("nthr:", 1)[1] for line in log if "nthr:" in line), None)
    conv = next((line.split(",")[6] for line in log if ",exec,cpu,convolution," in line), None)
    return {"isa": isa, "threads": nthr, "convolution": conv}


def _mkl(log: list[str]) -> str | None:
    banner = next((line for line in log if line.startswith("MKL_VERBOSE") and
                   "architecture" in line), None)
    if banner is None:
        return None
    text = banner.split("architecture", 1)[1]
    return text.split(" enabled processors", 1)[0].strip()


# MKL's banner on a processor it does not dispatch by instruction set (AMD, for one): it names
# no ISA, so MKL_ENABLE_INSTRUCTIONS cannot be read back there.
MKL_NO_ISA = "Intel(R) Architecture processors"


def _judge_mkl(log: list[str], env: dict) -> dict:
    seen = _mkl(log)
    if seen is not None and seen.startswith(MKL_NO_ISA):
        return {"seen": seen, "cap": env.get("MKL_ENABLE_INSTRUCTIONS"), "ok": None,
                "note": "not verified: MKL names no instruction set on this processor "
                        "(not an Intel CPU)"}
    return _judge(seen, isa_level(seen), "MKL_ENABLE_INSTRUCTIONS", env)


def _judge(seen: str | None, level: int | None, cap_variable: str, env: dict) -> dict:
    """One library: what it reported, its cap, and whether the cap is in force."""
    if seen is None:
        return {"seen": None, "cap": env.get(cap_variable), "ok": None,
                "note": "not verified: the library reported nothing"}
    cap = env.get(cap_variable)
    if cap is None:
        return {"seen": seen, "cap": None, "ok": None, "note": "not capped"}
    limit = CAP_LEVELS[cap_variable].get(cap)
    if level is None or limit is None:
        return {"seen": seen, "cap": cap, "ok": None, "note": "not verified: unknown level"}
    return {"seen": seen, "cap": cap, "ok": level <= limit,
            "note": "in force" if level <= limit else "NOT in force: above its cap"}


def verify(backend: str, probe: dict, threads: int | None = None) -> dict:
    """Each library's reported kernels against the back-end's caps (``ok``: True when the
    cap holds, False when it does not, None when there is no cap or nothing to read), and
    with ``threads`` the thread counts the libraries report."""
    env = BACKENDS[backend]
    torch = probe.get("torch", {})
    tf = probe.get("tensorflow", {})
    dnn, tf_dnn = _onednn(torch.get("log", [])), _onednn(tf.get("log", []))
    aten = torch.get("aten")
    checks = {
        "torch oneDNN": {**_judge(dnn["isa"], isa_level(dnn["isa"]), "ONEDNN_MAX_CPU_ISA", env),
                         "convolution": dnn["convolution"], "threads": dnn["threads"]},
        "ATen": _judge(aten, isa_level(aten), "ATEN_CPU_CAPABILITY", env),
        "MKL": _judge_mkl(torch.get("log", []), env),
        "TF oneDNN": {**_judge(tf_dnn["isa"], isa_level(tf_dnn["isa"]), "ONEDNN_MAX_CPU_ISA",
                               env), "convolution": tf_dnn["convolution"],
                      "threads": tf_dnn["threads"]},
    }
    if tf.get("onednn_layers") is False:
        # Eigen's layers call oneDNN's GEMM outside TensorFlow's thread pool; its "nthr" is
        # then the runtime's maximum (the core count), not the threads it runs on.
        checks["TF oneDNN"].update(threads=None, layers="off: GEMM only")
    for info in probe.get("openblas", []):
        arch = info.get("architecture")
        checks[f"OpenBLAS ({info.get('library', '?')})"] = {
            **_judge(arch, OPENBLAS_LEVELS.get(arch or ""), "OPENBLAS_CORETYPE", env),
            "threads": info.get("num_threads")}
    if "onednn_layers" in tf:
        wanted = env.get("TF_ENABLE_ONEDNN_OPTS") != "0"
        checks["TF oneDNN layers"] = {"seen": tf["onednn_layers"], "cap": None if wanted else
                                      "off", "ok": tf["onednn_layers"] == wanted,
                                      "note": "as set" if tf["onednn_layers"] == wanted
                                      else "NOT as set"}
    if threads is not None:
        checks["threads"] = _threads(checks, torch, threads)
    for name, key in (("torch", "torch"), ("TensorFlow", "tensorflow")):
        if "error" in probe.get(key, {}):
            checks[name] = {"seen": None, "ok": None,
                            "note": f"not verified: not loaded ({probe[key]['error']})"}
    return checks


def _threads(checks: dict, torch: dict, threads: int) -> dict:
    seen = {"torch": torch.get("threads")}
    seen.update({name: c.get("threads") for name, c in checks.items() if "threads" in c})
    known = {k: int(v) for k, v in seen.items() if v is not None}
    ok = all(v == threads for v in known.values()) if known else None
    return {"seen": ", ".join(f"{k} {v}" for k, v in known.items()) or None, "cap": threads,
            "ok": ok, "note": "as set" if ok else "not verified" if ok is None else "NOT as set"}


LEVEL_NAMES = {DEFAULT: "default", SSE4: "SSE4", AVX: "AVX", AVX2: "AVX2", AVX512: "AVX-512",
               AMX: "AMX"}


def summary(checks: dict) -> str:
    """One line per back-end for reports: each library's reported kernels and a verdict."""
    parts = []
    for name, c in checks.items():
        mark = {True: "✓", False: "✗ NOT IN FORCE", None: ""}[c.get("ok")]
        seen = c.get("seen")
        if seen is not None and name != "threads" and len(str(seen)) > 12:
            level = isa_level(str(seen))  # a long description: its level, then its start
            seen = re.sub(r"Intel(\(R\))? ", "", str(seen))
            seen = f"{LEVEL_NAMES.get(level, '?')} ({seen[:28].strip()}…)"
        elif seen is None:
            seen = c.get("note")
        parts.append(f"{name}: {seen}{(' ' + mark) if mark else ''}")
    return "; ".join(parts)


def failed(checks: dict) -> list[str]:
    """The libraries whose cap is not in force (an emulation that does not emulate)."""
    return [name for name, c in checks.items() if c.get("ok") is False]


def caps_command(backend: str) -> str:
    """``env VAR=value ...``: a prefix that runs a command on a back-end (the Makefile's
    ``CPU=`` option)."""
    return " ".join(["env", *(f"{k}={v}" for k, v in BACKENDS[backend].items())])


if __name__ == "__main__":  # python3 scripts/emulated_cpus.py avx2
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in BACKENDS:
        sys.exit(f"CPU={name}: use one of {', '.join(BACKENDS)}")
    print(caps_command(name))
