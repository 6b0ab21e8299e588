import random
import subprocess
import sys
import weakref

import numpy as np
import pytest
import torch

import tlteach
import tlteach.memory


def test_seed_everything_repeats_python_numpy_and_torch():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    tlteach.seed_everything(7)
    first = draw()
    tlteach.seed_everything(7)
    assert draw() == first
    tlteach.seed_everything(8)
    assert draw() != first


def test_import_has_no_side_effects():
    code = (
        "import sys, random, numpy as np\n"
        "np.random.seed(3); random.seed(3); before = (np.random.rand(), random.random())\n"
        "np.random.seed(3); random.seed(3)\n"
        "import tlteach, tlteach.data, tlteach.cache\n"
        "after = (np.random.rand(), random.random())\n"
        "assert before == after, 'importing tlteach changed a random state'\n"
        "heavy = [m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "tlteach.seed_everything(0)\n"
        "assert 'tensorflow' not in sys.modules and 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_device_is_cpu_here_and_can_be_forced(monkeypatch):
    monkeypatch.delenv("TLTEACH_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert tlteach.device() in (expected, "mps")
    monkeypatch.setenv("TLTEACH_DEVICE", "cpu")
    assert tlteach.device() == "cpu"


def test_in_colab(monkeypatch):
    assert tlteach.in_colab() is False
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert tlteach.in_colab() is True


def test_report_install_says_what_was_kept_and_what_was_replaced(monkeypatch, capsys):
    from tlteach import runtime

    now = {"torch": "2.9.0", "torchvision": "0.25.0", "tensorflow": "2.20.0"}
    monkeypatch.setattr(runtime, "installed_versions", lambda names: {n: now[n] for n in names})
    kept = runtime.report_install({"torch": "2.9.0", "tensorflow": "2.20.0"})
    assert kept == "kept torch 2.9.0\nkept tensorflow 2.20.0" and "Restart" not in kept
    replaced = runtime.report_install({"torch": "2.9.0", "torchvision": "0.24.0",
                                       "tensorflow": None})
    assert "replaced torchvision 0.24.0 with 0.25.0" in replaced
    assert "installed tensorflow 2.20.0" in replaced and "Restart the session" in replaced
    assert capsys.readouterr().out.count("kept torch 2.9.0") == 2


def test_installed_versions_reads_the_installed_packages():
    from importlib.metadata import version

    from tlteach.runtime import installed_versions

    found = installed_versions(("torch", "no-such-package-tlteach"))
    assert found == {"torch": version("torch"), "no-such-package-tlteach": None}


_HELD_AFTER_FREE = """
import sys
import numpy as np
import psutil
import tlteach.memory

np.ones(1 << 21)  # a freed 16 MiB block: glibc raises its mmap threshold past 4 MiB
if sys.argv[1] == "before":
    assert tlteach.memory.return_freed_memory() is True
rss = psutil.Process().memory_info().rss
blocks, pins = [], []
for _ in range(40):  # 160 MiB of 4 MiB blocks, each followed by a small block that stays
    blocks.append(np.ones(1 << 19))
    pins.append(np.ones(1024))
del blocks
if sys.argv[1] == "after":
    assert tlteach.memory.return_freed_memory() is True
if sys.argv[1] == "trim":
    assert tlteach.memory.trim_memory() is True
print((psutil.Process().memory_info().rss - rss) / 2**20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator: Linux")
def test_return_freed_memory_gives_large_blocks_back():
    def held(mode: str) -> float:
        out = subprocess.run([sys.executable, "-c", _HELD_AFTER_FREE, mode], check=True,
                             capture_output=True, text=True).stdout
        return float(out.split()[-1])

    assert held("off") > 100  # glibc keeps the freed 4 MiB blocks...
    assert held("after") < 20  # ...unless told to give them back (malloc_trim)...
    assert held("trim") < 20  # (trim_memory alone does that part)
    assert held("before") < 20  # ...or told beforehand to return them when freed (mallopt)


def test_return_freed_memory_collects_garbage_first():
    class Node:
        pass

    node = Node()
    node.itself = node  # a reference cycle: only the garbage collector frees it
    ref = weakref.ref(node)
    del node
    tlteach.memory.return_freed_memory()
    assert ref() is None


_TRACED_GRAPHS = """
import gc
import sys

import keras
import numpy as np
from tensorflow.python.framework.func_graph import FuncGraph

from tlteach.memory import free_traced_graphs


def graphs() -> int:
    gc.collect()
    return sum(isinstance(o, FuncGraph) for o in gc.get_objects())


def trained(X, y) -> keras.Model:
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(X, y, batch_size=8, epochs=1, verbose=0)
    return model


X = np.random.default_rng(0).random((40, 8)).astype("float32")
y = np.arange(40) % 3
kept = trained(X, y)
alone = graphs()  # the graphs of the model in use
gone = trained(X, y)
del gone
held = graphs()
removed = free_traced_graphs() if sys.argv[1] == "free" else 0
after = graphs()
weights = kept.get_weights()
kept.fit(X, y, batch_size=8, epochs=1, verbose=0)  # the model in use trains on
moved = any((a != b).any() for a, b in zip(weights, kept.get_weights(), strict=True))
print(alone, held, after, removed, moved)
"""


@pytest.mark.slow
def test_free_traced_graphs_frees_the_training_steps_of_deleted_models():
    def counts(mode: str) -> list[str]:
        out = subprocess.run([sys.executable, "-c", _TRACED_GRAPHS, mode], check=True,
                             capture_output=True, text=True).stdout
        return out.split()[-5:]

    alone, held, after, removed, moved = counts("keep")
    assert int(held) > int(alone) and after == held  # TensorFlow keeps the deleted model's
    alone, held, after, removed, moved = counts("free")
    assert int(removed) >= 1 and int(after) <= int(alone)  # ...until they are released
    assert moved == "True"  # and the model still in use trains as before


def test_free_traced_graphs_imports_no_tensorflow():
    code = ("import sys\nfrom tlteach.memory import free_traced_graphs\n"
            "assert free_traced_graphs() == 0 and 'tensorflow' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_keras_notebooks_reach_the_memory_workarounds_through_runtime():
    # notebooks call tlteach.runtime.return_freed_memory(), and the Keras ones
    # tlteach.runtime.free_traced_graphs(), after `import tlteach`
    for name in ("free_traced_graphs", "return_freed_memory", "trim_memory"):
        assert getattr(tlteach.runtime, name) is getattr(tlteach.memory, name)


def test_sub_seeds_are_repeatable_distinct_and_not_shared_with_the_next_seed():
    from tlteach.runtime import sub_seeds

    assert sub_seeds(0, 3) == sub_seeds(0, 3)
    assert sub_seeds(0, 5)[:3] == sub_seeds(0, 3)  # asking for more keeps the first ones
    neighbours = set(sub_seeds(0, 5)) | set(sub_seeds(1, 5))
    assert len(neighbours) == 10  # seed + 1 would share 4 of 5 with the next seed
    assert sub_seeds(0, 0) == []
    assert all(0 <= s < 2**32 for s in sub_seeds(7, 4))
    with pytest.raises(ValueError, match="how many seeds"):
        sub_seeds(0, -1)
