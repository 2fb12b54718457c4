"""Tests for nn.optim: SGD and Adam follow torch.optim step for step (50 steps, 1e-9)."""

from __future__ import annotations

import math

import pytest

import nn
from engine import Value

STEPS = 50


def problem():
    """A small MLP and a cross-entropy loss on a few spiral points, as a closure."""
    X, y = nn.datasets.make_spirals(12, noise=0.1, seed=5)
    model = nn.MLP(2, [6, 3], activation="tanh", seed=2)

    def loss():
        return nn.cross_entropy([model(x) for x in X], y)

    return model, X, y, loss


def torch_problem(torch, model, X, y):
    """The same MLP in PyTorch float64, with the same starting weights."""
    layers = []
    for layer in model.layers:
        w = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        layers.append((w.requires_grad_(), b.requires_grad_()))
    inputs = torch.tensor(X, dtype=torch.float64)
    targets = torch.tensor(y)

    def loss():
        h = torch.tanh(inputs @ layers[0][0].T + layers[0][1])
        logits = h @ layers[1][0].T + layers[1][1]
        return torch.nn.functional.cross_entropy(logits, targets)

    params = [t for pair in layers for t in pair]
    return params, loss


def flat_torch(params):
    return [x for t in params for x in t.detach().flatten().tolist()]


def flat_ours(model):
    # named order is neuron by neuron: w then b; torch's is layer w matrix then b vector
    out = []
    for layer in model.layers:
        out += [w.data for n in layer.neurons for w in n.w]
        out += [n.b.data for n in layer.neurons]
    return out


CASES = [
    ("sgd", {"lr": 0.5}),
    ("sgd", {"lr": 0.2, "momentum": 0.9}),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01}),
    ("adam", {}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
]


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_matches_torch_optim_over_50_steps(name, options, torch):
    model, X, y, loss = problem()
    t_params, t_loss = torch_problem(torch, model, X, y)
    ours = (nn.SGD if name == "sgd" else nn.Adam)(model.parameters(), **options)
    theirs = (torch.optim.SGD if name == "sgd" else torch.optim.Adam)(t_params, **options)
    assert flat_ours(model) == flat_torch(t_params)
    for _ in range(STEPS):
        value = loss()
        ours.zero_grad()
        value.backward()
        ours.step()
        theirs.zero_grad()
        t_value = t_loss()
        t_value.backward()
        theirs.step()
        assert value.data == pytest.approx(t_value.item(), rel=1e-9)
    assert flat_ours(model) == pytest.approx(flat_torch(t_params), rel=0, abs=1e-9)
    # the run really moved the parameters (the test can fail)
    assert loss().data < problem()[3]().data


GROUP_CASES = [
    ("sgd", {"lr": 0.05}, [{"lr": 0.3, "momentum": 0.9}, {"weight_decay": 0.01}]),
    ("adam", {"lr": 0.01}, [{"lr": 0.05, "betas": (0.8, 0.99)}, {"eps": 1e-6}]),
]


@pytest.mark.parametrize(
    "name, options, overrides", GROUP_CASES, ids=[case[0] for case in GROUP_CASES]
)
def test_parameter_groups_match_torch_optim_over_50_steps(name, options, overrides, torch):
    """One group per layer, each with its own hyperparameters, as PyTorch users write them."""
    model, X, y, loss = problem()
    t_params, t_loss = torch_problem(torch, model, X, y)
    ours = (nn.SGD if name == "sgd" else nn.Adam)(
        [
            {"params": layer.parameters(), **override}
            for layer, override in zip(model.layers, overrides)
        ],
        **options,
    )
    theirs = (torch.optim.SGD if name == "sgd" else torch.optim.Adam)(
        [
            {"params": t_params[2 * i : 2 * i + 2], **override}
            for i, override in enumerate(overrides)
        ],
        **options,
    )
    for ours_group, theirs_group in zip(ours.param_groups, theirs.param_groups):
        for key in ours.defaults:
            assert ours_group[key] == pytest.approx(theirs_group[key]), key
    for _ in range(STEPS):
        value = loss()
        ours.zero_grad()
        value.backward()
        ours.step()
        theirs.zero_grad()
        t_loss().backward()
        theirs.step()
    assert flat_ours(model) == pytest.approx(flat_torch(t_params), rel=0, abs=1e-9)
    assert loss().data < problem()[3]().data


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_default_learning_rates_are_torch_optims(name, torch):
    ours = getattr(nn, name)([Value(1.0)])
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)])
    assert ours.lr == theirs.defaults["lr"] == 1e-3
    for key, value in ours.defaults.items():
        assert value == pytest.approx(theirs.defaults[key]), key


