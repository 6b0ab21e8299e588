import json

import numpy as np
import pytest
import torch
from skimage import data as skdata

from tlteach import data
from tlteach.backbones import (
    COURSE_CNNS,
    WeightsUnavailableError,
    extract_features,
    imagenet_classes,
    load_backbone,
    predict_imagenet,
)
from tlteach.cache import HashMismatchError
from tlteach.checkpoints import course_cnn_manifest

CAT_CLASSES = {"tabby", "tiger cat", "Egyptian cat"}


@pytest.fixture(scope="module")
def lite0():
    return load_backbone("efficientnet_lite0")


def test_chelsea_is_a_cat_offline(lite0, no_network):
    top = predict_imagenet(lite0, [skdata.chelsea()], top=5)[0]
    assert len(top) == 5 and top[0][0] in CAT_CLASSES
    assert sum(p for name, p in top if name in CAT_CLASSES) > 0.8
    coffee = predict_imagenet(lite0, [skdata.coffee()], top=1)[0][0]
    assert coffee[0] == "espresso" and coffee[1] > 0.9


def test_imagenet_classes_match_torchvision():
    from torchvision.models import ResNet18_Weights

    assert imagenet_classes() == ResNet18_Weights.IMAGENET1K_V1.meta["categories"]


def test_backbone_parts(lite0):
    assert lite0.num_features == 1280 and len(lite0.classes) == 1000
    x = lite0.preprocess(torch.rand(2, 3, 64, 64))
    assert tuple(lite0.body(x).shape) == (2, 1280)


def test_torchvision_weights_offline_say_what_to_do(no_network, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(WeightsUnavailableError, match=r"internet.*efficientnet_lite0"):
        load_backbone("resnet18")


@pytest.mark.parametrize("name,features", [("resnet18", 512), ("mobilenet_v3_small", 576)])
def test_torchvision_bodies_without_weights(name, features):
    backbone = load_backbone(name, pretrained=False)
    assert backbone.num_features == features
    assert tuple(backbone.body(torch.rand(2, 3, 64, 64)).shape) == (2, features)
    with pytest.raises(KeyError, match="Available"):
        load_backbone("alexnet")


@pytest.mark.parametrize("name", ["efficientnet_lite0", "cnn_mnist"])
def test_pooling_and_input_shape_as_in_keras(name):
    avg = load_backbone(name)  # the same weights in every load: outputs comparable
    x = torch.rand(2, 3, 32, 32)
    assert tuple(avg.body(x).shape) == (2, avg.num_features) and avg.pooling == "avg"
    maps = load_backbone(name, input_shape=(32, 32, 3), pooling=None)
    assert maps.input_size == 32 and maps.body(x).shape[:2] == (2, avg.num_features)
    assert maps.body(x).ndim == 4
    top = load_backbone(name, pooling="max")
    with torch.no_grad():
        assert torch.allclose(top.body(x), maps.body(x).amax(dim=(2, 3)))
        assert torch.allclose(avg.body(x), maps.body(x).mean(dim=(2, 3)), atol=1e-6)
    with pytest.raises(ValueError, match="pooling must be"):
        load_backbone(name, pooling="mean")
    with pytest.raises(ValueError, match=r"\(size, size, 3\)"):
        load_backbone(name, input_shape=(32, 32))


def test_the_imagenet_head_needs_average_pooling():
    maps = load_backbone("efficientnet_lite0", pooling=None)
    with pytest.raises(ValueError, match="pooling='avg'"):
        predict_imagenet(maps, [skdata.chelsea()])


def test_same_name_same_feature_size_in_both_frameworks():
    from tlteach import keras as tk

    for name in ("efficientnet_lite0", "vgg16"):
        torch_side = load_backbone(name, pretrained=False)
        keras_side = tk.load_backbone(name, input_shape=(32, 32, 3), pretrained=False)
        assert torch_side.num_features == keras_side.num_features
        assert tuple(torch_side.body(torch.rand(1, 3, 32, 32)).shape) == (
            1, torch_side.num_features)
        assert keras_side.body.output_shape == (None, keras_side.num_features)


def test_extract_features_cached_and_keyed_by_weights(lite0, course_cache):
    X, _, _ = data.load("animals")
    first = extract_features(lite0, X[:40], size=64)
    assert first.shape == (40, 1280) and first.dtype == np.float32
    assert len(list((course_cache / "features").glob("*.npy"))) >= 1
    assert np.array_equal(extract_features(lite0, X[:40], size=64), first)
    assert np.allclose(extract_features(lite0, X[:40], size=64, cache=False), first, atol=1e-5)
    other = load_backbone("efficientnet_lite0", pretrained=False)
    assert not np.allclose(extract_features(other, X[:40], size=64), first)
    maps = load_backbone("efficientnet_lite0", pooling=None)  # the same weights: not served
    assert extract_features(maps, X[:40], size=64).shape == (40, 1280, 2, 2)


def test_course_cnns_reach_their_documented_source_accuracy():
    from tlteach.pretrain import source_split
    from tlteach.torch import evaluate

    manifest = course_cnn_manifest()
    assert set(manifest) == set(COURSE_CNNS)
    for name, entry in manifest.items():
        backbone = load_backbone(name)
        split, _ = source_split(entry["source"])
        model = torch.nn.Sequential(backbone.preprocess, backbone.body, backbone.head)
        test = data.to_torch_loader(split.X_test, split.y_test, batch_size=500)
        accuracy = evaluate(model, test)["accuracy"]
        assert accuracy == pytest.approx(entry["test_accuracy"], abs=2e-3), name
        assert accuracy > 0.8, name


def test_course_cnn_with_wrong_hash_is_refused(tmp_path, monkeypatch):
    import tlteach.backbones as backbones

    manifest = course_cnn_manifest()
    manifest["cnn_mnist"]["sha256"] = "0" * 64
    monkeypatch.setattr(backbones, "course_cnn_manifest", lambda: manifest)
    with pytest.raises(HashMismatchError, match="cnn_mnist.pt"):
        load_backbone("cnn_mnist")


def test_pretrain_script_runs_briefly(tmp_path):
    from tlteach import pretrain

    manifest = pretrain.main(["--only", "cnn_mnist", "--epochs", "1", "--limit", "300",
                              "--out", str(tmp_path)])
    entry = manifest["cnn_mnist"]
    assert (tmp_path / entry["file"]).is_file()
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    state = torch.load(tmp_path / entry["file"], weights_only=True)
    assert "head.weight" in state and entry["train_images"] == 300


def test_frozen_features_beat_raw_pixels_on_500_silhouettes(lite0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _ = data.load("animals")
    split = data.split(X, y, val=0.1, test=0.1, seed=0)
    X_train, y_train = data.few_shot(split.X_train, split.y_train, k=50, seed=0)
    X_test, y_test = split.X_test[:600], split.y_test[:600]

    def probe(train, test, c):
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
        return clf.fit(train, y_train).score(test, y_test)

    pixels = probe(X_train.reshape(500, -1) / 255, X_test.reshape(600, -1) / 255, c=0.01)
    features = probe(extract_features(lite0, X_train), extract_features(lite0, X_test), c=0.1)
    assert features - pixels >= 0.15, (features, pixels)
