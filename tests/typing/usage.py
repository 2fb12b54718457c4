"""What a user writes, checked by `mypy --strict` and `pyright` (see pyproject.toml).

Every example of the README and the docs, and the uses the notebooks make of `engine` and
`nn`, written as a user would, with `assert_type` where the type a user gets matters. It
is not a test module (pytest does not collect it); tests/test_packaging.py runs it as a
script, so every line here also works. Keep it in step with the README.
"""

from __future__ import annotations

import math
from typing import Any

from typing_extensions import assert_type

import engine
import nn
from engine import Value, grad, no_grad
from nn.datasets import make_moons

# ---- micrograd's README example, as in ours ------------------------------------------
a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
assert_type(g, Value)
g.backward()
assert_type(a.grad, float)
assert_type(g.data, float)
assert f"{g.data:.4f}" == "24.7041"
assert f"{a.grad:.4f}" == "138.8338"
assert f"{b.grad:.4f}" == "645.5773"

# ---- every op, with a Value or a number on either side -------------------------------
x = Value(0.5, label="x")
w = Value(-3.0, label="w")
assert_type(x + 1, Value)
assert_type(1 + x, Value)
assert_type(x - 1, Value)
assert_type(1 - x, Value)
assert_type(x * 2, Value)
assert_type(2 * x, Value)
assert_type(x / 2, Value)
assert_type(2 / x, Value)
assert_type(x**2, Value)
assert_type(2**x, Value)
assert_type(x**w, Value)
assert_type(-x, Value)
assert_type(abs(x), Value)
assert_type(x.relu(), Value)
assert_type(x.tanh(), Value)
assert_type(x.sigmoid(), Value)
assert_type(x.exp(), Value)
assert_type(x.log(), Value)
assert_type(x.sin(), Value)
assert_type(x.cos(), Value)
assert_type(x.pow(3), Value)
assert_type(x.sqrt(), Value)
assert_type(x.leaky_relu(0.01), Value)
assert_type(x.softplus(), Value)
assert_type(engine.dot([w, 2.0], [x, 1.5], 0.5), Value)
assert_type(engine.sum([x, w, 1.0]), Value)
assert_type(x.item(), float)
assert_type(x.detach(), Value)
assert_type(x.label, str)
assert_type(x.op, str)
assert_type(x.parents, tuple[Value, ...])

# formatting acts on .data, as for a number
assert f"{x:.3f}" == "0.500"
assert_type(round(x, 2), float)
assert_type(round(Value(2.7)), int)
assert_type(int(Value(2.7)), int)
assert_type(float(x), float)

# ---- backward, accumulation, hooks -----------------------------------------------------
n = (x * w + 6.8813735870195432).tanh()
n.backward()
n.backward(2.0)
x.zero_grad()


def double(gradient: float) -> float:
    return 2.0 * gradient


n2 = x * w
n2.register_hook(double)
n2.backward()

for node in n.backward_steps():
    assert_type(node, Value)
for node in engine.topological_order(n):
    assert_type(node, Value)

# ---- grad: floats by default, Values with create_graph=True ---------------------------
x = Value(1.0)
assert_type(grad(x.tanh(), [x]), list[float])
(dy,) = grad(x.tanh(), [x], create_graph=True)  # 1 - tanh(x)**2, as a graph
assert_type(dy, Value)
(d2y,) = grad(dy, [x])
assert_type(d2y, float)
assert f"{d2y:.5f}" == "-0.63970"
(d2v,) = grad(dy, [x], create_graph=True)
(d3y,) = grad(d2v, [x])
assert math.isfinite(d3y)

px, py = Value(-1.0), Value(2.0)


def rosenbrock(p: Value, q: Value) -> Value:
    return (1 - p) ** 2 + 100 * (q - p**2) ** 2


gx, gy = grad(rosenbrock(px, py), [px, py], create_graph=True)
hessian = [grad(gx, [px, py]), grad(gy, [px, py])]
assert_type(hessian, list[list[float]])

# ---- checks and modes ------------------------------------------------------------------
assert_type(engine.gradcheck(lambda p, q: p * q.tanh(), [0.3, -1.2]), bool)
with no_grad():
    leaf = x * 2
assert leaf.op == "" and leaf.parents == ()


@no_grad()
def predict(value: Value) -> Value:
    return value * 3


assert_type(predict(x), Value)
with engine.detect_anomaly():
    Value(1.0).exp()

# ---- drawing (DOT source only: rendering needs Graphviz's dot program) ----------------
graph = engine.draw_dot(n, rankdir="TB", highlight=x)
source: str = graph.source
assert source.startswith("digraph")

# ---- nn: a neuron, a model, losses, optimizers -----------------------------------------
neuron = nn.Neuron(3, activation="tanh", seed=0)
out = neuron([1.0, -2.0, 0.5])
out.backward()

X, labels = make_moons(40, noise=0.1, seed=0)
assert_type(X, list[list[float]])
assert_type(labels, list[int])
model = nn.MLP(2, [8, 8, 1], seed=0)
model(X[0]).backward()  # one output: a Value
optimizer = nn.Adam(model.parameters(), lr=0.05)
for _epoch in range(3):
    loss = nn.binary_cross_entropy([model(point) for point in X], labels)
    assert_type(loss, Value)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

hinge = nn.hinge_loss([model(point) for point in X], [2 * label - 1 for label in labels])
assert_type(hinge, Value)
regression = nn.MLP(1, [8, 1], activation="tanh", seed=0)
mse = nn.mse_loss([regression([t / 10]) for t in range(5)], [0.1, 0.2, 0.3, 0.4, 0.5])
assert_type(mse, Value)

classifier = nn.MLP(2, [8, 3], seed=1)  # three outputs: a list of logits per point
ce = nn.cross_entropy([classifier(point) for point in X], [label + 1 for label in labels])
assert_type(ce, Value)
sgd = nn.SGD(classifier.parameters(), lr=0.1, momentum=0.9)
sgd.zero_grad()
ce.backward()
sgd.step()
groups: list[dict[str, Any]] = [{"params": classifier.parameters(), "lr": 0.01}]
nn.SGD(groups, lr=0.1).step()

state = model.state_dict()
assert_type(state, dict[str, float])
model.load_state_dict(state)
model.zero_grad()
assert_type(model.parameters(), list[Value])
module: nn.Module = model
module(X[0])  # any Module is callable

# ---- the README's replay: record snapshots while fitting, then the page ----------------
replay_model = nn.MLP(2, [4, 1], seed=0)
recorder = nn.Snapshots(replay_model, X, labels, loss="bce")
history = nn.fit(replay_model, X, labels, loss="bce", epochs=2, callbacks=[recorder])
assert_type(history, dict[str, list[float]])
page = nn.training_report(replay_model, X, labels, history, snapshots=recorder.snapshots)
assert_type(page, nn.Report)
assert page.html.startswith("<!DOCTYPE html>")

# ---- the README's player: a page that steps through backprop ---------------------------
neuron_out = (Value(2.0, "x") * Value(-3.0, "w") + 6.88).tanh()
stepper = engine.player(neuron_out)
assert_type(stepper, engine.Player)
assert 'data-role="step"' in stepper.html

# ---- derivative matrices -----------------------------------------------------------------
jac = engine.jacobian(lambda u, v: [u * v, u + v], [1.0, 2.0])
hes = engine.hessian(lambda u, v: u * u * v, [1.0, 2.0])
assert hes[0][1] == 2.0 and jac[0] == [2.0, 1.0]
