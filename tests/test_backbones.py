import json

import numpy as np
import pytest
import torch
from skimage import data as skdata

from tlteach import data, sub_seeds
from tlteach.cache import HashMismatchError
from tlteach.checkpoints import course_cnn_manifest
from tlteach.claims import check, seeds
from tlteach.torch.backbones import (
    COURSE_CNNS,
    IMAGENET_MEAN,
    IMAGENET_STD,
    WeightsUnavailableError,
    extract_features,
    imagenet_classes,
    load_backbone,
    predict_imagenet,
)

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
    from tlteach.torch import evaluate
    from tlteach.torch.pretrain import source_split

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
    import tlteach.torch.backbones as backbones

    manifest = course_cnn_manifest()
    manifest["cnn_mnist"]["sha256"] = "0" * 64
    monkeypatch.setattr(backbones, "course_cnn_manifest", lambda: manifest)
    with pytest.raises(HashMismatchError, match="cnn_mnist.pt"):
        load_backbone("cnn_mnist")


def test_pretrain_script_runs_briefly(tmp_path):
    from tlteach.torch import pretrain

    manifest = pretrain.main(["--only", "cnn_mnist", "--epochs", "1", "--limit", "300",
                              "--out", str(tmp_path)])
    entry = manifest["cnn_mnist"]
    assert (tmp_path / entry["file"]).is_file()
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    state = torch.load(tmp_path / entry["file"], weights_only=True)
    assert "head.weight" in state and entry["train_images"] == 300


@pytest.mark.lesson
@pytest.mark.parametrize("seed", seeds(default=(0,)))
def test_frozen_features_beat_raw_pixels_on_500_silhouettes(lite0, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _ = data.load("animals")  # the split and the draws follow the seed
    split = data.split(X, y, val=0.1, test=0.1, seed=seed)
    X_test, y_test = split.X_test[:600], split.y_test[:600]

    def probe(train, labels, test, c):
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
        return clf.fit(train, labels).score(test, y_test)

    # One draw's gain moves by about 2 points (sd), so the lesson reads the mean over four
    # draws of 50 images per class, as notebook 01 does.
    test_features, gains = extract_features(lite0, X_test), []
    for draw in sub_seeds(seed, 4):
        X_train, y_train = data.few_shot(split.X_train, split.y_train, k=50, seed=draw)
        pixels = probe(X_train.reshape(500, -1) / 255, y_train, X_test.reshape(600, -1) / 255,
                       c=0.01)
        features = probe(extract_features(lite0, X_train), y_train, test_features, c=0.1)
        gains.append(features - pixels)
    check("animals, 50/class: frozen Lite0 features beat raw pixels (linear probes), mean "
          "over 4 draws", float(np.mean(gains)), at_least=0.15)


def tutorial_train_model(model, dataloaders, criterion, optimizer, scheduler, num_epochs):
    """The PyTorch transfer-learning tutorial's ``train_model``, without its prints: train and
    validate each epoch, keep the weights of the best validation accuracy."""
    import copy

    best_model_wts, best_acc = copy.deepcopy(model.state_dict()), 0.0
    for _ in range(num_epochs):
        for phase in ["train", "val"]:
            model.train() if phase == "train" else model.eval()
            running_corrects = 0
            for inputs, labels in dataloaders[phase]:
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                running_corrects += torch.sum(preds == labels.data)
            if phase == "train":
                scheduler.step()
            epoch_acc = running_corrects.double() / len(dataloaders[phase].dataset)
            if phase == "val" and epoch_acc > best_acc:
                best_acc, best_model_wts = epoch_acc, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_model_wts)
    return model, float(best_acc)


