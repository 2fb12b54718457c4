"""Tests for nn.losses: values and gradients against PyTorch and central differences,
stability at extreme logits, and input validation."""

from __future__ import annotations

import math

import pytest

import engine
import nn
from engine import Value

SCORES = [0.7, -1.3, 0.2, 2.5, -0.05]
SIGNS = [1, -1, -1, 1, 1]
BITS = [1, 0, 0, 1, 0]
LOGITS = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-2.0, 0.0, 0.1], [0.0, 0.0, 0.0]]
CLASSES = [2, 0, 1, 1]


def leaves(xs):
    return [Value(x) for x in xs]


def torch_leaf(torch, xs):
    return torch.tensor(xs, dtype=torch.float64, requires_grad=True)


def assert_matches_torch(loss, values, t_loss, t, **grad_tolerance):
    """Run both backward passes; the loss and every gradient must match PyTorch's."""
    loss.backward()
    t_loss.backward()
    assert loss.data == pytest.approx(t_loss.item(), rel=1e-13)
    grads = t.grad.flatten().tolist()
    assert [v.grad for v in values] == pytest.approx(grads, **grad_tolerance)


def test_mse_matches_torch(torch):
    import torch.nn.functional as F

    preds = leaves(SCORES)
    targets = [0.5, 0.0, -1.0, 2.0, 0.3]
    loss = nn.mse_loss(preds, targets)
    t = torch_leaf(torch, SCORES)
    t_loss = F.mse_loss(t, torch.tensor(targets, dtype=torch.float64))
    assert_matches_torch(loss, preds, t_loss, t, rel=1e-12)


def test_mse_on_several_outputs_averages_every_number(torch):
    import torch.nn.functional as F

    preds = [leaves(row) for row in LOGITS]
    targets = [[1.0 if c == k else 0.0 for c in range(3)] for k in CLASSES]
    loss = nn.mse_loss(preds, targets)
    t = torch_leaf(torch, LOGITS)
    t_loss = F.mse_loss(t, torch.tensor(targets, dtype=torch.float64))
    assert_matches_torch(loss, [p for row in preds for p in row], t_loss, t)


def test_hinge_matches_torch_clamp_formula(torch):
    scores = leaves(SCORES)
    loss = nn.hinge_loss(scores, SIGNS)
    t = torch_leaf(torch, SCORES)
    y = torch.tensor(SIGNS, dtype=torch.float64)
    t_loss = torch.clamp(1 - y * t, min=0).mean()
    assert_matches_torch(loss, scores, t_loss, t, rel=1e-12)


def test_bce_matches_torch_with_logits(torch):
    import torch.nn.functional as F

    logits = leaves(SCORES)
    loss = nn.binary_cross_entropy(logits, BITS)
    t = torch_leaf(torch, SCORES)
    t_loss = F.binary_cross_entropy_with_logits(t, torch.tensor(BITS, dtype=torch.float64))
    assert_matches_torch(loss, logits, t_loss, t, rel=1e-12)


def test_cross_entropy_matches_torch(torch):
    import torch.nn.functional as F

    logits = [leaves(row) for row in LOGITS]
    loss = nn.cross_entropy(logits, CLASSES)
    t = torch_leaf(torch, LOGITS)
    t_loss = F.cross_entropy(t, torch.tensor(CLASSES))
    assert_matches_torch(loss, [z for row in logits for z in row], t_loss, t, abs=1e-15)


@pytest.mark.parametrize("z", [1000.0, -1000.0, 745.0, -800.0])
def test_bce_is_finite_and_exact_at_extreme_logits(z, torch):
    import torch.nn.functional as F

    for label in (0, 1):
        logit = Value(z)
        loss = nn.binary_cross_entropy([logit], [label])
        loss.backward()
        t = torch_leaf(torch, [z])
        t_loss = F.binary_cross_entropy_with_logits(
            t, torch.tensor([float(label)], dtype=torch.float64)
        )
        t_loss.backward()
        assert math.isfinite(loss.data) and math.isfinite(logit.grad)
        assert loss.data == pytest.approx(t_loss.item(), rel=1e-13, abs=1e-300)
        assert logit.grad == pytest.approx(t.grad.item(), abs=1e-15)


def test_cross_entropy_is_stable_at_extreme_logits(torch):
    import torch.nn.functional as F

    rows = [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 999.0]]
    targets = [1, 2, 0]
    logits = [leaves(r) for r in rows]
    loss = nn.cross_entropy(logits, targets)
    t = torch_leaf(torch, rows)
    t_loss = F.cross_entropy(t, torch.tensor(targets))
    assert_matches_torch(loss, [z for r in logits for z in r], t_loss, t, abs=1e-15)


def test_cross_entropy_without_torch_equals_hand_computed_value():
    # -log softmax([0, log 3])[1] = -log(3 / 4)
    loss = nn.cross_entropy([[0.0, math.log(3.0)]], [1])
    assert loss.data == pytest.approx(-math.log(0.75), rel=1e-14)


@pytest.mark.parametrize(
    "loss_fn, labels",
    [
        (lambda z: nn.mse_loss(z, [0.3, -0.2, 1.0]), None),
        (lambda z: nn.hinge_loss(z, [1, -1, 1]), None),
        (lambda z: nn.binary_cross_entropy(z, [1, 0, 1]), None),
        (lambda z: nn.cross_entropy([z], [2]), None),
    ],
    ids=["mse", "hinge", "bce", "ce"],
)
def test_losses_pass_gradcheck(loss_fn, labels):
    assert engine.gradcheck(lambda a, b, c: loss_fn([a, b, c]), [0.4, -0.3, 0.25])


def test_losses_return_a_value_that_is_the_batch_mean():
    single = [nn.hinge_loss([s], [y]).data for s, y in zip(SCORES, SIGNS)]
    assert nn.hinge_loss(leaves(SCORES), SIGNS).data == pytest.approx(sum(single) / len(single))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: nn.mse_loss([Value(1.0)], [1.0, 2.0]), ValueError, "1 predictions but 2"),
        (lambda: nn.mse_loss([], []), ValueError, "empty"),
        (lambda: nn.hinge_loss([Value(1.0)], [0]), ValueError, "-1 or \\+1"),
        (lambda: nn.hinge_loss([Value(1.0)], ["1"]), TypeError, "real number"),
        (lambda: nn.binary_cross_entropy([Value(1.0)], [-1]), ValueError, "0 or 1"),
        (lambda: nn.binary_cross_entropy([Value(1.0)], [0.5]), ValueError, "0 or 1"),
        (lambda: nn.binary_cross_entropy(Value(1.0), [1]), TypeError, "list"),
        (lambda: nn.cross_entropy([[1.0, 2.0]], [2]), ValueError, "class index"),
        (lambda: nn.cross_entropy([[1.0, 2.0]], [-1]), ValueError, "class index"),
        (lambda: nn.cross_entropy([[1.0, 2.0]], [1.0]), TypeError, "ints"),
        (lambda: nn.cross_entropy([[1.0, 2.0], [1.0]], [0, 0]), ValueError, "1 classes"),
        (lambda: nn.cross_entropy([[1.0, 2.0]], [0, 1]), ValueError, "1 rows"),
    ],
)
def test_bad_batches_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_namespace_holds_only_public_names():
    assert dir(nn.losses) == sorted(nn.losses.__all__)


def test_messages_quote_a_huge_input_briefly():
    with pytest.raises(TypeError) as caught:
        nn.hinge_loss([Value(1.0)], ["x" * 1_000_000])
    assert len(str(caught.value)) < 600
