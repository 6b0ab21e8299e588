"""Episodes, prototypes and ConSE against hand-computed references."""

import numpy as np
import pytest

from tlteach.fewshot import (
    conse_predict,
    cosine_scores,
    mean_ci95,
    prototype_predict,
    prototypes,
    sample_episode,
    softmax,
)

Y = np.repeat(np.arange(6), 10)  # 6 classes x 10 examples


def test_episode_has_n_classes_k_support_and_q_queries_of_each():
    episode = sample_episode(Y, n_way=4, k_shot=3, n_query=5, rng=np.random.default_rng(0))
    assert len(set(episode.classes)) == 4 and set(episode.classes) <= set(range(6))
    assert episode.support.shape == (12,) and episode.query.shape == (20,)
    assert not set(episode.support) & set(episode.query)
    for block, c in enumerate(episode.classes):  # class by class, in the order of classes
        assert (Y[episode.support[3 * block:3 * block + 3]] == c).all()
        assert (Y[episode.query[5 * block:5 * block + 5]] == c).all()


def test_episodes_differ_and_repeat_with_the_generator():
    a = sample_episode(Y, 5, 1, 2, np.random.default_rng(1))
    b = sample_episode(Y, 5, 1, 2, np.random.default_rng(1))
    rng = np.random.default_rng(1)
    first, second = sample_episode(Y, 5, 1, 2, rng), sample_episode(Y, 5, 1, 2, rng)
    assert all(np.array_equal(x, z) for x, z in zip(a, b, strict=True))
    assert not np.array_equal(first.support, second.support)


@pytest.mark.parametrize(("n_way", "k_shot", "n_query", "message"), [
    (7, 1, 1, "n_way=7"), (0, 1, 1, "n_way=0"), (2, 6, 5, r"fewer than k_shot \+ n_query = 11")])
def test_impossible_episodes_say_why(n_way, k_shot, n_query, message):
    with pytest.raises(ValueError, match=message):
        sample_episode(Y, n_way, k_shot, n_query, np.random.default_rng(0))


def test_prototypes_are_class_means_in_the_order_asked():
    features = np.array([[0.0, 2.0], [2.0, 0.0], [4.0, 4.0], [0.0, 4.0]])
    y = np.array([1, 1, 0, 0])
    assert np.allclose(prototypes(features, y), [[2.0, 4.0], [1.0, 1.0]])
    assert np.allclose(prototypes(features, y, classes=[1, 0]), [[1.0, 1.0], [2.0, 4.0]])
    with pytest.raises(ValueError, match="No example of class"):
        prototypes(features, y, classes=[0, 1, 2])


def test_prototype_classifier_on_a_toy_set():
    # Class 0 points right, class 1 up: cosine ignores length, so (10, 1) is class 0 even
    # though it is nearer to the (Euclidean) mean of class 1, (1, 3).
    support = np.array([[1.0, 0.0], [3.0, 0.2], [0.0, 1.0], [2.0, 5.0]])
    y_support = np.array([0, 0, 1, 1])
    query = np.array([[10.0, 1.0], [0.1, 2.0], [1.0, 1.2]])
    # prototypes (2, 0.1) and (1, 3); cos to (1, 1.2): 0.69 vs 0.96
    assert prototype_predict(support, y_support, query).tolist() == [0, 1, 1]
    assert np.allclose(cosine_scores(np.array([[3.0, 4.0]]), np.array([[1.0, 0.0], [0.0, 2.0]])),
                       [[0.6, 0.8]])


def test_mean_ci95():
    mean, half = mean_ci95([0.5, 0.7, 0.6, 0.8])
    assert mean == pytest.approx(0.65)
    # deviations +-0.15, +-0.05: sample variance (2 * 0.0225 + 2 * 0.0025) / 3 = 0.05 / 3,
    # so s / sqrt(4) = 0.0645497; Student's t for 3 degrees of freedom, 97.5%: 3.182446
    # (the tables); the half-width is 3.182446 * 0.0645497 = 0.2054260
    assert half == pytest.approx(0.2054260, abs=1e-6)
    assert mean_ci95([0.3]) == (0.3, pytest.approx(float("nan"), nan_ok=True))
    with pytest.raises(ValueError):
        mean_ci95([])


def test_conse_combines_the_seen_names_and_picks_the_nearest_unseen():
    seen = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # "horse", "cow"
    unseen = np.array([[0.9, 0.1, 0.4], [0.1, 0.9, 0.4], [0.0, 0.0, 1.0]])  # "zebra", "sheep", ...
    p = np.array([[0.8, 0.2], [0.3, 0.7], [0.5, 0.5]])
    # e = (0.8, 0.2, 0): nearest unseen "zebra"; (0.3, 0.7, 0): "sheep"; a tie goes to the first
    assert conse_predict(p, seen, unseen).tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="3 seen-class name embeddings"):
        conse_predict(p, np.vstack([seen, seen[:1]]), unseen)


def test_softmax_temperature():
    scores = np.array([[1.0, 0.0]])
    assert softmax(scores, 1.0)[0, 0] == pytest.approx(np.e / (np.e + 1))
    assert softmax(scores, 0.01)[0, 0] == pytest.approx(1.0)
    assert np.allclose(softmax(scores, 1e6), 0.5)
    with pytest.raises(ValueError, match="positive"):
        softmax(scores, 0.0)
