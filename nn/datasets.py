"""Toy 2-D classification data sets, in pure Python, to train and look at small MLPs.

Each generator takes `n_samples` (the TOTAL number of points, as in scikit-learn),
`noise=` and `seed=`, and returns `(X, y)`: a list of `[x1, x2]` points and a list of
integer labels from 0. Points come shuffled, so any prefix is a fair sample of every class.

`seed=None` draws from Python's global `random`, as `nn.MLP` does, so a script that starts
with `random.seed(n)` gets the same data every run; an int seed uses a generator of its
own and leaves the global stream alone.
"""

from __future__ import annotations

import math as _math
import numbers as _numbers
import random as _random
from collections.abc import Sequence as _Sequence
from typing import Any as _Any
from typing import cast as _cast

from engine.messages import quote as _quote

__all__ = [
    "Dataset",
    "make_moons",
    "make_circles",
    "make_spirals",
    "make_blobs",
    "train_test_split",
]

Dataset = tuple[list[list[float]], list[int]]
"""What every generator returns: `(X, y)`, points `[x1, x2]` and integer class labels."""

_Seed = int | _random.Random | None


def _rng(seed: _Seed) -> _random.Random:
    """The global stream for None (so `random.seed(n)` repeats a run), else an own one."""
    if seed is None:
        # the random module's functions are bound methods of its one hidden Random
        return _cast(_random.Random, _random.uniform.__self__)  # type: ignore[attr-defined]
    if isinstance(seed, _random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, _numbers.Integral):
        raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")
    return _random.Random(int(seed))


def _check_count(name: str, n: object, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, _numbers.Integral) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {_quote(n)}")
    return int(n)


def _check_noise(noise: object) -> float:
    if isinstance(noise, bool) or not isinstance(noise, _numbers.Real):
        raise ValueError(f"noise must be a real number >= 0, got {_quote(noise)}")
    try:
        value = float(noise)
    except OverflowError:  # an int too large for a float
        value = _math.inf
    if not (_math.isfinite(value) and value >= 0.0):
        raise ValueError(f"noise must be a finite number >= 0, got {_quote(noise)}")
    return value


def _linspace(start: float, stop: float, n: int, endpoint: bool = True) -> list[float]:
    if n == 1:
        return [start]
    step = (stop - start) / ((n - 1) if endpoint else n)
    return [start + i * step for i in range(n)]


