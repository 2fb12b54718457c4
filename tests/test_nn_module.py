"""Tests for nn.module: Neuron, Layer and MLP (shapes, seeding, outputs, gradients)."""

from __future__ import annotations

import math
import random

import pytest

import engine
import nn
from engine import Value


def torch_mlp_forward(torch, model: nn.MLP, x: list[float]):
    """The same MLP in PyTorch float64: returns (output tensor, weight tensors per layer)."""
    activations = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}
    h = torch.tensor(x, dtype=torch.float64)
    tensors = []
    for layer in model.layers:
        w = torch.tensor(
            [[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True
        )
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        tensors.append((w, b))
        h = w @ h + b
        if layer.activation != "linear":
            h = activations[layer.activation](h)
    return h, tensors


def test_same_seed_gives_same_weights_and_other_seeds_differ():
    a = nn.MLP(2, [4, 3], seed=7).state_dict()
    b = nn.MLP(2, [4, 3], seed=7).state_dict()
    c = nn.MLP(2, [4, 3], seed=8).state_dict()
    assert a == b
    assert a != c


def test_seed_none_draws_from_the_global_random_stream():
    random.seed(1337)
    first = nn.MLP(2, [4, 1]).state_dict()
    after_first = random.random()
    random.seed(1337)
    assert nn.MLP(2, [4, 1]).state_dict() == first  # random.seed makes a run repeatable
    assert random.random() == after_first  # and the model drew from that same stream
    assert nn.MLP(2, [4, 1]).state_dict() != first  # the stream moved on: new weights


def test_int_seed_leaves_the_global_stream_alone():
    random.seed(5)
    expected = random.random()
    random.seed(5)
    nn.MLP(2, [4, 1], seed=0)
    nn.Neuron(3, seed=1)
    nn.Layer(3, 2, seed=2)
    assert random.random() == expected


def test_a_shared_generator_is_drawn_from_in_order():
    rng = random.Random(9)
    a, b = nn.Neuron(3, seed=rng), nn.Neuron(3, seed=rng)
    again = random.Random(9)
    assert nn.Neuron(3, seed=again).state_dict() == a.state_dict()
    assert nn.Neuron(3, seed=again).state_dict() == b.state_dict()


def test_default_init_is_micrograds():
    assert nn.module.DEFAULT_INIT == "micrograd"
    assert nn.MLP(3, [4, 2], seed=1).state_dict() == (
        nn.MLP(3, [4, 2], seed=1, init="micrograd").state_dict()
    )
    assert nn.MLP(3, [4, 2], seed=1).init == "micrograd"


def test_micrograd_init_draws_weights_in_minus_one_one_and_zero_biases():
    model = nn.MLP(64, [32, 1], seed=0, init="micrograd")
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    biases = [n.b.data for layer in model.layers for n in layer.neurons]
    assert biases == [0.0] * 33
    assert max(abs(w) for w in weights) <= 1.0
    # uniform on [-1, 1] has standard deviation 1 / sqrt(3), whatever the fan-in
    std = math.sqrt(sum(w * w for w in weights) / len(weights))
    assert abs(std - 1.0 / math.sqrt(3)) < 0.05


def test_micrograd_init_draws_exactly_the_uniforms_of_the_stream():
    neuron = nn.Neuron(3, seed=4, init="micrograd")
    rng = random.Random(4)
    assert [w.data for w in neuron.w] == [rng.uniform(-1.0, 1.0) for _ in range(3)]


def test_pytorch_init_is_scaled_by_fan_in():
    model = nn.MLP(64, [32, 1], seed=0, init="pytorch")
    bound = 1.0 / math.sqrt(64)
    first = [p.data for n in model.layers[0].neurons for p in n.w]
    assert max(abs(w) for w in first) <= bound
    # uniform on [-bound, bound] has standard deviation bound / sqrt(3)
    std = math.sqrt(sum(w * w for w in first) / len(first))
    assert abs(std - bound / math.sqrt(3)) < 0.1 * bound
    # biases too, each layer by its own fan-in
    first_biases = [n.b.data for n in model.layers[0].neurons]
    assert max(abs(b) for b in first_biases) <= bound and len(set(first_biases)) == 32
    assert 0.0 < abs(model.layers[1].neurons[0].b.data) <= 1.0 / math.sqrt(32)


@pytest.mark.parametrize("bad", ["kaiming", "Micrograd", None, 1])
def test_unknown_init_is_rejected(bad):
    with pytest.raises(ValueError, match="init must be one of 'micrograd', 'pytorch'"):
        nn.MLP(2, [3, 1], init=bad)
    with pytest.raises(ValueError, match="init"):
        nn.Neuron(2, init=bad)


def test_parameters_are_labelled_with_their_names():
    for model in (nn.MLP(2, [3, 2], seed=0), nn.Layer(2, 3, seed=0), nn.Neuron(2, seed=0)):
        assert [p.label for p in model.parameters()] == [n for n, _ in model.named_parameters()]
    assert nn.MLP(2, [3, 1], seed=0).parameters()[4].label == "layers.0.neurons.1.w.1"


def test_a_drawn_network_shows_which_box_is_which_weight():
    pytest.importorskip("graphviz")
    model = nn.MLP(2, [2, 1], seed=0)
    source = engine.draw_dot(model([1.0, -1.0])).source
    for name, _ in model.named_parameters():
        assert name in source


def test_module_is_callable_and_says_what_a_subclass_must_define():
    class Scale(nn.Module):
        def __init__(self) -> None:
            self.k = Value(2.0)

        def __call__(self, x):
            return self.k * x[0]

        def named_parameters(self):
            yield "k", self.k

    assert Scale()([3.0]).data == 6.0
    assert Scale().state_dict() == {"k": 2.0}
    with pytest.raises(NotImplementedError, match="__call__"):
        nn.Module()([1.0])


def test_parameter_count_names_and_order():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    named = list(model.named_parameters())
    assert len(named) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    assert len({name for name, _ in named}) == 337
    assert named[0][0] == "layers.0.neurons.0.w.0"
    assert named[2][0] == "layers.0.neurons.0.b"
    assert named[-1][0] == "layers.2.neurons.0.b"
    assert [p for _, p in named] == model.parameters()


def test_one_output_gives_a_value_and_several_give_a_list():
    assert isinstance(nn.MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = nn.MLP(2, [3, 4], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 4
    assert all(isinstance(o, Value) for o in out)


def test_width_one_hidden_layer_feeds_the_next_layer():
    out = nn.MLP(2, [1, 3], seed=0)([0.5, -0.5])
    assert isinstance(out, list) and len(out) == 3
    assert isinstance(nn.MLP(3, [1, 1, 1], seed=0)([1, 2, 3]), Value)


def test_layer_and_neuron_outputs():
    layer = nn.Layer(3, 2, seed=0)
    assert len(layer([1, 2, 3])) == 2
    assert isinstance(nn.Layer(3, 1, seed=0)([1, 2, 3]), Value)
    assert isinstance(nn.Neuron(3, seed=0)([1, 2, 3]), Value)


@pytest.mark.parametrize(
    "activation, fn",
    [
        ("relu", lambda a: max(a, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda a: 1.0 / (1.0 + math.exp(-a))),
        ("linear", lambda a: a),
    ],
)
def test_neuron_computes_activation_of_weighted_sum(activation, fn):
    neuron = nn.Neuron(3, activation=activation, seed=1)
    x = [0.5, -2.0, 1.5]
    pre = sum(w.data * xi for w, xi in zip(neuron.w, x)) + neuron.b.data
    assert neuron(x).data == pytest.approx(fn(pre), rel=1e-12, abs=1e-15)


def test_each_neuron_is_one_fused_dot_node():
    neuron = nn.Neuron(5, activation="tanh", seed=0)
    out = neuron([1, 2, 3, 4, 5])
    assert out.op == "tanh"
    (pre,) = out.parents
    assert pre.op == "dot"
    assert pre.parents[:5] == tuple(neuron.w) and pre.parents[-1] is neuron.b


def test_mlp_converts_number_inputs_once_for_all_first_layer_neurons():
    model = nn.MLP(2, [3, 1], activation="linear", seed=0)
    out = model([1.0, 2.0])
    first_layer_dots = out.parents[3:6]  # (w1..w3, x1..x3, b)
    assert all(d.op == "dot" for d in first_layer_dots)
    inputs = first_layer_dots[0].parents[2:4]
    assert all(d.parents[2:4][0] is inputs[0] for d in first_layer_dots)
    assert all(d.parents[2:4][1] is inputs[1] for d in first_layer_dots)


def test_hidden_layers_use_activation_and_last_layer_is_linear():
    model = nn.MLP(2, [4, 4, 2], activation="tanh", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "linear"]
    out = model([0.3, 0.1])
    assert all(o.op == "dot" for o in out)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_output_and_parameter_gradients_match_torch(activation, torch):
    model = nn.MLP(3, [5, 4, 2], activation=activation, seed=3)
    x = [0.7, -1.2, 0.4]
    out = model(x)
    (out[0] * out[1] + out[0]).backward()
    t_out, tensors = torch_mlp_forward(torch, model, x)
    (t_out[0] * t_out[1] + t_out[0]).backward()
    assert [o.data for o in out] == pytest.approx(t_out.tolist(), rel=1e-12, abs=1e-14)
    for layer, (w, b) in zip(model.layers, tensors):
        for i, neuron in enumerate(layer.neurons):
            assert [p.grad for p in neuron.w] == pytest.approx(w.grad[i].tolist(), abs=1e-12)
            assert neuron.b.grad == pytest.approx(b.grad[i].item(), abs=1e-12)


def test_mlp_gradients_match_central_differences():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=4)
    point = [0.3, -0.8]
    # with respect to the inputs
    assert engine.gradcheck(lambda a, b: model([a, b]), point)
    # with respect to every parameter (gradcheck's backward left gradients behind)
    model.zero_grad()
    model(point).backward()
    numeric = []
    eps = 1e-6
    for p in model.parameters():
        original = p.data
        p.data = original + eps
        up = model(point).data
        p.data = original - eps
        down = model(point).data
        p.data = original
        numeric.append((up - down) / (2 * eps))
    assert [p.grad for p in model.parameters()] == pytest.approx(numeric, abs=1e-7)


def test_zero_grad_clears_every_parameter():
    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_value_inputs_receive_gradients():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    x = [Value(0.5), Value(-0.25)]
    model(x).backward()
    assert any(v.grad != 0.0 for v in x)


@pytest.mark.parametrize("bad", ["softmax", "ReLU", None, 3])
def test_unknown_activation_is_rejected(bad):
    with pytest.raises(ValueError, match="activation"):
        nn.MLP(2, [3, 1], activation=bad)
    with pytest.raises(ValueError, match="activation"):
        nn.Neuron(2, activation=bad)


@pytest.mark.parametrize("nouts", [[], [3, 0], [2.5], "16,16", [True]])
def test_bad_layer_sizes_are_rejected(nouts):
    with pytest.raises(ValueError):
        nn.MLP(2, nouts)


def test_bad_nin_is_rejected():
    with pytest.raises(ValueError, match="nin"):
        nn.Neuron(0)


def test_wrong_number_of_inputs_is_rejected():
    with pytest.raises(ValueError, match="takes 2 inputs, got 3"):
        nn.MLP(2, [3, 1], seed=0)([1, 2, 3])


def test_non_number_inputs_are_rejected():
    with pytest.raises(TypeError):
        nn.MLP(2, [3, 1], seed=0)(["a", 1])
    with pytest.raises(TypeError):
        nn.MLP(2, [3, 1], seed=0)(Value(1.0))


def test_reprs_describe_the_model():
    assert repr(nn.MLP(2, [16, 1], seed=0)) == (
        "MLP(nin=2, nouts=[16, 1], activation='relu', init='micrograd')"
    )
    assert repr(nn.Layer(2, 3, activation="tanh", init="pytorch")) == (
        "Layer(nin=2, nout=3, activation='tanh', init='pytorch')"
    )
    assert repr(nn.Neuron(4)) == "Neuron(nin=4, activation='relu', init='micrograd')"


def test_public_namespaces_hold_only_public_names():
    import importlib.metadata

    for module in (nn.datasets, nn.module, nn.optim, nn.losses):
        names = dir(module)
        assert names == sorted(module.__all__), module.__name__
        for private in ("math", "random", "numbers", "Any", "annotations", "json", "os"):
            assert private not in names
    assert nn.__version__ == importlib.metadata.version("chainrule")
    assert "__version__" in nn.__all__