@pytest.mark.lesson
@pytest.mark.parametrize("seed", seeds(default=(0,)))
def test_the_pytorch_tutorials_recipes_run_on_the_offline_efficientnet(seed, tmp_path,
                                                                    no_network):
    # The PyTorch transfer-learning tutorial (fine-tuning, then the ConvNet as a fixed feature
    # extractor) on cats and dogs exported as its train/val folders. Changed: the model line
    # (models.resnet18(weights='IMAGENET1K_V1')), `fc` -> `classifier[1]` (where torchvision's
    # EfficientNets keep their final layer), and, for a test's time, 96-pixel crops (the
    # course's size for this network on a CPU), fewer images and epochs (5 for fine-tuning,
    # 10 for the fixed extractor, against 25), no worker processes. 100 validation images per
    # class: with 50, the fixed extractor's best accuracy moved by about 4 points between runs.
    import os

    from torch import nn, optim
    from torch.optim import lr_scheduler
    from torchvision import datasets, transforms

    from tlteach.torch import efficientnet_lite0

    X, y, names = data.load("cats_vs_dogs")
    for phase, part in (("train", slice(0, 100)), ("val", slice(100, 200))):
        keep = np.concatenate([np.flatnonzero(y == c)[part] for c in (0, 1)])
        data.export_image_folder(X[keep], y[keep], names, tmp_path / "pets" / phase)
    torch.manual_seed(seed)
    data_transforms = {
        "train": transforms.Compose([
            transforms.RandomResizedCrop(96),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]),
        "val": transforms.Compose([
            transforms.Resize(110),
            transforms.CenterCrop(96),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]),
    }  # fmt: skip
    data_dir = tmp_path / "pets"
    image_datasets = {x: datasets.ImageFolder(os.path.join(data_dir, x), data_transforms[x])
                      for x in ["train", "val"]}
    dataloaders = {x: torch.utils.data.DataLoader(image_datasets[x], batch_size=4,
                                                  shuffle=True, num_workers=0)
                   for x in ["train", "val"]}
    assert image_datasets["train"].classes == ["cat", "dog"]
    criterion = nn.CrossEntropyLoss()

    model_ft = efficientnet_lite0(weights="DEFAULT")
    num_ftrs = model_ft.classifier[1].in_features
    model_ft.classifier[1] = nn.Linear(num_ftrs, 2)
    optimizer_ft = optim.SGD(model_ft.parameters(), lr=0.001, momentum=0.9)
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer_ft, step_size=7, gamma=0.1)
    stem_before = model_ft.features[0][0].weight.detach().clone()
    model_ft, acc_ft = tutorial_train_model(model_ft, dataloaders, criterion, optimizer_ft,
                                            exp_lr_scheduler, num_epochs=5)
    assert not torch.equal(model_ft.features[0][0].weight, stem_before)  # all layers trained

    model_conv = efficientnet_lite0(weights="DEFAULT")
    for param in model_conv.parameters():
        param.requires_grad = False
    num_ftrs = model_conv.classifier[1].in_features
    model_conv.classifier[1] = nn.Linear(num_ftrs, 2)
    optimizer_conv = optim.SGD(model_conv.classifier[1].parameters(), lr=0.001, momentum=0.9)
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=7, gamma=0.1)
    stem_before = model_conv.features[0][0].weight.detach().clone()
    model_conv, acc_conv = tutorial_train_model(model_conv, dataloaders, criterion,
                                                optimizer_conv, exp_lr_scheduler, num_epochs=10)
    assert torch.equal(model_conv.features[0][0].weight, stem_before)  # only the new layer
    check("PyTorch tutorial on cats vs dogs: fine-tuning, best validation accuracy", acc_ft,
          at_least=0.65)  # chance: 0.5
    check("PyTorch tutorial on cats vs dogs: fixed feature extractor, best validation accuracy",
          acc_conv, at_least=0.65)


def test_torchvision_style_efficientnet_is_the_course_network_and_refuses_what_it_cannot_load(
        lite0, no_network, tmp_path):
    import torchvision.models as tvm
    from torch import nn
    from torchvision.transforms import v2

    from tlteach.data.transforms import center_crop_batch
    from tlteach.torch import efficientnet_lite0

    model = efficientnet_lite0(weights="IMAGENET1K_V1")
    assert model.training  # as torchvision returns its models
    reference = tvm.efficientnet_b0(weights=None)  # the layout a torchvision user knows
    assert [type(m) for m in model.classifier] == [type(m) for m in reference.classifier]
    assert type(model.avgpool) is type(reference.avgpool)
    # torchvision's normalization in, the same logits as load_backbone's body and head out
    x = torch.from_numpy(center_crop_batch([skdata.chelsea()], 224)).permute(0, 3, 1, 2) / 255
    with torch.no_grad():
        logits = model.eval()(v2.Normalize(IMAGENET_MEAN, IMAGENET_STD)(x))
        expected = lite0.head(lite0.body(lite0.preprocess(x)))
    assert torch.allclose(logits, expected, atol=1e-4)
    assert lite0.classes[int(logits.argmax())] in CAT_CLASSES
    # a fine-tuned model saves and loads as any PyTorch model, safely
    model.classifier[1] = nn.Linear(model.classifier[1].in_features, 2)
    torch.save(model.state_dict(), tmp_path / "pets.pt")
    again = efficientnet_lite0(num_classes=2)
    again.load_state_dict(torch.load(tmp_path / "pets.pt", weights_only=True))
    assert torch.equal(again.classifier[1].weight, model.classifier[1].weight)
    with pytest.raises(ValueError, match="weights must be 'DEFAULT', 'IMAGENET1K_V1' or None"):
        efficientnet_lite0(weights=tvm.EfficientNet_B0_Weights.DEFAULT)
    with pytest.raises(ValueError, match=r"num_classes must be 1000.*classifier\[1\] ="):
        efficientnet_lite0(weights="DEFAULT", num_classes=2)


def test_as_backbone_gives_a_trained_body_the_course_cnns_scaling():
    # A body that averages each channel: white images are 1 in [0, 1], so 1 after the course
    # CNN's scaling to [-1, 1]; black ones -1.
    from tlteach.torch.backbones import as_backbone

    identity = torch.nn.Conv2d(3, 3, 1, bias=False)
    with torch.no_grad():
        identity.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
    body = torch.nn.Sequential(identity, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    backbone = as_backbone("channel-means", body, 3)
    assert backbone.input_size == 28 and backbone.pooling == "avg"
    X = np.stack([np.full((10, 12), 255, np.uint8), np.zeros((10, 12), np.uint8)])
    features = extract_features(backbone, X, cache=False)
    assert np.allclose(features, [[1, 1, 1], [-1, -1, -1]], atol=1e-6)


def test_as_backbone_measures_the_number_of_features_without_touching_batchnorm():
    from tlteach.torch.backbones import as_backbone
    from tlteach.torch.small_cnn import SmallCNN

    net = SmallCNN(width=8)  # 4 * 8 = 32 features
    net.train()
    before = {k: v.clone() for k, v in net.body.state_dict().items()}
    backbone = as_backbone("small", net.body)
    assert backbone.num_features == 32
    assert net.body.training  # given back in the mode it was found in
    after = net.body.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # running statistics too
    assert as_backbone("given", net.body, 7).num_features == 7
