"""Measure the course's speed claims and write ``benchmarks/results.md`` (``make bench``).

1. Frozen-backbone head training: cached features vs the classic per-epoch backbone pass,
   same head, optimizer, epochs and seed, so the accuracies match and only time differs.
2. Feature extraction throughput: ``extract_features`` vs a bare forward pass of the body.
3. The course's accuracies beside published anchors (different data and budgets).
4. What a model costs (notebook 13's table): parameters, file size, FLOPs, milliseconds per
   image at batch 1 and 32, and accuracy, for the frozen Lite0 with a head, a small CNN
   trained on the same labels, and that CNN in static int8.
5. The notebooks' wall times and peak memory, as ``make notebooks`` measured them.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tlteach import data, seed_everything
from tlteach.torch import evaluate, fit, freeze, tensor_loader
from tlteach.torch.backbones import extract_features, load_backbone, to_tensor
from tlteach.torch.cost import (
    file_megabytes,
    flops_per_image,
    milliseconds_per_image,
    parameter_count,
)
from tlteach.torch.small_cnn import SmallCNN, small_cnn_preprocess
from tlteach.torch.strategies import load_target, run_strategies

OUT = Path(__file__).with_name("results.md")
SIZE, EPOCHS, SHOTS, SEED = 96, 10, 50, 0


def target_data():
    """500 training silhouettes (50 per class) and 1,000 test silhouettes."""
    X, y, _ = data.load("animals")
    split = data.split(X, y, val=0.1, test=0.2, seed=SEED)
    X_train, y_train = data.few_shot(split.X_train, split.y_train, k=SHOTS, seed=SEED)
    return X_train, y_train, split.X_test[:1000], split.y_test[:1000]


def train_head(head: nn.Module, train, test) -> tuple[float, float]:
    """Train ``head`` for EPOCHS with AdamW; returns (seconds, test accuracy)."""
    start = time.perf_counter()
    fit(head, train, epochs=EPOCHS, lr=1e-3, progress=False)
    return time.perf_counter() - start, evaluate(head, test)["accuracy"]


def per_epoch_pass(backbone, X_train, y_train, X_test, y_test) -> tuple[float, float]:
    """The classic way: images go through the frozen body in every epoch."""
    seed_everything(SEED)
    head = nn.Linear(backbone.num_features, 10)
    model = nn.Sequential(backbone.preprocess, freeze(backbone.body), head)
    train = data.to_torch_loader(X_train, y_train, size=SIZE, batch_size=32, shuffle=True,
                                 seed=SEED)
    test = data.to_torch_loader(X_test, y_test, size=SIZE, batch_size=128)
    return train_head(model, train, test)


def cached_features(backbone, X_train, y_train, X_test, y_test) -> tuple[float, float]:
    """The course's way: one pass to extract (and cache) features, then train on them."""
    seed_everything(SEED)
    head = nn.Linear(backbone.num_features, 10)
    start = time.perf_counter()
    F_train = extract_features(backbone, X_train, size=SIZE)
    F_test = extract_features(backbone, X_test, size=SIZE)
    extract = time.perf_counter() - start
    train = tensor_loader(F_train, y_train, batch_size=32, shuffle=True, seed=SEED)
    test = tensor_loader(F_test, y_test, batch_size=256)
    seconds, accuracy = train_head(head, train, test)
    return extract + seconds, accuracy


def throughput(backbone, X: np.ndarray, batch_size: int = 32) -> tuple[float, float]:
    """Images/s of extract_features (uint8 in, features out) and of the bare body on ready
    tensors, same batch size, after a warm-up batch."""
    x = backbone.preprocess(to_tensor(X, SIZE))
    with torch.inference_mode():
        backbone.body(x[:batch_size])  # warm-up
        start = time.perf_counter()
        for i in range(0, len(X), batch_size):
            backbone.body(x[i : i + batch_size])
        bare = len(X) / (time.perf_counter() - start)
    start = time.perf_counter()
    extract_features(backbone, X, size=SIZE, batch_size=batch_size, cache=False)
    pipeline = len(X) / (time.perf_counter() - start)
    return pipeline, bare


