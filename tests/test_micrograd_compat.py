"""Code written for micrograd runs on chainrule with only the imports changed.

Each computation below is typed the way a learner following micrograd's README, its engine
tests and its demo notebook would type it with chainrule's names (`from engine import
Value`, `import nn`), then checked against PyTorch in float64 and against micrograd 0.1.0
itself. Each expression is a function of its leaves, so the one text runs on all three
libraries' values.
"""

from __future__ import annotations

import random
import sys

import pytest
from conftest import micrograd_readme_expression

import engine
import nn
from engine import Value


@pytest.fixture
def micrograd():
    """micrograd's package; its backward recurses once per node, so give it room."""
    package = pytest.importorskip("micrograd")
    pytest.importorskip("micrograd.nn")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    yield package
    sys.setrecursionlimit(limit)


def float64(torch, x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


# ---- the engine: micrograd's README example and its engine tests -----------------------


def sanity_expression(x):
    """micrograd's sanity-check test expression, a learner's way."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return y


def test_readme_example_prints_the_readme_numbers():
    a = Value(-4.0)
    b = Value(2.0)
    g = micrograd_readme_expression(a, b)
    g.backward()
    # what micrograd's README shows for the same lines
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


POINTS = [(-4.0, 2.0), (1.5, -0.5), (0.3, 2.7), (-1.25, -3.0)]


@pytest.mark.parametrize("point", POINTS)
def test_more_ops_match_torch_and_micrograd(point, torch, micrograd):
    from micrograd.engine import Value as MicrogradValue

    ours = [Value(x) for x in point]
    g = micrograd_readme_expression(*ours)
    g.backward()

    tensors = [float64(torch, x) for x in point]
    t_g = micrograd_readme_expression(*tensors)
    t_g.backward()

    theirs = [MicrogradValue(x) for x in point]
    m_g = micrograd_readme_expression(*theirs)
    m_g.backward()

    assert g.data == pytest.approx(t_g.item(), rel=1e-12)
    assert [v.grad for v in ours] == pytest.approx([t.grad.item() for t in tensors], rel=1e-9)
    assert g.data == pytest.approx(m_g.data, rel=1e-12)
    assert [v.grad for v in ours] == pytest.approx([v.grad for v in theirs], rel=1e-12)


@pytest.mark.parametrize("x0", [-4.0, 0.5, 3.0])
def test_sanity_check_matches_torch_and_micrograd(x0, torch, micrograd):
    from micrograd.engine import Value as MicrogradValue

    x = Value(x0)
    y = sanity_expression(x)
    y.backward()

    t_x = float64(torch, x0)
    t_y = sanity_expression(t_x)
    t_y.backward()

    m_x = MicrogradValue(x0)
    m_y = sanity_expression(m_x)
    m_y.backward()

    assert y.data == pytest.approx(t_y.item(), rel=1e-12)
    assert x.grad == pytest.approx(t_x.grad.item(), rel=1e-12)
    assert (y.data, x.grad) == pytest.approx((m_y.data, m_x.grad), rel=1e-12)


# ---- nn: same random.seed, same weights, same numbers ----------------------------------


def test_readme_neuron_matches_micrograds_after_the_same_seed(micrograd):
    from micrograd.engine import Value as MicrogradValue
    from micrograd.nn import Neuron as MicrogradNeuron

    random.seed(7)
    x = [Value(1.0), Value(-2.0)]
    y = nn.Neuron(2)(x)
    y.backward()

    random.seed(7)
    m_x = [MicrogradValue(1.0), MicrogradValue(-2.0)]
    m_neuron = MicrogradNeuron(2)
    m_y = m_neuron(m_x)
    m_y.backward()

    assert y.data == pytest.approx(m_y.data, rel=1e-12)
    assert [v.grad for v in x] == pytest.approx([v.grad for v in m_x], rel=1e-12)


def test_readme_neuron_draws_with_labelled_weights():
    pytest.importorskip("graphviz")
    random.seed(7)
    neuron = nn.Neuron(2)
    source = engine.draw_dot(neuron([Value(1.0), Value(-2.0)])).source
    assert all(name in source for name in ("w.0", "w.1", "b"))


def test_mlp_starts_from_micrograds_weights_and_computes_its_numbers(micrograd):
    from micrograd.engine import Value as MicrogradValue
    from micrograd.nn import MLP as MicrogradMLP

    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = MicrogradMLP(2, [16, 16, 1])
    # the same draws in the same order: exactly the same starting weights
    assert [p.data for p in model.parameters()] == [p.data for p in theirs.parameters()]

    point = [0.4, -1.1]
    model(point).backward()
    theirs([MicrogradValue(a) for a in point]).backward()
    assert [p.grad for p in model.parameters()] == pytest.approx(
        [p.grad for p in theirs.parameters()], rel=1e-9, abs=1e-12
    )


# ---- micrograd's demo recipe ----------------------------------------------------------


def demo_recipe(seed, n_points=100, steps=100, init=None, on_step=None):
    """micrograd's demo notebook with chainrule's names; returns the trained model's
    training accuracy. `on_step(k, loss)` sees each step's loss."""
    random.seed(seed)
    X, y = nn.datasets.make_moons(n_points, noise=0.1)
    y = [2 * label - 1 for label in y]  # the max-margin loss wants -1 and +1
    model = nn.MLP(2, [16, 16, 1]) if init is None else nn.MLP(2, [16, 16, 1], init=init)
    optimizer = nn.SGD(model.parameters(), lr=1.0)
    for k in range(steps):
        scores = [model(x) for x in X]
        data_loss = nn.hinge_loss(scores, y)
        reg_loss = 1e-4 * engine.sum(p * p for p in model.parameters())
        loss = data_loss + reg_loss
        model.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / 100  # the demo's learning-rate decay
        optimizer.step()
        if on_step is not None:
            on_step(k, loss.data)
    correct = [(model(x).data > 0) == (label > 0) for x, label in zip(X, y)]
    return sum(correct) / len(correct)


def micrograd_demo_losses(seed, n_points, steps):
    """The same demo in micrograd itself, on chainrule's points; the loss of each step."""
    from micrograd.engine import Value as MicrogradValue
    from micrograd.nn import MLP as MicrogradMLP

    random.seed(seed)
    X, y = nn.datasets.make_moons(n_points, noise=0.1)
    y = [2 * label - 1 for label in y]
    model = MicrogradMLP(2, [16, 16, 1])
    losses = []
    for k in range(steps):
        scores = [model([MicrogradValue(a) for a in x]) for x in X]
        hinge = [(1 + -label * score).relu() for label, score in zip(y, scores)]
        loss = sum(hinge) * (1.0 / len(hinge)) + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        losses.append(loss.data)
    return losses


def test_demo_recipe_takes_micrograds_steps(micrograd):
    """Same seed, same points, same weights: the first steps' losses are micrograd's."""
    seed, n_points, steps = 3, 20, 3  # few points: micrograd is slow
    losses = []
    demo_recipe(seed, n_points, steps, on_step=lambda k, loss: losses.append(loss))
    assert losses == pytest.approx(micrograd_demo_losses(seed, n_points, steps), rel=1e-9)


# A sample of the 40 seeds (0..39) that benchmarks/micrograd_recipe.py runs; each takes a
# few seconds. Over all 40 the default init fits every point in 34 (micrograd's own data,
# scikit-learn's moons: 37), init="pytorch" in 13; seeds 1 and 2 are among its misses.
SAMPLE_SEEDS = [1, 2, 3]


@pytest.mark.parametrize("seed", SAMPLE_SEEDS)
def test_demo_recipe_fits_every_training_point(seed):
    assert demo_recipe(seed) == 1.0


def test_pytorch_init_misses_a_seed_the_default_fits():
    """Why the default is micrograd's init: PyTorch's smaller weights leave this recipe
    short of the training set on many seeds (here one point of seed 1)."""
    assert demo_recipe(1, init="pytorch") < 1.0
    assert demo_recipe(1) == 1.0