def _split(n_samples: int, n_classes: int) -> list[int]:
    """Points per class: as equal as possible, the remainder going to the first classes."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (1 if c < extra else 0) for c in range(n_classes)]


def _finish(
    points: list[list[float]], labels: list[int], noise: float, rng: _random.Random
) -> Dataset:
    """Add Gaussian noise of standard deviation `noise` to every coordinate, then shuffle."""
    if noise > 0.0:
        points = [[x + rng.gauss(0.0, noise) for x in p] for p in points]
    order = list(range(len(points)))
    rng.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]


def make_moons(n_samples: int = 100, noise: float = 0.0, seed: _Seed = None) -> Dataset:
    """Two interleaving half circles: class 0 is the upper moon, class 1 the lower one."""
    n = _check_count("n_samples", n_samples, 2)
    noise = _check_noise(noise)
    rng = _rng(seed)
    n_upper, n_lower = n - n // 2, n // 2
    points = [[_math.cos(t), _math.sin(t)] for t in _linspace(0.0, _math.pi, n_upper)]
    points += [[1.0 - _math.cos(t), 0.5 - _math.sin(t)] for t in _linspace(0.0, _math.pi, n_lower)]
    labels = [0] * n_upper + [1] * n_lower
    return _finish(points, labels, noise, rng)


def make_circles(
    n_samples: int = 100, noise: float = 0.0, factor: float = 0.5, seed: _Seed = None
) -> Dataset:
    """Two concentric circles: class 0 on the unit circle, class 1 at radius `factor`."""
    n = _check_count("n_samples", n_samples, 2)
    noise = _check_noise(noise)
    if isinstance(factor, bool) or not isinstance(factor, _numbers.Real) or not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be a number in (0, 1), got {_quote(factor)}")
    rng = _rng(seed)
    n_outer, n_inner = n - n // 2, n // 2
    angles_outer = _linspace(0.0, 2.0 * _math.pi, n_outer, endpoint=False)
    angles_inner = _linspace(0.0, 2.0 * _math.pi, n_inner, endpoint=False)
    points = [[_math.cos(t), _math.sin(t)] for t in angles_outer]
    points += [[factor * _math.cos(t), factor * _math.sin(t)] for t in angles_inner]
    labels = [0] * n_outer + [1] * n_inner
    return _finish(points, labels, noise, rng)


def make_spirals(
    n_samples: int = 300, noise: float = 0.2, n_classes: int = 3, seed: _Seed = None
) -> Dataset:
    """`n_classes` interleaved spiral arms (the CS231n data set).

    Arm c has radii evenly from 0 to 1 and angles from 4c to 4(c + 1) radians; `noise` is
    the standard deviation of Gaussian noise on each angle, as in CS231n.
    """
    n = _check_count("n_samples", n_samples, 1)
    noise = _check_noise(noise)
    k = _check_count("n_classes", n_classes, 1)
    if n < k:
        raise ValueError(f"n_samples must be at least n_classes ({k}), got {n}")
    rng = _rng(seed)
    points: list[list[float]] = []
    labels: list[int] = []
    for c, count in enumerate(_split(n, k)):
        radii = _linspace(0.0, 1.0, count)
        angles = _linspace(4.0 * c, 4.0 * (c + 1), count)
        for r, t in zip(radii, angles):
            t += rng.gauss(0.0, noise) if noise > 0.0 else 0.0
            points.append([r * _math.sin(t), r * _math.cos(t)])
            labels.append(c)
    return _finish(points, labels, 0.0, rng)


def make_blobs(
    n_samples: int = 100,
    noise: float = 1.0,
    centers: int | _Sequence[_Sequence[float]] = 3,
    seed: _Seed = None,
    center_box: tuple[float, float] = (-10.0, 10.0),
) -> Dataset:
    """Gaussian blobs, one class per center; `noise` is each blob's standard deviation.

    `centers` is a number of centers (drawn uniformly in `center_box`, as scikit-learn
    does) or a list of 2-D center points.
    """
    n = _check_count("n_samples", n_samples, 1)
    noise = _check_noise(noise)
    rng = _rng(seed)
    if isinstance(centers, _numbers.Integral) and not isinstance(centers, bool):
        k = _check_count("centers", centers, 1)
        low, high = center_box
        center_points = [[rng.uniform(low, high), rng.uniform(low, high)] for _ in range(k)]
    else:
        try:
            center_points = [[float(a), float(b)] for a, b in centers]  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise ValueError(
                f"centers must be a count or a list of (x, y) points, got {_quote(centers)}"
            ) from None
        if not center_points:
            raise ValueError("centers must not be empty")
    if n < len(center_points):
        raise ValueError(f"n_samples must be at least the number of centers, got {n}")
    points: list[list[float]] = []
    labels: list[int] = []
    for c, count in enumerate(_split(n, len(center_points))):
        points += [list(center_points[c]) for _ in range(count)]
        labels += [c] * count
    return _finish(points, labels, noise, rng)


def train_test_split(
    X: _Sequence[_Any], y: _Sequence[_Any], test_size: float | int = 0.25, seed: _Seed = None
) -> tuple[list[_Any], list[_Any], list[_Any], list[_Any]]:
    """Shuffle and split into `(X_train, X_test, y_train, y_test)`, in scikit-learn's order.

    `test_size` is a fraction in (0, 1) (rounded up to whole points) or a count.
    """
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    n = len(X)
    if isinstance(test_size, bool) or not isinstance(test_size, _numbers.Real):
        raise ValueError(f"test_size must be a fraction or a count, got {_quote(test_size)}")
    if isinstance(test_size, _numbers.Integral):
        n_test = int(test_size)
    elif 0.0 < test_size < 1.0:
        n_test = _math.ceil(test_size * n)
    else:
        raise ValueError(f"test_size as a fraction must be in (0, 1), got {_quote(test_size)}")
    if not 0 < n_test < n:
        raise ValueError(
            f"test_size={_quote(test_size)} leaves no train or no test points out of {n}"
        )
    order = list(range(n))
    _rng(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def __dir__() -> list[str]:
    return sorted(__all__)