def int8_static(model: nn.Module, calibration: torch.Tensor) -> nn.Module:
    """Post-training static int8 (``torch.ao`` FX: trace, observe, convert), as notebook 13."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notes
        qconfig = get_default_qconfig_mapping(torch.backends.quantized.engine)
        prepared = prepare_fx(copy.deepcopy(model).eval(), qconfig,
                              example_inputs=(calibration[:1],))
        with torch.no_grad():
            for batch in calibration.split(64):
                prepared(batch)
        return convert_fx(prepared)


def model_costs(backbone, X_train, y_train, X_test, y_test) -> str:
    """Notebook 13's cost table on the bench's data: the frozen Lite0 with a trained head
    (96 px), the course's small CNN trained on the same labels (28 px), and its int8 copy."""
    seed_everything(SEED)
    head = nn.Linear(backbone.num_features, 10)
    fit(head, tensor_loader(extract_features(backbone, X_train, size=SIZE), y_train,
                            shuffle=True, seed=SEED), epochs=EPOCHS, progress=False)
    lite0 = nn.Sequential(backbone.preprocess, backbone.body, head).eval()
    preprocess = small_cnn_preprocess()
    S_train, S_test = (preprocess(to_tensor(X, 28)) for X in (X_train, X_test))
    seed_everything(SEED)
    cnn = SmallCNN(10)
    fit(cnn, tensor_loader(S_train, y_train, shuffle=True, seed=SEED), epochs=30, lr=3e-3,
        progress=False)
    cnn.eval()
    cnn_int8 = int8_static(cnn, S_train)
    lite0_test = data.to_torch_loader(X_test, y_test, size=SIZE, batch_size=128)
    cnn_test = tensor_loader(S_test, y_test, batch_size=250)
    lite0_batch, cnn_batch = next(iter(lite0_test))[0][:32], S_test[:32]
    models = [(f"EfficientNet-Lite0, frozen + head ({SIZE} px)", lite0, lite0_batch,
               evaluate(lite0, lite0_test)["accuracy"]),
              ("small CNN, trained on the labels (28 px)", cnn, cnn_batch,
               evaluate(cnn, cnn_test)["accuracy"]),
              ("the small CNN in static int8", cnn_int8, cnn_batch,
               evaluate(cnn_int8, cnn_test)["accuracy"])]
    rows = []
    for name, model, batch, accuracy in models:
        floats = parameter_count(model) > 0  # int8 layers hold no float parameters
        rows.append(f"| {name} | "
                    + (f"{parameter_count(model):,} | " if floats else "int8 | ")
                    + f"{file_megabytes(model):.3f} | "
                    + (f"{flops_per_image(model, batch) / 1e6:.1f} | " if floats else "int8 | ")
                    + f"{milliseconds_per_image(model, batch[:1], repeats=20):.2f} | "
                    + f"{milliseconds_per_image(model, batch, repeats=10):.3f} | "
                    + f"{accuracy:.3f} |")
    return ("Parameters, `torch.save(state_dict)` size, FLOPs per image "
            "(`torch.utils.flop_counter`), milliseconds per image (median of repeated passes "
            f"after a warm-up, {torch.get_num_threads()} threads) and test accuracy; "
            f"{len(y_train)} training labels, {len(y_test)} test images, seed {SEED}. "
            "Notebook 13 adds distillation from unlabelled images.\n\n"
            "| model | parameters | file (MB) | MFLOPs per image | ms per image, batch 1 | "
            "ms per image, batch 32 | test accuracy |\n|---|---|---|---|---|---|---|\n"
            + "\n".join(rows) + "\n")


def dann_anchor() -> str:
    """Source only -> DANN on MNIST -> MNIST-M as notebook 05 runs it (seed SEED)."""
    from tlteach.torch.da import accuracy, digit_domains, source_then_dann

    domains = digit_domains("mnist_m")
    source, dann = source_then_dann(domains, seed=SEED)
    before, after = (accuracy(*m, domains.X_test, domains.y_test) for m in (source, dann))
    return (f"{before:.1%} → {after:.1%} (4,000 source digits, 1,000 held-out MNIST-M "
            "test digits, notebook 05's budget)")


def anchors(backbone) -> str:
    """Cats vs dogs as in the TensorFlow tutorial: frozen base + new head, then fine-tuned."""
    target = load_target("cats_vs_dogs", test_per_class=200)
    shots = 500
    result = run_strategies(backbone, target, shots, seed=SEED,
                            strategies=("frozen", "fine-tune all"))
    frozen, tuned = (result[s]["accuracy"] for s in ("frozen", "fine-tune all"))
    tutorial = "TensorFlow tutorial \"Transfer learning and fine-tuning\""
    rows = "\n".join("| " + " | ".join(row) + " |" for row in [
        ("cats vs dogs, frozen ImageNet base + new head",
         f"~96%: MobileNetV2 at 160 px on 2,000 colour photos ({tutorial})", f"{frozen:.1%}"),
        ("the same, then fine-tuned with a small learning rate", "~98% (same tutorial)",
         f"{tuned:.1%}"),
        ("MNIST → MNIST-M, source only → DANN", "52.25% → 76.66% (Ganin et al., JMLR 2016; "
         "60,000 source images, far longer training)", dann_anchor()),
    ])
    return f"""Published numbers come from other data and budgets; they show the scale a reader
may expect, not a like-for-like comparison. Course numbers:
`tlteach.torch.strategies.run_strategies`, EfficientNet-Lite0 (ImageNet) at 64 px on animal
silhouettes, {2 * shots} training images
({shots} per class), {len(target.y_test)} test images, seed {SEED}.

| setting | published | this course, measured here |
|---|---|---|
{rows}
"""


