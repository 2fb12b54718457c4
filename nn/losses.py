"""Loss functions: each takes a batch and returns the batch mean as one `Value`.

All are built from engine ops, so `loss.backward()` needs nothing special. The two
losses on logits are written in forms that never overflow, even for logits of +-1000:
- binary cross-entropy uses softplus (itself stable in the engine);
- cross-entropy subtracts the row's largest logit before exponentiating (log-sum-exp).
"""

from __future__ import annotations

import numbers as _numbers
from collections.abc import Sequence
from typing import Any

import engine as _engine
from engine import Value
from engine.messages import quote as _quote

__all__ = ["mse_loss", "hinge_loss", "binary_cross_entropy", "cross_entropy"]

_Scalar = Value | float | int


def _batch(name: str, what: str, items: object) -> list[Any]:
    if isinstance(items, (Value, str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(
            f"{name}: {what} must be a list (one entry per example), got {_quote(items)}"
        )
    return list(items)


def _same_length(name: str, a: list[Any], b: list[Any], what_a: str, what_b: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{name}: got {len(a)} {what_a} but {len(b)} {what_b}")
    if not a:
        raise ValueError(f"{name}: needs at least one example, got an empty batch")


def _real(name: str, what: str, x: object) -> float:
    if isinstance(x, (bool, Value)) or not isinstance(x, _numbers.Real):
        raise TypeError(f"{name}: each {what} must be a real number, got {_quote(x)}")
    return float(x)


def _labelled(
    name: str, xs: object, labels: object, what: str, allowed: tuple[float, float], said: str
) -> list[tuple[Value, float]]:
    """(Value, label) pairs of a batch with one label per example, each label checked."""
    xs = _batch(name, what, xs)
    labels = _batch(name, "labels", labels)
    _same_length(name, xs, labels, what, "labels")
    pairs = []
    for x, label in zip(xs, labels):
        y = _real(name, "label", label)
        if y not in allowed:
            raise ValueError(f"{name}: labels must be {said}, got {_quote(label)}")
        pairs.append((x if isinstance(x, Value) else Value(x), y))
    return pairs


def _mean(terms: Sequence[_Scalar]) -> Value:
    return _engine.sum(terms) / len(terms)


def mse_loss(preds: Sequence[_Scalar | Sequence[_Scalar]], targets: Sequence[object]) -> Value:
    """mean((pred - target)**2) over every entry, as `torch.nn.functional.mse_loss`.

    An entry may itself be a list (a model with several outputs); its target is then a
    list of the same length, and the mean is over all numbers, as in PyTorch.
    """
    name = "mse_loss"
    preds = _batch(name, "preds", preds)
    targets = _batch(name, "targets", targets)
    _same_length(name, preds, targets, "predictions", "targets")
    pairs: list[tuple[Any, Any]] = []  # checked by the arithmetic below
    for i, (p, t) in enumerate(zip(preds, targets)):
        if isinstance(p, Sequence) and not isinstance(p, (str, bytes)):
            if not isinstance(t, Sequence) or len(t) != len(p):
                raise ValueError(
                    f"{name}: prediction {i} has {len(p)} outputs; its target {_quote(t)}"
                )
            pairs.extend(zip(p, t))
        else:
            pairs.append((p, t))
    squares: list[_Scalar] = []
    for p, t in pairs:
        diff = p - t
        squares.append(diff * diff)
    return _mean(squares)


def hinge_loss(scores: Sequence[_Scalar], labels: Sequence[int]) -> Value:
    """mean(max(0, 1 - label * score)), labels in {-1, +1} (the SVM loss of micrograd's demo)."""
    pairs = _labelled("hinge_loss", scores, labels, "scores", (-1.0, 1.0), "-1 or +1")
    return _mean([(1.0 - y * score).relu() for score, y in pairs])


def binary_cross_entropy(logits: Sequence[_Scalar], labels: Sequence[int]) -> Value:
    """Binary cross-entropy from logits, labels in {0, 1}; matches PyTorch's
    `binary_cross_entropy_with_logits`.

    -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] = softplus(z) - y z, since
    log sigmoid(z) = -softplus(-z) and softplus(-z) = softplus(z) - z; no sigmoid is ever
    rounded to 0 or 1, so large logits give exact, finite losses.
    """
    pairs = _labelled("binary_cross_entropy", logits, labels, "logits", (0.0, 1.0), "0 or 1")
    return _mean([z.softplus() - z if y == 1.0 else z.softplus() for z, y in pairs])


def cross_entropy(logits: Sequence[Sequence[_Scalar]], targets: Sequence[int]) -> Value:
    """Softmax cross-entropy: `logits` holds one list of class scores per example and
    `targets` the index of each example's class; matches `torch.nn.functional.cross_entropy`.

    -log softmax(z)_t = logsumexp(z) - z_t, with logsumexp(z) = m + log(sum_i exp(z_i - m))
    for m = max(z) taken as a constant: every exp is at most 1 and the sum at least 1,
    so nothing overflows, and the gradient (softmax(z) - onehot(t)) does not depend on m.
    """
    name = "cross_entropy"
    logits = _batch(name, "logits", logits)
    targets = _batch(name, "targets", targets)
    _same_length(name, logits, targets, "rows of logits", "targets")
    n_classes = None
    terms = []
    for i, (row, target) in enumerate(zip(logits, targets)):
        row = _batch(name, f"logits[{i}]", row)
        if n_classes is None:
            n_classes = len(row)
            if n_classes < 1:
                raise ValueError(f"{name}: each row of logits needs at least one class score")
        elif len(row) != n_classes:
            raise ValueError(
                f"{name}: logits[{i}] has {len(row)} classes, logits[0] has {n_classes}"
            )
        if isinstance(target, bool) or not isinstance(target, _numbers.Integral):
            raise TypeError(f"{name}: targets must be class indices (ints), got {_quote(target)}")
        if not 0 <= int(target) < n_classes:
            raise ValueError(
                f"{name}: target {_quote(target)} is not a class index in [0, {n_classes})"
            )
        row = [z if isinstance(z, Value) else Value(z) for z in row]
        shift = max(z.data for z in row)
        log_sum_exp = _engine.sum([(z - shift).exp() for z in row]).log() + shift
        terms.append(log_sum_exp - row[int(target)])
    return _mean(terms)


def __dir__() -> list[str]:
    return sorted(__all__)
