import subprocess
import sys

import numpy as np
import pytest
import torch
from skimage import data as skdata

from tlteach.backbones import WeightsUnavailableError, to_tensor
from tlteach.backbones import load_backbone as load_torch_backbone
from tlteach.data.transforms import center_crop_batch


@pytest.fixture(scope="module")
def tk():
    from tlteach import keras as tk

    return tk


def test_keras_logits_match_pytorch_on_real_photos(tk):
    images = center_crop_batch([skdata.chelsea(), skdata.coffee(), skdata.astronaut()], 224)
    torch_backbone = load_torch_backbone("efficientnet_lite0")
    with torch.no_grad():
        x = torch_backbone.preprocess(to_tensor(images))
        expected = torch_backbone.head(torch_backbone.body(x)).numpy()
    keras_backbone = tk.load_backbone("efficientnet_lite0", input_shape=(224, 224, 3))
    features = keras_backbone.body(tk.preprocess("efficientnet_lite0", images.astype("float32")),
                                   training=False)
    logits = np.asarray(keras_backbone.head(features))
    assert np.abs(logits - expected).max() < 1e-4


def test_keras_chelsea_is_a_cat(tk, no_network):
    backbone = tk.load_backbone("efficientnet_lite0", input_shape=(224, 224, 3))
    top = tk.predict_imagenet(backbone, [skdata.chelsea()], top=5)[0]
    assert top[0][0] in {"tabby", "tiger cat", "Egyptian cat"}


def test_keras_feature_maps_and_features(tk):
    maps = tk.load_backbone("efficientnet_lite0", input_shape=(64, 64, 3), pooling=None)
    assert maps.body.output_shape == (None, 2, 2, 1280)
    X = np.random.default_rng(0).integers(0, 255, (5, 28, 28), dtype=np.uint8)
    vectors = tk.load_backbone("efficientnet_lite0", input_shape=(64, 64, 3))
    assert tk.extract_features(vectors, X).shape == (5, 1280)


def test_keras_applications_offline_say_what_to_do(tk, no_network, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(WeightsUnavailableError, match=r"internet.*efficientnet_lite0"):
        tk.load_backbone("mobilenet_v2", input_shape=(96, 96, 3))


def test_keras_preprocess_scalings(tk):
    x = np.array([[[[0.0, 127.0, 255.0]]]], dtype="float32")
    assert np.allclose(tk.preprocess("efficientnet_lite0", x), (x - 127) / 128)
    assert np.allclose(tk.preprocess("mobilenet_v2", x), x / 127.5 - 1)
    with pytest.raises(KeyError):
        tk.preprocess("alexnet", x)


def test_keras_side_never_imports_torchvision(course_cache):
    # Importing torchvision after TensorFlow crashes the process: the Keras side must not.
    code = ("import tensorflow, sys\n"
            "from tlteach import keras as tk\n"
            "b = tk.load_backbone('efficientnet_lite0', input_shape=(32, 32, 3))\n"
            "assert 'torchvision' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_loading_pretrained_weights_draws_no_random_numbers(tk, tmp_path, monkeypatch):
    """A seeded notebook gives the same numbers on a first run (empty cache) and later."""
    import keras

    import tlteach

    def next_draw(cache_dir):
        monkeypatch.setenv("TLTEACH_CACHE", str(cache_dir))
        tlteach.seed_everything(0)
        tk.load_backbone("efficientnet_lite0", input_shape=(32, 32, 3))
        return keras.random.uniform((3,)).numpy()

    first = next_draw(tmp_path)  # converts the weights
    assert np.array_equal(next_draw(tmp_path), first)  # reads them from the cache
    tlteach.seed_everything(0)
    assert np.array_equal(keras.random.uniform((3,)).numpy(), first)