def test_schedule_through_param_groups_matches_torch(torch):
    """A per-group schedule, set the PyTorch way, moves each parameter as torch's does."""
    ours_params = [Value(1.0), Value(-2.0)]
    theirs_params = [
        torch.tensor(p.data, dtype=torch.float64, requires_grad=True) for p in ours_params
    ]
    ours = nn.SGD([{"params": [ours_params[0]]}, {"params": [ours_params[1]], "lr": 0.5}], lr=0.1)
    theirs = torch.optim.SGD(
        [{"params": [theirs_params[0]]}, {"params": [theirs_params[1]], "lr": 0.5}], lr=0.1
    )
    for k in range(5):
        for optimizer in (ours, theirs):
            for group in optimizer.param_groups:
                group["lr"] = group["lr"] * 0.9
        ours.zero_grad()
        (ours_params[0] * ours_params[0] + ours_params[1] * ours_params[1] * k).backward()
        ours.step()
        theirs.zero_grad()
        (theirs_params[0] ** 2 + theirs_params[1] ** 2 * k).backward()
        theirs.step()
    assert [p.data for p in ours_params] == pytest.approx(
        [t.item() for t in theirs_params], rel=0, abs=1e-12
    )


def test_groups_take_the_defaults_they_do_not_override_and_keep_other_keys():
    a, b = Value(1.0), Value(2.0)
    sgd = nn.SGD([{"params": [a], "name": "first"}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    first, second = sgd.param_groups
    assert first == {
        "params": [a],
        "lr": 0.1,
        "momentum": 0.9,
        "weight_decay": 0.0,
        "name": "first",
    }
    assert second["params"] == [b] and second["lr"] == 0.5 and second["momentum"] == 0.9
    assert sgd.params == [a, b]


def test_lr_shorthand_needs_a_single_group():
    a, b = Value(1.0), Value(2.0)
    sgd = nn.SGD([a, b], lr=0.1)
    sgd.lr = 0.25
    assert sgd.param_groups[0]["lr"] == 0.25 and sgd.lr == 0.25
    with pytest.raises(ValueError, match="lr"):
        sgd.lr = -1.0
    two = nn.Adam([{"params": [a]}, {"params": [b], "lr": 0.1}])
    with pytest.raises(AttributeError, match="param_groups"):
        two.lr  # noqa: B018 - reading it is the test
    with pytest.raises(AttributeError, match="param_groups"):
        two.lr = 0.5
    assert [g["lr"] for g in two.param_groups] == [1e-3, 0.1]


def test_add_param_group_adds_parameters_with_fresh_state():
    a, b = Value(0.0), Value(0.0)
    adam = nn.Adam([a], lr=0.1)
    a.grad = 1.0
    adam.step()
    adam.add_param_group({"params": [b], "lr": 0.2})
    a.grad = b.grad = 1.0
    adam.step()
    # Adam's first step moves a parameter by lr: b is on its first step
    assert b.data == pytest.approx(-0.2)
    with pytest.raises(ValueError, match="more than one parameter group"):
        adam.add_param_group({"params": [a]})


@pytest.mark.parametrize(
    "params, error, message",
    [
        ([{"params": [Value(1.0)], "lr": -1.0}], ValueError, "lr"),
        ([{"params": [Value(1.0)], "momentum": math.inf}], ValueError, "momentum"),
        ([{"lr": 0.1}], ValueError, "'params'"),
        ([{"params": [Value(1.0)]}, Value(2.0)], TypeError, "not both"),
        ([{"params": {Value(1.0)}}], TypeError, "set"),
        ([{"params": [1.0]}], TypeError, "params'\\]\\[0\\]"),
        ({Value(1.0)}, TypeError, "set"),
    ],
)
def test_bad_parameter_groups_are_rejected(params, error, message):
    with pytest.raises(error, match=message):
        nn.SGD(params, lr=0.1)


def test_a_parameter_shared_by_two_groups_is_rejected():
    p = Value(1.0)
    with pytest.raises(ValueError, match="more than one parameter group"):
        nn.SGD([{"params": [p]}, {"params": [p]}])


def test_sgd_momentum_buffer_starts_at_the_first_gradient():
    p = Value(1.0)
    sgd = nn.SGD([p], lr=0.1, momentum=0.9)
    p.grad = 2.0
    sgd.step()  # buf = 2
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0)
    p.grad = 1.0
    sgd.step()  # buf = 0.9 * 2 + 1 = 2.8
    assert p.data == pytest.approx(0.8 - 0.1 * 2.8)


def test_adam_first_step_moves_each_parameter_by_lr():
    # with bias correction, m / sqrt(v) = g / |g| on step one
    params = [Value(1.0), Value(-2.0)]
    adam = nn.Adam(params, lr=0.01)
    params[0].grad, params[1].grad = 3.0, -0.001
    adam.step()
    assert params[0].data == pytest.approx(0.99, abs=1e-7)
    assert params[1].data == pytest.approx(-1.99, abs=1e-4)


def test_weight_decay_adds_l2_gradient():
    p = Value(2.0)
    nn.SGD([p], lr=0.1, weight_decay=0.5).step()  # grad 0 + 0.5 * 2
    assert p.data == pytest.approx(2.0 - 0.1 * 1.0)


def test_zero_grad_clears_gradients_of_every_group():
    params = [Value(1.0), Value(2.0), Value(3.0)]
    for p in params:
        p.grad = 3.0
    opt = nn.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}])
    opt.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0, 0.0]


