"""Tests for nn.datasets: sizes, labels, geometry, seeding and train_test_split."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from nn import datasets

GENERATORS = [
    datasets.make_moons,
    datasets.make_circles,
    datasets.make_spirals,
    datasets.make_blobs,
]
IDS = ["moons", "circles", "spirals", "blobs"]


@pytest.mark.parametrize("make", GENERATORS, ids=IDS)
@pytest.mark.parametrize("n", [7, 100, 301])
def test_n_samples_is_the_total_number_of_points(make, n):
    X, y = make(n, noise=0.1, seed=0)
    assert len(X) == len(y) == n
    assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in X)
    assert all(type(label) is int for label in y)


@pytest.mark.parametrize("make, n_classes", list(zip(GENERATORS, [2, 2, 3, 3])), ids=IDS)
def test_labels_are_integers_from_zero_in_balanced_classes(make, n_classes):
    _, y = make(30, noise=0.1, seed=0)
    counts = Counter(y)
    assert sorted(counts) == list(range(n_classes))
    assert max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.parametrize("make", GENERATORS, ids=IDS)
def test_same_seed_same_data_other_seed_other_data(make):
    assert make(50, noise=0.1, seed=3) == make(50, noise=0.1, seed=3)
    assert make(50, noise=0.1, seed=3) != make(50, noise=0.1, seed=4)


@pytest.mark.parametrize("make", GENERATORS, ids=IDS)
def test_points_come_shuffled(make):
    _, y = make(100, noise=0.1, seed=0)
    assert y != sorted(y)


def test_noise_free_moons_lie_on_their_half_circles():
    X, y = datasets.make_moons(40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        if label == 0:  # upper moon: the unit half circle around the origin
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: unit half circle around (1, 0.5), opening upward
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_noise_free_circles_have_radius_one_and_factor():
    X, y = datasets.make_circles(40, noise=0.0, factor=0.3, seed=0)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3)


def test_noise_moves_points_by_about_its_standard_deviation():
    clean, _ = datasets.make_circles(2000, noise=0.0, seed=0)
    noisy, _ = datasets.make_circles(2000, noise=0.1, seed=0)
    radii_clean = sorted(math.hypot(*p) for p in clean)
    radii_noisy = sorted(math.hypot(*p) for p in noisy)
    spread = math.sqrt(sum((a - b) ** 2 for a, b in zip(radii_clean, radii_noisy)) / 2000)
    assert 0.03 < spread < 0.15


def test_noise_free_spirals_follow_the_cs231n_arms():
    X, y = datasets.make_spirals(300, noise=0.0, seed=0)
    assert Counter(y) == {0: 100, 1: 100, 2: 100}
    for (a, b), label in zip(X, y):
        r = math.hypot(a, b)
        assert r <= 1.0 + 1e-12
        if r > 0.0:
            # angle t = 4 * label + 4 * r on arm `label` (t runs with the radius)
            t = 4.0 * label + 4.0 * r
            assert (a, b) == pytest.approx((r * math.sin(t), r * math.cos(t)), abs=1e-9)


def test_blobs_gather_around_given_centers():
    centers = [(0.0, 0.0), (5.0, 5.0), (-5.0, 5.0)]
    X, y = datasets.make_blobs(300, noise=0.5, centers=centers, seed=1)
    for c, (cx, cy) in enumerate(centers):
        members = [p for p, label in zip(X, y) if label == c]
        mean_x = sum(p[0] for p in members) / len(members)
        mean_y = sum(p[1] for p in members) / len(members)
        assert (mean_x, mean_y) == pytest.approx((cx, cy), abs=0.2)


@pytest.mark.parametrize(
    "call",
    [
        lambda: datasets.make_moons(1),
        lambda: datasets.make_moons(10, noise=-0.1),
        lambda: datasets.make_moons(10, noise=math.inf),
        lambda: datasets.make_moons(2.5),
        lambda: datasets.make_circles(10, factor=1.5),
        lambda: datasets.make_spirals(2, n_classes=3),
        lambda: datasets.make_blobs(10, centers=[]),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_train_test_split_partitions_the_data():
    X = [[float(i), 0.0] for i in range(20)]
    y = list(range(20))
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_test) == 5 and len(X_train) == 15
    assert sorted(y_train + y_test) == y
    assert all(p[0] == label for p, label in zip(X_train + X_test, y_train + y_test))
    assert datasets.train_test_split(X, y, seed=0) == datasets.train_test_split(X, y, seed=0)
    assert datasets.train_test_split(X, y, test_size=3, seed=0)[1].__len__() == 3


@pytest.mark.parametrize("test_size", [0.0, 1.0, 0, 20, -1])
def test_train_test_split_rejects_empty_sides(test_size):
    with pytest.raises(ValueError):
        datasets.train_test_split([[0.0]] * 20, [0] * 20, test_size=test_size)


def test_train_test_split_rejects_length_mismatch():
    with pytest.raises(ValueError, match="same length"):
        datasets.train_test_split([[0.0]] * 3, [0, 1])


@pytest.mark.parametrize("make", GENERATORS, ids=IDS)
def test_seed_none_draws_from_the_global_random_stream(make):
    random.seed(1337)
    first = make(20, noise=0.1)
    after = random.random()
    random.seed(1337)
    assert make(20, noise=0.1) == first  # random.seed makes a script repeatable
    assert random.random() == after  # the data came from that stream
    assert make(20, noise=0.1) != first


@pytest.mark.parametrize("make", GENERATORS, ids=IDS)
def test_int_seed_leaves_the_global_stream_alone(make):
    random.seed(3)
    expected = random.random()
    random.seed(3)
    make(20, noise=0.1, seed=0)
    datasets.train_test_split(list(range(10)), list(range(10)), seed=0)
    assert random.random() == expected


def test_micrograd_demo_lines_give_repeatable_data_and_weights():
    """`random.seed(n)`, then the data, then the model: the same twice over."""
    import nn

    runs = []
    for _ in range(2):
        random.seed(42)
        X, y = datasets.make_moons(100, noise=0.1)
        runs.append((X, y, nn.MLP(2, [16, 16, 1]).state_dict()))
    assert runs[0] == runs[1]


def test_bad_seed_type_raises_type_error():
    with pytest.raises(TypeError, match="seed"):
        datasets.make_moons(10, seed="0")
    with pytest.raises(TypeError, match="seed"):
        datasets.make_blobs(10, seed=1.5)


def test_namespace_holds_only_public_names():
    names = [name for name in dir(datasets)]
    assert names == sorted(datasets.__all__)
    assert not {"math", "random", "Any", "numbers", "Sequence", "annotations"} & set(names)
