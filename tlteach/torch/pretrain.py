"""Train the course's source CNNs and write their weights and manifest.

    python -m tlteach.torch.pretrain                     # both models, into tlteach/weights/
    python -m tlteach.torch.pretrain --only cnn_mnist --epochs 1 --out /tmp/w   # a quick try

Each model is a ``tlteach.torch.small_cnn.SmallCNN`` trained from a fixed seed on the ``train`` part
of ``tlteach.data.split(X, y, seed=0)`` of its source task; its accuracy on that split's
``test`` part is recorded in ``manifest.json`` with the file's SHA-256. Notebooks that use
these models as sources draw their target data from the ``test`` part, which the models
never saw.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

SOURCES = {"cnn_mnist": "mnist", "cnn_animals": "animals"}
AUGMENT = {"cnn_mnist": False, "cnn_animals": True}  # flipped digits are other symbols
WIDTH, INPUT_SIZE, SEED = 32, 28, 0


def source_split(source: str):
    """The fixed split of a source task that the shipped models were trained on."""
    from tlteach import data

    X, y, names = data.load(source)
    return data.split(X, y, val=0.1, test=0.2, seed=0), names


def train_one(name: str, epochs: int, limit: int | None = None) -> tuple[object, dict]:
    """Train one source CNN; returns ``(model, manifest entry)``."""
    import torch

    from tlteach import data, seed_everything
    from tlteach.torch import evaluate, fit
    from tlteach.torch.small_cnn import SmallCNN, small_cnn_preprocess

    split, names = source_split(SOURCES[name])
    X_train, y_train = split.X_train[:limit], split.y_train[:limit]
    seed_everything(SEED)
    model = SmallCNN(num_classes=len(names), width=WIDTH)
    train = data.to_torch_loader(X_train, y_train, batch_size=64, shuffle=True,
                                 augment=AUGMENT[name], seed=SEED)
    test = data.to_torch_loader(split.X_test, split.y_test, batch_size=256)
    net = torch.nn.Sequential(small_cnn_preprocess(), model)  # as load_backbone will use it
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    history = fit(net, train, epochs=epochs, optimizer=optimizer, progress=False)
    entry = {"source": SOURCES[name], "classes": names, "width": WIDTH,
             "input_size": INPUT_SIZE, "seed": SEED, "epochs": epochs,
             "train_images": len(y_train), "train_accuracy": round(history["accuracy"][-1], 4),
             "test_accuracy": round(evaluate(net, test)["accuracy"], 4)}  # fmt: skip
    return model, entry


def save(model, entry: dict, name: str, out: Path) -> dict:
    """Write ``<name>.pt`` (a plain state dict) and add its SHA-256 to the entry."""
    import torch

    from tlteach.cache import atomic_write, sha256_file

    path = atomic_write(out / f"{name}.pt", lambda tmp: torch.save(model.state_dict(), tmp))
    return {**entry, "file": path.name, "sha256": sha256_file(path)}


def main(argv: list[str] | None = None) -> dict:
    """Command-line entry point; returns the manifest written."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=list(SOURCES), action="append")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--limit", type=int, default=None, help="use only N training images")
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "weights")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest_path = args.out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for name in args.only or list(SOURCES):
        model, entry = train_one(name, args.epochs, args.limit)
        manifest[name] = save(model, entry, name, args.out)
        print(f"{name}: test accuracy {entry['test_accuracy']:.4f} on {entry['source']}")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


if __name__ == "__main__":
    main()