IMPORTS = {"python": "pass", "import torch": "import torch",
           "import tensorflow": "import tensorflow",
           "import torch, torchvision, tensorflow": "import torch, torchvision, tensorflow"}


def import_baselines() -> dict[str, float]:
    """Peak resident memory (MiB) of a fresh Python process after each import alone."""
    import subprocess
    import sys

    # VmHWM (Linux), not ru_maxrss: ru_maxrss survives exec and would report this process's.
    code = ("{}\nimport re; print(re.search(r'VmHWM:\\s+(\\d+)', "
            "open('/proc/self/status').read()).group(1))")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return {name: int(subprocess.run([sys.executable, "-c", code.format(statement)], env=env,
                                     capture_output=True, text=True, check=True)
                      .stdout.split()[-1]) / 1024
            for name, statement in IMPORTS.items()}


def notebook_table() -> str:
    """Per-notebook wall times and peak memory from ``make notebooks`` (notebook_times.json)."""
    path = Path(__file__).with_name("notebook_times.json")
    if not path.exists():
        return "Run `make notebooks` to measure them.\n"
    record = json.loads(path.read_text())
    peaks = record.get("peak_mib", {})
    rows = "\n".join(
        f"| {name} | {seconds:.0f} s | "
        f"{f'{peaks[name] / 1024:.2f} GiB' if name in peaks else 'not measured'} |"
        for name, seconds in record["seconds"].items())
    baselines = "\n".join(f"| `{name}` | {mib / 1024:.2f} GiB |"
                          for name, mib in import_baselines().items())
    return (f"Measured by `make notebooks` ({record['machine']}), each notebook executed alone "
            "with an empty cache; peak memory is the kernel's peak resident memory, with "
            f"torch {torch.__version__} (PyPI's wheel; Binder installs the CPU-only wheel, "
            "which needs less). `make test` reports each kernel's peak and fails a notebook "
            "over 1.5 GiB (`--memory-budget 1536`).\n\n"
            f"| notebook | wall time | peak memory |\n|---|---|---|\n{rows}\n\n"
            "For scale, the peak memory of a fresh Python process after its imports alone:\n\n"
            f"| process | peak memory |\n|---|---|\n{baselines}\n")


def main() -> None:
    os.environ["TLTEACH_CACHE"] = tempfile.mkdtemp(prefix="tlteach-bench-")  # cold cache
    backbone = load_backbone("efficientnet_lite0")
    X_train, y_train, X_test, y_test = target_data()
    slow_s, slow_acc = per_epoch_pass(backbone, X_train, y_train, X_test, y_test)
    fast_s, fast_acc = cached_features(backbone, X_train, y_train, X_test, y_test)
    pipeline, bare = throughput(backbone, X_test)
    published = anchors(backbone)
    costs = model_costs(backbone, X_train, y_train, X_test, y_test)
    gap = abs(slow_acc - fast_acc)
    machine = (f"{platform.machine()}, {os.cpu_count()} CPU cores, torch "
               f"{torch.__version__} with {torch.get_num_threads()} threads, no GPU")
    OUT.write_text(f"""# Benchmarks

Written by `make bench` ({machine}). Frozen EfficientNet-Lite0 at {SIZE} px, animal
silhouettes: {len(y_train)} training images ({SHOTS} per class), {len(y_test)} test images.

## Frozen backbone: cached features vs a backbone pass every epoch

Same linear head, AdamW (lr 1e-3), {EPOCHS} epochs, batch 32, seed {SEED}.

| way | wall time | test accuracy |
|---|---|---|
| backbone pass every epoch (classic) | {slow_s:.1f} s | {slow_acc:.3f} |
| features extracted once, then cached (tlteach) | {fast_s:.1f} s | {fast_acc:.3f} |

**Speed ratio: {slow_s / fast_s:.1f}x** at equal accuracy (difference {gap:.3f}).
A second run reads the features from the cache and skips the extraction too.

## Feature extraction throughput

| what | images/s |
|---|---|
| `extract_features` (uint8 images in, resize, preprocess, body, features out) | {pipeline:.0f} |
| bare forward pass of the body on ready tensors (same batch size, 32) | {bare:.0f} |

The pipeline runs at **{pipeline / bare:.0%}** of the model's own speed.

## Accuracy beside published anchors

{published}
## What a model costs

{costs}
## Notebooks

{notebook_table()}""")
    print(OUT.read_text())


if __name__ == "__main__":
    main()