def test_namespace_holds_only_public_names():
    assert dir(nn.optim) == ["Adam", "Optimizer", "ParamGroup", "SGD"]


def test_lr_can_follow_a_schedule():
    p = Value(0.0)
    sgd = nn.SGD([p], lr=1.0)
    for k in range(3):
        sgd.lr = 1.0 / (k + 1)
        p.grad = 1.0
        sgd.step()
    assert p.data == pytest.approx(-(1.0 + 0.5 + 1.0 / 3.0))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.SGD([Value(1.0)], lr=-0.1), "lr"),
        (lambda: nn.SGD([Value(1.0)], lr=math.nan), "lr"),
        (lambda: nn.SGD([Value(1.0)], lr=0.1, momentum=-1), "momentum"),
        (lambda: nn.SGD([], lr=0.1), "empty"),
        (lambda: nn.Adam([Value(1.0)], betas=(1.0, 0.999)), "beta1"),
        (lambda: nn.Adam([Value(1.0)], betas=(0.9,)), "betas"),
        (lambda: nn.Adam([Value(1.0)], eps=-1e-8), "eps"),
        (lambda: nn.Adam([Value(1.0)], weight_decay=-1), "weight_decay"),
    ],
)
def test_bad_hyperparameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_duplicate_or_non_value_parameters_are_rejected():
    p = Value(1.0)
    with pytest.raises(ValueError, match="more than once"):
        nn.SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match="params\\[0\\]"):
        nn.Adam([1.0])
    with pytest.raises(TypeError):
        nn.Adam(p)


def test_adam_with_eps_zero_and_a_zero_gradient_gives_nan_as_torch(torch) -> None:
    p = Value(1.0)
    optimizer = nn.Adam([p], lr=0.1, eps=0.0)
    optimizer.step()  # m = v = 0: the update is 0 / 0
    tp = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    tp.grad = torch.zeros(1, dtype=torch.float64)
    torch.optim.Adam([tp], lr=0.1, eps=0.0).step()
    assert math.isnan(p.data) and math.isnan(tp.item())


def test_adam_with_eps_zero_and_a_nonzero_gradient_is_a_number() -> None:
    p = Value(1.0)
    p.grad = 2.0
    nn.Adam([p], lr=0.1, eps=0.0).step()
    assert p.data == pytest.approx(0.9, rel=1e-12)
