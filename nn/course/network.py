"""The course's second half: the reference network and training loop a learner writes in
notebooks 06 to 08, and the checkers of notebooks 04 and 06 to 09.

The reference versions (`Neuron`, `Layer`, `MLP`, `mse`, `softmax`, `sgd_step`, `train`,
`accuracy`, `minibatches`) are built on the course's `Value` (`nn.course.value`), in
micrograd's shape, and written as a learner writes them. A notebook whose exercise is not
solved goes on with them, and says so: `yours_or_reference(yours, reference)` returns the
learner's version once it has passed its checker, else the reference, and prints which.

Each `check_*` function is what an exercise cell ends with. It prints "Correct: ..." or
"Not yet: <hint>" (`nn.course.checking`) and returns nothing (a True or False would be echoed
under the cell). Each hint names the mistake it recognised without handing over the
answer; an exception in the learner's code becomes a hint naming the learner's line. The
checkers never change the state of Python's global `random` that the notebook sees.

The digits task of notebook 08 keeps its test images here: `digits_split()` gives the
notebook its training and validation images; `check_digit_model` measures the learner's
model on 300 others, which no public function returns. After the check,
`held_out_result(model)` gives the notebook what the checker measured for that model (the
accuracy and the test images it got wrong), never the test set itself.

`save_network` and `load_network` carry the learner's Neuron, Layer and MLP from notebook 06
to notebook 07 (a file, `my_network.py`), as `nn.course.value` does for the Value of 03.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import inspect
import io
import math
import os
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import engine
import nn
from nn.course.checking import NotYet, call, checker, close, is_number
from nn.course.saving import (
    SourceError,
    class_source,
    global_names,
    import_fresh,
    importable,
    write_module,
)
from nn.course.value import Value

__all__ = [
    "MLP",
    "Layer",
    "Neuron",
    "accuracy",
    "check_accuracy",
    "check_bias",
    "check_digit_model",
    "check_layer",
    "check_minibatches",
    "check_mlp",
    "check_mse",
    "check_neuron",
    "check_parameter_count",
    "check_root_step",
    "check_newton_step",
    "check_sgd_step",
    "check_sigmoid_slope",
    "check_softmax",
    "check_train",
    "digit_reference_model",
    "digits_split",
    "HeldOutResult",
    "held_out_result",
    "load_network",
    "minibatches",
    "mse",
    "newton_step",
    "save_network",
    "sgd_step",
    "sigmoid_slope",
    "softmax",
    "train",
    "trained_digit_model",
    "yours_or_reference",
]

T = TypeVar("T")

# ---- the reference network (notebook 06) ----------------------------------------------


class Neuron:
    """tanh(w . x + b) for `nin` inputs, or the pre-activation w . x + b itself when
    `nonlinear` is False (an output neuron gives a score, any number)."""

    def __init__(self, nin: int, nonlinear: bool = True) -> None:
        # micrograd's start: weights from U(-1, 1) in order, the bias 0 (no number drawn)
        self.w: list[Value] = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b: Value = Value(0.0)
        self.nonlinear = nonlinear

    def __call__(self, x: Sequence[Value | float]) -> Value:
        # the pre-activation: b + w0 x0 + w1 x1 + ...
        pre_activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return pre_activation.tanh() if self.nonlinear else pre_activation

    def parameters(self) -> list[Value]:
        return self.w + [self.b]


class Layer:
    """`nout` neurons that all read the same `nin` inputs."""

    def __init__(self, nin: int, nout: int, nonlinear: bool = True) -> None:
        self.neurons: list[Neuron] = [Neuron(nin, nonlinear) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Any:
        outs = [neuron(x) for neuron in self.neurons]
        # one neuron: its Value itself, as micrograd does (an MLP's single output is a Value)
        return outs[0] if len(outs) == 1 else outs

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    """`nin` inputs, then one layer per entry of `nouts`; tanh hidden layers, a linear last
    layer."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers: list[Layer] = [
            Layer(sizes[i], sizes[i + 1], nonlinear=i < last) for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]


# ---- the reference training pieces (notebooks 07 and 08) -------------------------------


def mse(preds: Sequence[Value], targets: Sequence[float]) -> Value:
    """mean((pred - target)**2): one Value, so backward() reaches every prediction."""
    total: Any = sum((p - t) ** 2 for p, t in zip(preds, targets))
    return total / len(preds)  # type: ignore[no-any-return]


def softmax(logits: Sequence[Value]) -> list[Value]:
    """e^z_i / sum_j e^z_j, built from the logits so that gradients flow back to them."""
    exps = [z.exp() for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


def sgd_step(params: Sequence[Value], lr: float) -> None:
    """One step of gradient descent: each parameter moves against its gradient."""
    for p in params:
        p.data -= lr * p.grad


def train(
    model: Any, xs: Sequence[float], ys: Sequence[float], epochs: int, lr: float
) -> list[float]:
    """Full-batch gradient descent on the MSE; the loss of each epoch, before its update."""
    losses = []
    for _ in range(epochs):
        loss = mse([model([x]) for x in xs], ys)  # forward over the whole batch
        for p in model.parameters():  # the gradients of the last epoch are still there
            p.grad = 0.0
        loss.backward()
        sgd_step(model.parameters(), lr)
        losses.append(loss.data)
    return losses


def accuracy(predicted: Sequence[int], labels: Sequence[int]) -> float:
    """The fraction of predictions equal to their label."""
    return sum(p == t for p, t in zip(predicted, labels)) / len(labels)


def minibatches(indices: Sequence[int], batch_size: int) -> list[list[int]]:
    """Consecutive slices of `batch_size`; the last one may be shorter."""
    return [
        list(indices[start : start + batch_size]) for start in range(0, len(indices), batch_size)
    ]


# ---- which version the notebook goes on with -------------------------------------------

# what passed each checker, by the reference's name: the learner's object itself, so that a
# version redefined after passing counts as unchecked again
_passed: dict[str, object] = {}

# each exercise's check as written (returns the success message or raises NotYet), by name:
# load_network runs the checks of Neuron, Layer and MLP again on the classes it imports
_checks: dict[str, Callable[..., str]] = {}


def yours_or_reference(yours: T, reference: T) -> T:
    """The learner's version if it passed its checker, else the course's (and say which)."""
    name = getattr(reference, "__name__", "it")
    if _passed.get(name) is yours and yours is not None:
        print(f"Going on with your {name}: it passed its check.")
        return yours
    print(
        f"Going on with the course's {name} (nn.course.network.{name}): yours has not passed "
        "its check yet. Once it does, run this cell again to use yours."
    )
    return reference


def _exercise(name: str) -> Callable[[Callable[..., str]], Callable[..., None]]:
    """A check (returns the success message or raises NotYet) as a checker cell's call:
    prints the verdict, records what passed under `name`, echoes nothing, and leaves the
    global `random` as it found it."""

    def wrap(check: Callable[..., str]) -> Callable[..., None]:
        verdict = checker(check)
        _checks[name] = check

        @functools.wraps(check)
        def run(answer: Any, *args: Any) -> None:
            state = random.getstate()
            try:
                passed = verdict(answer, *args)
            finally:
                random.setstate(state)
            _passed[name] = answer if passed else None

        return run

    return wrap


# ---- small tools of the checkers --------------------------------------------------------


def _is_value(x: object) -> bool:
    return hasattr(x, "data") and hasattr(x, "grad") and hasattr(x, "backward")


def _number(x: object) -> float | None:
    return float(cast(float, x)) if is_number(x) else None


def _attribute(obj: object, name: str, made_by: str, should: str) -> Any:
    if not hasattr(obj, name):
        raise NotYet(f"{made_by} has no attribute `{name}`: {should}")
    return getattr(obj, name)


def _value_list(items: object, what: str, count: int, per: str) -> list[Any]:
    if items is None:
        raise NotYet(f"{what} is None: it should be a list of {count} Values ({per}).")
    if not isinstance(items, list):
        raise NotYet(f"{what} is a {type(items).__name__}, not a list of {count} Values ({per}).")
    if len(items) != count:
        raise NotYet(f"{what} has {len(items)} items, not {count}: {per}.")
    for item in items:
        if not _is_value(item):
            raise NotYet(
                f"{what} holds a {type(item).__name__} ({item!r}): each item is a Value, "
                "so that backward() can give it a gradient."
            )
    return items


def _seeded(seed: int) -> None:
    random.seed(seed)  # the caller (an `_exercise`) puts the notebook's state back


def _set(values: Sequence[Any], numbers: Sequence[float]) -> None:
    for v, x in zip(values, numbers):
        v.data = x


def _output(out: object, what: str) -> Any:
    if out is None:
        raise NotYet(f"{what} returned None: return the output, a Value.")
    if isinstance(out, list):
        raise NotYet(f"{what} returned a list ({len(out)} items): a neuron gives one Value.")
    if not _is_value(out):
        if _number(out) is not None:
            raise NotYet(
                f"{what} returned the number {out!r}, not a Value: build the output from the "
                "Values (+, * and tanh), never from their .data, or backward() cannot reach "
                "the weights."
            )
        raise NotYet(f"{what} returned a {type(out).__name__}: return one Value.")
    return out


# ---- notebook 04: a neuron's bias, the sigmoid's slope -----------------------------------


@_exercise("bias")
def check_bias(bias: Any) -> str:
    """The bias that puts the tanh of the neuron x1 = 1, w1 = 2 where its slope is 0.5."""
    if bias is Ellipsis:
        raise NotYet("bias is still `...`: replace it with your number (or an expression).")
    b = _number(bias.data if _is_value(bias) else bias)
    if b is None:
        raise NotYet(f"bias is {bias!r}: give a number (or an expression that makes one).")
    pre_activation = 1.0 * 2.0 + b
    out = math.tanh(pre_activation)
    slope = 1 - out**2
    if close(slope, 0.5, 1e-9):
        return (
            f"b = {b:.6f} makes the pre-activation {pre_activation:.6f}, where tanh = "
            f"{out:.4f} and its slope 1 - out**2 = 0.5."
        )
    if close(b, 6.8813735870195432, 1e-9):
        raise NotYet(
            "that is the bias of the neuron above, whose weighted sum was -6. Here the "
            "weighted sum x1 * w1 is 2: what must be added to it?"
        )
    if close(pre_activation, math.atanh(0.5), 1e-9) or close(b, math.atanh(0.5), 1e-9):
        raise NotYet(
            "that makes tanh = 0.5 (or the sum atanh(0.5)), but the exercise asks for the "
            "slope 1 - out**2 to be 0.5: which out gives that?"
        )
    if close(b, math.atanh(1 / math.sqrt(2)), 1e-9):
        raise NotYet(
            "that is the pre-activation the tanh needs, not the bias: the neuron adds "
            "x1 * w1 = 2 to the bias first."
        )
    side = "far from 0 (the tanh is flat there)" if slope < 0.5 else "close to 0 (steep there)"
    raise NotYet(
        f"with b = {b:.4g} the pre-activation is {pre_activation:.4g}, {side}: the slope "
        f"1 - out**2 is {slope:.4f}, not 0.5. Which out makes 1 - out**2 = 0.5, and which "
        "pre-activation gives that out?"
    )


def sigmoid_slope(s: float) -> float:
    """The sigmoid's slope from its output s: d/dx 1/(1 + e^-x) = e^-x / (1 + e^-x)**2."""
    return s * (1 - s)


@_exercise("sigmoid_slope")
def check_sigmoid_slope(sigmoid_slope: Callable[[float], object]) -> str:
    """sigmoid'(x) written with the output s = sigmoid(x) alone."""
    for x0 in [-4.0, -1.0, 0.0, 0.5, 3.0]:
        s = 1 / (1 + math.exp(-x0))
        got = call(sigmoid_slope, s, what="your sigmoid_slope")
        slope = s * (1 - s)
        if _is_value(got):
            raise NotYet("sigmoid_slope returned a Value: it takes a float s, return a float.")
        if close(got, slope, 1e-12):
            continue
        mine = _number(got)
        if mine is None:
            raise NotYet(f"sigmoid_slope({s:.4f}) returned {got!r}: return a number.")
        if x0 == 0.0 and close(mine, 0.0):
            raise NotYet(
                "sigmoid_slope(0.5) returned 0, but the sigmoid is steepest at x = 0: "
                "its slope there is not zero."
            )
        if close(mine, 1 - s**2, 1e-12):
            raise NotYet(
                "that is tanh's slope, 1 - out**2. The sigmoid's output lies in (0, 1), "
                "not (-1, 1): differentiate 1/(1 + e^-x) and write e^-x with s."
            )
        if close(mine, -slope, 1e-12):
            raise NotYet(
                "right size, wrong sign: the sigmoid only goes up, so its slope is "
                "positive everywhere."
            )
        if close(mine, s, 1e-12) or close(mine, 1 - s, 1e-12):
            raise NotYet(
                f"at s = {s:.4f} you return {mine:.4f}, a single factor: the slope at s = 0.5 "
                "is 0.25 and falls to 0 at both ends, s -> 0 and s -> 1."
            )
        raise NotYet(
            f"at x = {x0} (s = {s:.4f}) you return {mine:.6f}; the slope there is "
            f"{slope:.6f}. Differentiate 1/(1 + e^-x), then write e^-x with s."
        )
    return "sigmoid'(x) = s * (1 - s): the slope needs only the output."


# ---- notebook 06: Neuron, Layer, MLP ------------------------------------------------------


@_exercise("Neuron")
def check_neuron(neuron_class: Any) -> str:
    """The learner's Neuron: micrograd's start, its output and gradients, parameters()."""
    _seeded(6)
    neuron = call(neuron_class, 3, what="Neuron(3)")
    should_w = "__init__ makes self.w, one weight (a Value) per input."
    w = _value_list(
        _attribute(neuron, "w", "Neuron(3)", should_w), "Neuron(3).w", 3, "one per input"
    )
    b = _attribute(neuron, "b", "Neuron(3)", "__init__ makes self.b, the bias (a Value).")
    if not _is_value(b):
        raise NotYet(f"Neuron(3).b is {b!r}: the bias is a Value, so that it gets a gradient.")
    _seeded(6)
    draws = [random.uniform(-1, 1) for _ in range(3)]
    weights = [wi.data for wi in w]
    if len(set(weights)) == 1:
        raise NotYet(
            f"all three weights start at {weights[0]!r}: identical weights make identical "
            "neurons (see below). Draw each one at random."
        )
    if any(abs(x) > 1 for x in weights):
        raise NotYet(f"the weights {weights} go beyond [-1, 1]: draw each from U(-1, 1).")
    if weights != draws:
        raise NotYet(
            "the weights are not micrograd's draws: one random.uniform(-1, 1) per input, in "
            "order, and nothing else drawn before them (nn.MLP draws the same, so the "
            "comparison below can start both from the same weights)."
        )
    if b.data != 0:
        raise NotYet(f"the bias starts at {b.data!r}: micrograd starts it at 0 (no draw).")

    params = call(
        getattr(neuron, "parameters", None) or _missing("parameters"), what="parameters()"
    )
    if params is None:
        raise NotYet("parameters() returned None: return a list of the neuron's Values.")
    if not isinstance(params, list):
        raise NotYet(f"parameters() returned a {type(params).__name__}: return a list.")
    if len(params) == 3:
        raise NotYet("parameters() gives 3 Values for 3 inputs: the bias is a parameter too.")
    if len(params) != 4:
        raise NotYet(f"parameters() gives {len(params)} items; a neuron with 3 inputs has 4.")
    if not all(p is q for p, q in zip(params, w + [b])):
        if any(p is b for p in params) and all(any(p is wi for p in params) for wi in w):
            raise NotYet("parameters() has the right Values in another order: weights, then b.")
        raise NotYet(
            "parameters() returns other Values than self.w and self.b (copies?): the "
            "training changes the neuron's own Values in place, so return those."
        )

    x = [1.0, 2.0, -3.0]
    _set(w, [0.5, -1.0, 0.25])
    b.data = 0.2
    pre_activation = 0.5 * 1.0 - 1.0 * 2.0 - 0.25 * 3.0 + 0.2
    out = _output(call(neuron, x, what="your __call__"), "Neuron(3)(x)")
    expected = math.tanh(pre_activation)
    if not close(out.data, expected, 1e-12):
        if close(out.data, pre_activation, 1e-12):
            raise NotYet(
                "the output is the pre-activation w . x + b itself: a hidden neuron passes "
                "it through tanh (unless it was made with nonlinear=False)."
            )
        if close(out.data, math.tanh(pre_activation - 0.2), 1e-12):
            raise NotYet("the output is what it would be with b = 0: add the bias too.")
        if close(out.data, math.tanh(0.5 + 2.0 - 0.25 * 3.0 + 0.2), 1e-12) or close(
            out.data, math.tanh(0.5 * 1.0 - 1.0 * 2.0 + 0.2), 1e-12
        ):
            raise NotYet("the output leaves out or changes some products w_i * x_i.")
        raise NotYet(
            f"with w = [0.5, -1.0, 0.25], b = 0.2 and x = {x} the output is {out.data:.6f}; "
            f"tanh(w . x + b) is {expected:.6f}. Pair each weight with its own input."
        )
    call(out.backward, what="out.backward()")
    slope = 1 - expected**2
    grads = [wi.grad for wi in w]
    if all(g == 0 for g in grads) and b.grad == 0:
        raise NotYet(
            "the output is right, but after backward() every weight's grad is 0: the output "
            "is not connected to self.w and self.b. Build it from the Values, not from .data."
        )
    if not all(close(g, xi * slope, 1e-9) for g, xi in zip(grads, x)) or not close(
        b.grad, slope, 1e-9
    ):
        raise NotYet(
            f"after backward() the weights' grads are {[round(g, 6) for g in grads]}; "
            "d out/d w_i should be x_i * tanh'(pre-activation). Is every product made with "
            "Value operations?"
        )
    linear = call(neuron_class, 2, False, what="Neuron(2, nonlinear=False)")
    lw = getattr(linear, "w", [])
    lb: Any = getattr(linear, "b", None)
    if len(lw) == 2 and _is_value(lb):
        _set(lw, [2.0, 3.0])
        lb.data = -0.5
        score = _output(call(linear, [1.0, 1.0], what="your __call__"), "Neuron(2, False)(x)")
        if close(score.data, math.tanh(4.5), 1e-12):
            raise NotYet(
                "Neuron(2, nonlinear=False) still applies tanh: an output neuron gives the "
                "pre-activation itself (a score, any number)."
            )
        if not close(score.data, 4.5, 1e-12):
            raise NotYet(
                f"Neuron(2, nonlinear=False) with w = [2, 3], b = -0.5 gives {score.data} on "
                "x = [1, 1]: it should give the pre-activation."
            )
    return "tanh(w . x + b) from Values, micrograd's start, and its four parameters in order."


def _missing(name: str) -> Callable[[], Any]:
    def method() -> Any:
        raise NotYet(f"there is no method {name}(): define it in the class.")

    return method


@_exercise("Layer")
def check_layer(layer_class: Any) -> str:
    """The learner's Layer: nout distinct neurons of nin inputs, outputs, parameters()."""
    layer = call(layer_class, 3, 2, what="Layer(3, 2)")
    neurons = _attribute(
        layer, "neurons", "Layer(3, 2)", "__init__ makes self.neurons, a list of Neurons."
    )
    if not isinstance(neurons, list):
        raise NotYet(f"Layer(3, 2).neurons is a {type(neurons).__name__}: make it a list.")
    sizes = [len(getattr(n, "w", [])) for n in neurons]
    if len(neurons) == 3 and sizes == [2, 2, 2]:
        raise NotYet(
            "Layer(3, 2) has 3 neurons of 2 weights each: nin and nout are swapped. nin is "
            "how many inputs each neuron reads, nout how many neurons there are."
        )
    if len(neurons) != 2:
        raise NotYet(f"Layer(3, 2) has {len(neurons)} neurons: nout = 2 is their number.")
    if sizes != [3, 3]:
        raise NotYet(f"the neurons of Layer(3, 2) have {sizes} weights: each reads all 3 inputs.")
    if neurons[0] is neurons[1]:
        raise NotYet(
            "Layer(3, 2).neurons holds the same Neuron twice ([Neuron(nin)] * nout repeats one "
            "object): make a new Neuron for each place."
        )
    params = call(getattr(layer, "parameters", None) or _missing("parameters"), what="parameters()")
    if not isinstance(params, list):
        raise NotYet(f"Layer(3, 2).parameters() returned {params!r}: return a list of Values.")
    if params and isinstance(params[0], list):
        raise NotYet(
            "Layer(3, 2).parameters() is a list of lists, one per neuron: flatten it into one "
            "list of Values, neuron by neuron."
        )
    expected = [p for n in neurons for p in n.parameters()]
    if len(params) != len(expected) or not all(p is q for p, q in zip(params, expected)):
        raise NotYet(
            f"Layer(3, 2).parameters() gives {len(params)} items; expected the 8 Values of its "
            "two neurons (each: weights, then bias), neuron by neuron, in order."
        )
    x = [0.5, -1.0, 2.0]
    outs = call(layer, x, what="your Layer's __call__")
    if not isinstance(outs, list) or len(outs) != 2:
        raise NotYet(f"Layer(3, 2)(x) returned {outs!r}: a list of 2 Values, one per neuron.")
    for i, (out, neuron) in enumerate(zip(outs, neurons)):
        alone = call(neuron, x, what=f"neuron {i} of your Layer")
        if not _is_value(out) or not close(out.data, alone.data, 1e-12):
            raise NotYet(f"output {i} is not neuron {i}'s output on x: call each on the same x.")
    single = call(layer_class, 3, 1, what="Layer(3, 1)")
    one = call(single, x, what="your Layer's __call__")
    if isinstance(one, list):
        raise NotYet(
            "Layer(3, 1)(x) returns a list of one Value: with one neuron return its Value "
            "itself (as micrograd does), so that an MLP ending in one neuron gives a Value."
        )
    linear = call(layer_class, 3, 2, False, what="Layer(3, 2, nonlinear=False)")
    lin_neurons = getattr(linear, "neurons", [])
    if any(getattr(n, "nonlinear", False) for n in lin_neurons) or call(
        _applies_tanh, linear, x, what="Layer(3, 2, nonlinear=False)(x)"
    ):
        raise NotYet(
            "Layer(3, 2, nonlinear=False) makes tanh neurons: pass nonlinear on to each Neuron."
        )
    return "nout neurons of nin inputs each, their outputs, and all their parameters in order."


def _applies_tanh(layer: Any, x: list[float]) -> bool:
    """Whether a layer asked to be linear gives values that are tanh of its neurons' sums."""
    outs = layer(x)
    outs = outs if isinstance(outs, list) else [outs]
    for out, neuron in zip(outs, layer.neurons):
        pre = neuron.b.data + sum(wi.data * xi for wi, xi in zip(neuron.w, x))
        if not close(out.data, pre, 1e-12):
            return True
    return False


def _plain_forward(model: Any, x: Sequence[float], tanh_last: bool = False) -> list[float]:
    """The model's output from its weights' numbers: tanh hidden layers, a linear last one."""
    h = list(x)
    last = len(model.layers) - 1
    for k, layer in enumerate(model.layers):
        sums = [n.b.data + sum(w.data * xi for w, xi in zip(n.w, h)) for n in layer.neurons]
        h = [math.tanh(s) for s in sums] if (k < last or tanh_last) else sums
    return h


@_exercise("MLP")
def check_mlp(mlp_class: Any) -> str:
    """The learner's MLP: the layer sizes chained, a linear last layer, parameters()."""
    mlp = call(mlp_class, 3, [4, 4, 1], what="MLP(3, [4, 4, 1])")
    layers = _attribute(mlp, "layers", "MLP(3, [4, 4, 1])", "__init__ makes self.layers.")
    if not isinstance(layers, list) or len(layers) != 3:
        raise NotYet(f"MLP(3, [4, 4, 1]).layers is {layers!r}: a list of 3 Layers, one per size.")
    shapes = call(
        lambda: [[len(n.w) for n in layer.neurons] for layer in layers],
        what="reading each layer's neurons and their weights",
    )
    if [len(s) for s in shapes] != [4, 4, 1]:
        counts = [len(s) for s in shapes]
        raise NotYet(f"the layers have {counts} neurons: nouts = [4, 4, 1] gives their numbers.")
    if shapes[1][0] == 3:
        raise NotYet(
            "every layer's neurons have 3 weights, but the second layer reads the 4 outputs "
            "of the first: each layer takes as many inputs as the layer before has neurons."
        )
    if shapes != [[3] * 4, [4] * 4, [4]]:
        raise NotYet(f"the neurons' weight counts are {shapes}: layer k reads sizes[k] inputs.")
    params = call(getattr(mlp, "parameters", None) or _missing("parameters"), what="parameters()")
    expected = [p for layer in layers for p in layer.parameters()]
    if not isinstance(params, list) or (params and isinstance(params[0], list)):
        raise NotYet("MLP.parameters() should be one flat list of Values, layer by layer.")
    if len(params) != len(expected):
        raise NotYet(
            f"MLP(3, [4, 4, 1]).parameters() gives {len(params)} items, not as many as its "
            "layers' parameters() together: all of them, layer by layer."
        )
    if not all(p is q for p, q in zip(params, expected)):
        raise NotYet(
            "MLP(3, [4, 4, 1]).parameters() gives other Values than its layers' (copies?), "
            "or theirs in another order: layer by layer, each layer's in its own order."
        )
    x = [2.0, 3.0, -1.0]
    out = call(mlp, x, what="your MLP's __call__")
    if isinstance(out, list):
        raise NotYet(
            "MLP(3, [4, 4, 1])(x) returns a list: the last layer has one neuron, and your "
            "Layer should give that neuron's Value itself."
        )
    out = _output(out, "MLP(3, [4, 4, 1])(x)")
    right = call(_plain_forward, mlp, x, what="reading the weights of your layers")[0]
    if not close(out.data, right, 1e-9):
        if close(out.data, _plain_forward(mlp, x, tanh_last=True)[0], 1e-9):
            raise NotYet(
                "the output went through tanh: the last layer is linear (nonlinear=False), "
                "so that a score can be any number."
            )
        raise NotYet(
            "the output is not what the layers give one after the other: feed each layer's "
            "outputs to the next, tanh in the hidden layers only."
        )
    call(out.backward, what="out.backward()")
    if all(p.grad == 0 for p in params):
        raise NotYet("after backward() every parameter's grad is 0: build the output from Values.")
    return "layers chained by their sizes, a linear last layer, every parameter in order."


@_exercise("parameter_count")
def check_parameter_count(parameter_count: Callable[[int, list[int]], object]) -> str:
    """The number of weights and biases of MLP(nin, nouts)."""
    for nin, nouts in [(2, [1]), (3, [4, 4, 1]), (64, [32, 10]), (1, [16, 16, 1])]:
        sizes = [nin] + nouts
        right = sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))
        got = call(parameter_count, nin, list(nouts), what="your parameter_count")
        if got == right and _number(got) is not None:
            continue
        mine = _number(got)
        shape = f"MLP({nin}, {nouts})"
        if mine is None:
            raise NotYet(f"parameter_count({nin}, {nouts}) returned {got!r}: return an int.")
        if mine == right - sum(nouts):
            raise NotYet(
                f"{shape}: you count {int(mine)}, the weights alone. Every neuron has a bias too."
            )
        if mine == sum(nouts):
            raise NotYet(f"{shape}: {int(mine)} is the number of neurons, not of parameters.")
        if mine == sum((nin + 1) * n for n in nouts):
            raise NotYet(
                f"{shape}: you give every neuron {nin} weights, but a neuron after the first "
                "layer reads the outputs of the layer before, not the network's inputs."
            )
        raise NotYet(
            f"{shape} has a different number of parameters than {int(mine)}. Count one layer: "
            "how many neurons, and how many numbers does each one hold?"
        )
    return "sum over layers of (inputs + 1) * outputs."


# ---- notebook 06 to 07: the learner's Neuron, Layer and MLP, saved and loaded again -----
# A new notebook is a new kernel, without the classes of the one before. save_network writes
# the learner's three classes, as written in their cells, into a module of their own
# (my_network.py); load_network imports that file afresh in notebook 07, checks the classes
# again with the checkers of notebook 06, and returns its MLP, or the course's MLP (saying
# why) when there is no such file or it does not pass.

NETWORK_FILE = "my_network.py"
_CLASS_NAMES = ("Neuron", "Layer", "MLP")


class NetworkSourceError(SourceError):
    """The learner's classes could not be written out as a module (the message says why)."""


def save_network(
    neuron_class: type[Any],
    layer_class: type[Any],
    mlp_class: type[Any],
    path: str | os.PathLike[str] = NETWORK_FILE,
) -> Path | None:
    """Write the learner's `Neuron`, `Layer` and `MLP` (each must have passed its checker)
    to `path` as a module, import it afresh, check its classes again and return the path.

    The classes' source comes from the notebook's cells (IPython keeps them in
    `linecache`); the module imports what their methods use by global name (`random`,
    `math`) and the `Value` they were built on: the course's, or the learner's own through
    `nn.course.value.load_engine` (the engine file must then sit next to `path`, or is named
    by its full path). Prints one line saying what was saved, or why nothing was (then
    returns None): notebook 07 trains the course's MLP unless the file passes.
    """
    classes = {"Neuron": neuron_class, "Layer": layer_class, "MLP": mlp_class}
    for what, cls in classes.items():
        if not isinstance(cls, type):
            raise TypeError(f"save_network takes your three classes; {what} is {cls!r}")
    target = Path(path)
    name = target.name
    waiting = [what for what, cls in classes.items() if _passed.get(what) is not cls]
    if waiting:
        verb = "has" if len(waiting) == 1 else "have"
        listed = " and ".join([", ".join(waiting[:-1]), waiting[-1]] if waiting[:-1] else waiting)
        print(
            f"Nothing saved: your {listed} {verb} not passed the check yet (run "
            f"this cell again once they all have). Without {name}, notebook 07 trains the "
            "course's MLP."
        )
        return None
    try:
        source, on = _network_source(classes, target)
    except SourceError as error:
        print(f"Nothing saved: {error} Without {name}, notebook 07 trains the course's MLP.")
        return None
    write_module(target, source)
    with contextlib.redirect_stdout(io.StringIO()):  # load_engine's line: said in notebook 07
        _, problem = _checked_network(target)
    if problem is not None:
        print(
            f"Saved to {name}, but it does not pass the check: {problem} Until it does, "
            "notebook 07 trains the course's MLP."
        )
        return None
    print(f"Saved your Neuron, Layer and MLP ({on}) to {name}: notebook 07 trains your MLP.")
    return target


def load_network(path: str | os.PathLike[str] = NETWORK_FILE) -> type[Any]:
    """The learner's `MLP` from `path` (relative to the working directory), imported afresh
    with its `Neuron` and `Layer`, when the file exists and its classes pass the checks of
    notebook 06 again; otherwise the course's `MLP` (on the course's `Value`). Prints one
    line saying which, and why (importing the file may print load_engine's line first)."""
    target = Path(path)
    name = target.name
    if not target.is_file():
        reason = f"there is no {name} here (notebook 06 saves it once your three classes pass)"
    else:
        module, problem = _checked_network(target)
        if problem is None:
            on = "on the course's Value" if module.Value is Value else "on your own Value"
            print(f"using your Neuron, Layer and MLP from {name}, {on}")
            return cast("type[Any]", module.MLP)
        reason = f"{name} does not pass the check: {problem}"
    print(f"using the course's MLP (nn.course.network.MLP, on the course's Value): {reason}")
    return MLP


def _import_network(path: Path) -> Any:
    """Run the file at `path` as a fresh module (never one cached from an earlier run)."""
    return import_fresh(path, f"_chainrule_learner_network_{abs(hash(str(path.resolve())))}")


def _checked_network(path: Path) -> tuple[Any, str | None]:
    """The module at `path`, imported afresh, and None when its Neuron, Layer and MLP pass
    notebook 06's checks (run with `random` put back as it was); otherwise (None, what went
    wrong)."""
    state = random.getstate()
    try:
        try:
            module = _import_network(path)
        except Exception as error:  # noqa: BLE001 (the learner's module: any error is a reason)
            return None, f"importing it raised {type(error).__name__}: {error}."
        if not hasattr(module, "Value"):
            return None, "it defines no Value."
        for what in _CLASS_NAMES:
            cls = getattr(module, what, None)
            if not isinstance(cls, type):
                return None, f"it defines no class {what}."
            try:
                _checks[what](cls)
            except NotYet as mistake:
                return None, f"its {what}: {mistake.hint}"
            except Exception as error:  # noqa: BLE001 (the learner's classes: any error)
                return None, f"checking its {what} raised {type(error).__name__}: {error}."
        return module, None
    finally:
        random.setstate(state)


def _network_source(classes: dict[str, type[Any]], target: Path) -> tuple[str, str]:
    """The text of a module holding the three classes, and which Value they use."""
    bodies = [class_source(cls, f"your {cls.__name__}")[0] for cls in classes.values()]
    globals_seen: dict[str, Any] = {}  # every global name a method uses: its object
    for what, cls in classes.items():
        for fn in vars(cls).values():
            if inspect.isfunction(fn):
                for used in global_names(fn.__code__):
                    if used in fn.__globals__:
                        globals_seen.setdefault(used, fn.__globals__[used])
                    if used in classes and fn.__globals__.get(used) is not classes[used]:
                        raise NetworkSourceError(
                            f"your {what} uses a {used} that is not the {used} saved with it."
                        )
    imports: list[str] = []
    constants: list[str] = []
    value_lines: list[str] = []
    on = "on the course's Value"
    for used, obj in sorted(globals_seen.items()):
        if used in classes:
            continue
        if used == "Value":
            value_lines, on = _value_lines(obj, target)
        elif inspect.ismodule(obj):
            module = obj.__name__
            imports.append(f"import {module}" + (f" as {used}" if module != used else ""))
        elif importable(obj):
            as_name = f" as {used}" if obj.__qualname__ != used else ""
            imports.append(f"from {obj.__module__} import {obj.__qualname__}{as_name}")
        elif isinstance(obj, (int, float, str, bool)):
            constants.append(f"{used} = {obj!r}")
        else:
            raise NetworkSourceError(
                f"your classes use {used}, defined in this notebook; a saved file cannot "
                "reach it (write it inside the class, or import it)."
            )
    if not value_lines:
        raise NetworkSourceError("your classes never make a Value.")
    header = (
        '"""Your Neuron, Layer and MLP from notebook 06, saved by '
        "nn.course.network.save_network.\n"
        "Notebook 07 loads them with nn.course.network.load_network.\n"
        '"""\n'
    )
    groups = [sorted(imports), value_lines, constants]
    top = "\n\n".join("\n".join(group) for group in groups if group)
    text = header + "\n" + top + "\n\n\n" + "\n\n\n".join(b.rstrip() for b in bodies)
    return text + "\n", on


def _value_lines(value_class: Any, target: Path) -> tuple[list[str], str]:
    """How the saved module gets the Value the classes were built on."""
    if value_class is Value:
        return ["from nn.course.value import Value"], "on the course's Value"
    if not isinstance(value_class, type):
        raise NetworkSourceError(f"your Value is a {type(value_class).__name__}, not a class.")
    module = value_class.__module__
    if "." in module and importable(value_class):  # a package's (engine.Value, say)
        as_name = "" if value_class.__qualname__ == "Value" else " as Value"
        line = f"from {module} import {value_class.__qualname__}{as_name}"
        return [line], f"on {module}.{value_class.__qualname__}"
    # otherwise a file of the learner's (my_engine.py): loaded, and checked, by load_engine
    init = getattr(value_class, "__init__", None)
    code = getattr(init, "__code__", None)
    engine_file = Path(code.co_filename) if code is not None else None
    if module == "__main__" or engine_file is None or not engine_file.is_file():
        raise NetworkSourceError(
            "your classes use a Value defined in this notebook: start the notebook with "
            "Value = load_engine() (the engine saved by notebook 03)."
        )
    if engine_file.parent.resolve() == target.parent.resolve():
        where = f"Path(__file__).with_name({engine_file.name!r})"
    else:
        where = repr(str(engine_file.resolve()))
    lines = [
        "from pathlib import Path",
        "",
        "from nn.course.value import load_engine",
        "",
        f"Value = load_engine({where})  # yours from notebook 03, else the course's",
    ]
    return lines, "on your own Value"


# ---- notebook 07: the loss, softmax, the update, the loop -------------------------------


@_exercise("mse")
def check_mse(mse_fn: Callable[[list[Value], list[float]], Any]) -> str:
    """mean((pred - target)**2) as one Value with the right gradients."""
    preds = [Value(0.5), Value(-1.0), Value(2.0)]
    targets = [1.0, -1.0, 0.0]
    squares = [0.25, 0.0, 4.0]
    right = sum(squares) / 3
    loss = call(mse_fn, preds, targets, what="your mse")
    if isinstance(loss, list):
        raise NotYet(
            f"mse returned a list of {len(loss)} items: the loss is one Value for the whole "
            "batch, which backward() can start from."
        )
    if loss is None:
        raise NotYet("mse returned None: return the loss, one Value.")
    if not _is_value(loss):
        if close(loss, right):
            raise NotYet(
                "the number is right, but it is a float: build the loss from the prediction "
                "Values with Value operations (never their .data), so backward() reaches them."
            )
        raise NotYet(f"mse returned {loss!r}: return one Value built from the predictions.")
    if not close(loss.data, right, 1e-12):
        if close(loss.data, sum(squares), 1e-12):
            raise NotYet(
                "the loss is 3 times too large for 3 examples: a sum, not a mean. Divide by "
                "the number of examples."
            )
        # the mean of the differences (signed: misses cancel) or of their sizes
        if close(loss.data, (-0.5 + 0.0 + 2.0) / 3, 1e-12) or close(loss.data, 2.5 / 3, 1e-12):
            raise NotYet(
                "the differences are not squared: a miss below the target and one above "
                "must both count, the large ones more."
            )
        if close(loss.data, sum(squares) / 2, 1e-12):
            raise NotYet("divide by the number of examples (3 here), not by 2.")
        raise NotYet(
            f"for predictions [0.5, -1, 2] and targets [1, -1, 0] your loss is "
            f"{loss.data:.6f}; their mean squared error is {right:.6f}."
        )
    call(loss.backward, what="loss.backward()")
    expected = [2 * (0.5 - 1.0) / 3, 0.0, 2 * 2.0 / 3]
    grads = [p.grad for p in preds]
    if all(g == 0 for g in grads):
        raise NotYet(
            "the loss is right, but after backward() the predictions' grads are 0: the loss "
            "is not built from the prediction Values. Use them, not their .data."
        )
    if not all(close(g, e, 1e-9) for g, e in zip(grads, expected)):
        raise NotYet(
            f"after backward() the predictions' grads are {[round(g, 6) for g in grads]}; "
            "d loss/d pred_i is 2 (pred_i - target_i) / N."
        )
    return "mean of (pred - target)**2; its gradient is 2 (pred - target) / N."


@_exercise("softmax")
def check_softmax(softmax_fn: Callable[[list[Value]], object]) -> str:
    """softmax over three logits, as Values through which gradients flow."""
    numbers = [1.0, 2.0, -0.5]
    logits = [Value(z) for z in numbers]
    exps = [math.exp(z) for z in numbers]
    expected = [e / sum(exps) for e in exps]
    probs = call(softmax_fn, logits, what="your softmax")
    if not isinstance(probs, list) or len(probs) != 3:
        raise NotYet(f"softmax(3 logits) returned {probs!r}: a list of 3 Values, one per logit.")
    if not all(_is_value(p) for p in probs):
        raise NotYet(
            "softmax returned numbers, not Values: build the probabilities from the logit "
            "Values (exp, +, /) so that the loss's gradient reaches the logits."
        )
    got = [p.data for p in probs]
    if not all(close(g, e, 1e-12) for g, e in zip(got, expected)):
        if close(sum(got), 1.0) and all(close(g, z / sum(numbers)) for g, z in zip(got, numbers)):
            raise NotYet(
                "each logit divided by their sum: these add up to 1, but a logit can be "
                "negative (here -0.5) and a probability cannot. Make each one positive first."
            )
        if all(close(g, e, 1e-12) for g, e in zip(got, exps)):
            raise NotYet("these are the exponentials; divide each by their total.")
        raise NotYet(
            f"for logits {numbers} you give {[round(g, 4) for g in got]}: they should be "
            "positive and sum to 1, larger for a larger logit."
        )
    call((-probs[0].log()).backward, what="backward()")
    grads = [z.grad for z in logits]
    right = [e - (i == 0) for i, e in enumerate(expected)]
    if not all(close(g, r, 1e-9) for g, r in zip(grads, right)):
        raise NotYet(
            f"the probabilities are right, but the logits' gradients after backward() are "
            f"{[round(g, 4) for g in grads]}: some part was computed from .data (a number the "
            "gradient cannot flow through). The total, too, must be a Value."
        )
    return "exp(z_i) / sum_j exp(z_j): positive, summing to 1, with gradients."


@_exercise("sgd_step")
def check_sgd_step(sgd_step_fn: Callable[[list[Value], float], object]) -> str:
    """One gradient-descent step, in place."""
    params = [Value(1.0), Value(-2.0), Value(0.5)]
    grads = [0.5, -1.0, 0.0]
    for p, g in zip(params, grads):
        p.grad = g
    call(sgd_step_fn, params, 0.1, what="your sgd_step")
    got = [p.data for p in params]
    right = [0.95, -1.9, 0.5]
    if all(close(a, e, 1e-12) for a, e in zip(got, right)):
        return "p.data -= lr * p.grad for every parameter, in place."
    if got == [1.0, -2.0, 0.5]:
        if [p.grad for p in params] != grads:
            raise NotYet("your step changed the gradients, not the parameters' .data.")
        raise NotYet(
            "no parameter moved. If you wrote `p = p - ...`, that makes a new Value and only "
            "rebinds the name p: change each parameter's .data in place."
        )
    if all(close(a, e, 1e-12) for a, e in zip(got, [1.05, -2.1, 0.5])):
        raise NotYet(
            "the parameters moved *up* their gradients, the direction that increases the loss."
        )
    if all(close(a, e, 1e-12) for a, e in zip(got, [0.5, -1.0, 0.5])):
        raise NotYet(
            "each parameter moved by its whole gradient: the learning rate scales the step."
        )
    raise NotYet(
        f"with grads [0.5, -1, 0] and lr = 0.1 the parameters [1, -2, 0.5] became {got}: "
        "each should move a small step (lr times its gradient) against its gradient."
    )


def _train_variant(
    model: Any, xs: Sequence[float], ys: Sequence[float], epochs: int, lr: float, mistake: str
) -> list[float]:
    """The reference loop with one typical mistake, to recognise it by its losses."""
    losses = []
    for _ in range(epochs):
        loss = mse([model([x]) for x in xs], ys)
        if mistake != "no reset":
            for p in model.parameters():
                p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data += lr * p.grad if mistake == "uphill" else -lr * p.grad
        if mistake == "after update":
            loss = mse([model([x]) for x in xs], ys)
        losses.append(loss.data)
    return losses


def _fresh_model(seed: int) -> MLP:
    _seeded(seed)
    return MLP(1, [4, 1])


@_exercise("train")
def check_train(train_fn: Callable[..., object]) -> str:
    """The learner's full-batch loop on a small MLP, against the reference, epoch by epoch."""
    xs = [-1.0, -0.5, 0.0, 0.5, 1.0]
    ys = [0.8, 0.3, -0.1, -0.4, -0.9]
    epochs, lr = 4, 0.2
    reference = train(_fresh_model(7), xs, ys, epochs, lr)
    model = _fresh_model(7)
    start = [p.data for p in model.parameters()]
    losses = call(train_fn, model, xs, ys, epochs, lr, what="your train")
    if losses is None:
        raise NotYet("train returned None: return the list of losses, one per epoch.")
    if not isinstance(losses, list):
        raise NotYet(
            f"train returned a {type(losses).__name__}: return a list, one loss per epoch."
        )
    if len(losses) != epochs:
        raise NotYet(
            f"train(..., epochs={epochs}, ...) gave {len(losses)} losses: one per epoch "
            "(over all the examples each time)."
        )
    if any(_is_value(loss) for loss in losses):
        raise NotYet(
            "the losses are Values: append loss.data, a float (a Value keeps its whole graph "
            "alive, and a plot wants numbers)."
        )
    if not all(_number(loss) is not None for loss in losses):
        raise NotYet(f"the losses should be numbers; you return {losses!r}.")
    if [p.data for p in model.parameters()] == start:
        raise NotYet(
            "the model's parameters never moved. Does the update run, and does it run after "
            "backward() and before the gradients are set back to 0?"
        )
    if all(close(a, b, 1e-9) for a, b in zip(losses, reference)):
        return "forward, zero the gradients, backward, update: the reference's losses exactly."
    variants = {
        mistake: _train_variant(_fresh_model(7), xs, ys, epochs, lr, mistake)
        for mistake in ("no reset", "uphill", "after update")
    }
    if not close(losses[0], reference[0], 1e-9):
        if close(losses[0], variants["after update"][0], 1e-9):
            raise NotYet(
                "each loss is measured after that epoch's update: record the loss of the "
                "forward pass the gradients came from."
            )
        raise NotYet(
            f"the first loss is {losses[0]:.6f}, but before any update the MSE of the model "
            f"on all {len(xs)} examples is {reference[0]:.6f}: one forward pass over the "
            "whole batch, then one loss, per epoch."
        )
    if all(close(a, b, 1e-9) for a, b in zip(losses, variants["no reset"])):
        raise NotYet(
            "the first epoch is right, the later ones are not: backward() adds to .grad, so "
            "each step also used the old gradients. Set them back to 0 before backward()."
        )
    if all(close(a, b, 1e-9) for a, b in zip(losses, variants["uphill"])):
        raise NotYet("the loss goes up: the update moves the parameters with their gradients.")
    raise NotYet(
        f"the first loss is right, the next ones are {[round(x, 6) for x in losses[1:]]}, "
        f"not {[round(x, 6) for x in reference[1:]]}: one update per epoch, with the "
        "learning rate given, on every parameter."
    )


# ---- notebook 08: the digits --------------------------------------------------------------

_TRAIN, _VALIDATION = 1300, 197  # then 300 held-out test images


def _digits() -> tuple[list[list[float]], list[int]]:
    """scikit-learn's 1797 8x8 digits, pixels scaled to 0..1, in a seeded shuffle."""
    data = importlib.import_module("sklearn.datasets").load_digits()
    images = [[pixel / 16 for pixel in row] for row in data.data.tolist()]
    labels = [int(t) for t in data.target.tolist()]
    order = list(range(len(images)))
    random.Random(0).shuffle(order)
    return [images[i] for i in order], [labels[i] for i in order]


@functools.lru_cache(maxsize=1)
def _cached_digits() -> tuple[tuple[tuple[float, ...], ...], tuple[int, ...]]:
    images, labels = _digits()
    return tuple(tuple(row) for row in images), tuple(labels)


def digits_split() -> dict[str, tuple[list[list[float]], list[int]]]:
    """{"train": (images, labels), "validation": (images, labels)}; the 300 test images
    stay with the checker."""
    images, labels = _cached_digits()
    cut = _TRAIN + _VALIDATION
    return {
        "train": ([list(r) for r in images[:_TRAIN]], list(labels[:_TRAIN])),
        "validation": ([list(r) for r in images[_TRAIN:cut]], list(labels[_TRAIN:cut])),
    }


def _held_out_digits() -> tuple[list[list[float]], list[int]]:
    """The 300 test images and labels, none of them in `digits_split()`: the checker's own,
    never handed to the notebook."""
    images, labels = _cached_digits()
    cut = _TRAIN + _VALIDATION
    return [list(r) for r in images[cut:]], list(labels[cut:])


def _predict(model: Any, images: Sequence[Sequence[float]]) -> list[int]:
    predicted = []
    with engine.no_grad():
        for image in images:
            scores = [s.data for s in model(image)]
            predicted.append(scores.index(max(scores)))
    return predicted


@_exercise("accuracy")
def check_accuracy(accuracy_fn: Callable[[list[int], list[int]], object]) -> str:
    """The fraction of predictions equal to their labels."""
    cases = [([1, 2, 3, 4], [1, 2, 0, 4], 0.75), ([7, 7], [1, 2], 0.0), ([5] * 8, [5] * 8, 1.0)]
    for predicted, labels, right in cases:
        got = call(accuracy_fn, list(predicted), list(labels), what="your accuracy")
        if close(got, right, 1e-12):
            continue
        if got is None:
            raise NotYet("accuracy returned None: return the fraction, a number from 0 to 1.")
        call_text = f"accuracy({predicted}, {labels})"
        hits = sum(p == t for p, t in zip(predicted, labels))
        if close(got, hits, 1e-12):
            raise NotYet(f"{call_text} gives {got!r}, a count: the accuracy is a fraction, 0 to 1.")
        if close(got, 1 - right, 1e-12):
            raise NotYet(f"{call_text} gives {got!r}: that is the fraction of mistakes.")
        if close(got, 100 * right, 1e-12):
            raise NotYet(f"{call_text} gives {got!r}, a percentage: return a fraction, 0 to 1.")
        raise NotYet(
            f"{call_text} gives {got!r}, expected {right}: compare each prediction with the "
            "label at the same position."
        )
    return "the fraction of predictions equal to their labels."


@_exercise("minibatches")
def check_minibatches(minibatches_fn: Callable[[list[int], int], object]) -> str:
    """Consecutive slices of batch_size, the last one shorter, every index once."""
    indices = [3, 9, 0, 7, 1, 8, 2, 6, 5, 4]  # shuffled: the batches keep this order
    result = call(minibatches_fn, list(indices), 4, what="your minibatches")
    if result is None:
        raise NotYet("minibatches returned None: return the list of batches.")
    try:
        batches = [list(batch) for batch in result]  # type: ignore[attr-defined]
    except TypeError:
        raise NotYet(f"minibatches returned {result!r}: a list of batches, each a list.") from None
    flat = [i for batch in batches for i in batch]
    sizes = [len(b) for b in batches]
    if sorted(flat) != sorted(indices):
        missing = sorted(set(indices) - set(flat))
        if missing and sizes == [4, 4]:
            raise NotYet(
                "10 examples in batches of 4 leave 2 over, and your batches drop them: the "
                "last batch may be shorter."
            )
        if len(flat) > len(set(flat)):
            raise NotYet(
                f"some examples are in more than one batch (your batch sizes: {sizes}): each "
                "batch starts where the one before ended."
            )
        raise NotYet(f"every example must be in exactly one batch; {missing} are in none.")
    if flat != indices:
        if flat == sorted(indices):
            raise NotYet(
                "your batches are sorted: keep the order given (the caller shuffled it, and "
                "each epoch's batches should differ)."
            )
        raise NotYet("the batches should be consecutive slices of the list, in its order.")
    if sizes != [4, 4, 2]:
        raise NotYet(f"the batch sizes are {sizes}; batches of 4 from 10 indices: 4, 4, 2.")
    return "consecutive slices of batch_size in the order given, the last one shorter."


def _training_accuracy(model: Any) -> float:
    split = digits_split()
    images, labels = split["train"]
    return accuracy(_predict(model, images[:300]), labels[:300])


@_exercise("digit_model")
def check_digit_model(make_model: Callable[[], object]) -> str:
    """The learner's trained digit model, measured on the 300 held-out images."""
    model = call(make_model, what="your my_digit_model")
    if model is None:
        raise NotYet(
            "my_digit_model() returned None: build a model, train it with fit_digits, and "
            "return it."
        )
    if not callable(model):
        raise NotYet(f"my_digit_model() returned {model!r}: return the trained model itself.")
    images, labels = _held_out_digits()
    scores = call(model, images[0], what="your model")
    if _is_value(scores) or not isinstance(scores, list):
        raise NotYet(
            "the model gives one score for an image: it needs 10, one logit per digit (its "
            "last layer has 10 neurons)."
        )
    if len(scores) != 10:
        raise NotYet(f"the model gives {len(scores)} scores: it needs 10, one per digit.")
    predicted = call(_predict, model, images, what="your model")
    held_out = accuracy(predicted, labels)
    if held_out >= 0.94:
        _measured["passed"] = (model, _result(images, labels, predicted))
        return (
            f"{held_out:.1%} of the 300 held-out digits ({round(held_out * 300)}), images "
            "your model never trained on."
        )
    seen = call(_training_accuracy, model, what="your model")
    if held_out < 0.2:
        raise NotYet(
            f"{held_out:.1%} on the held-out digits, about what guessing gives: did the model "
            "train? (fit_digits prints the validation accuracy after every epoch.)"
        )
    if seen - held_out > 0.08:
        raise NotYet(
            f"{held_out:.1%} on the held-out digits but {seen:.1%} on training images: it "
            "learned the training set by heart. A smaller network or fewer epochs generalise "
            "better."
        )
    raise NotYet(
        f"{held_out:.1%} on the held-out digits, {seen:.1%} on training images: it has not "
        "learned enough yet. Look at the validation accuracy per epoch: still rising? Then "
        "train longer or with larger steps; jumping about? Smaller steps. The starting "
        "weights' spread matters too (see above)."
    )


@dataclasses.dataclass(frozen=True)
class HeldOutResult:
    """What the checker measured for one model on the 300 held-out test images: how many
    it recognised, and each test image it got wrong as (pixels, its guess, the label)."""

    correct: int
    total: int
    mistakes: tuple[tuple[tuple[float, ...], int, int], ...]

    @property
    def accuracy(self) -> float:
        """The fraction recognised, 0 to 1."""
        return self.correct / self.total


# the models measured on the held-out digits, and what was measured: "passed" for the
# model trained by the learner's function the last time it passed check_digit_model (the
# function itself is `_passed["digit_model"]`), "reference" for the course's (by
# trained_digit_model)
_measured: dict[str, tuple[Any, HeldOutResult]] = {}


def _result(
    images: Sequence[Sequence[float]], labels: Sequence[int], predicted: Sequence[int]
) -> HeldOutResult:
    mistakes = tuple(
        (tuple(image), guess, label)
        for image, guess, label in zip(images, predicted, labels)
        if guess != label
    )
    return HeldOutResult(len(labels) - len(mistakes), len(labels), mistakes)


def held_out_result(model: object) -> HeldOutResult:
    """The checker's measurement of `model` on the held-out test images: `model` must be
    the one `trained_digit_model` returned (yours after it passed `check_digit_model`, or
    the course's). The images themselves stay with the checker; only the mistakes come
    out, after the model is final."""
    for measured, result in _measured.values():
        if measured is model:
            return result
    raise ValueError(
        "held_out_result: this model was not measured on the held-out digits; pass the model "
        "that trained_digit_model returned (yours once my_digit_model passed its check)."
    )


def trained_digit_model(yours: object) -> Any:
    """The model `yours` trained when it passed `check_digit_model`, else the course's
    (trained now, and measured on the held-out digits as the checker measures, for
    `held_out_result`), saying which."""
    entry = _measured.get("passed")
    if entry is not None and _passed.get("digit_model") is yours:
        print("Going on with your model: it passed its check.")
        return entry[0]
    print(
        "Your model has not passed its check yet: going on with a model the course trains "
        "now (nn.course.network.digit_reference_model(), a few seconds). Once yours "
        "passes, run this cell again to use it."
    )
    model = digit_reference_model()
    images, labels = _held_out_digits()
    _measured["reference"] = (model, _result(images, labels, _predict(model, images)))
    return model


def digit_reference_model() -> nn.MLP:
    """A digit model trained by the course (for a learner whose own has not passed)."""
    images, labels = digits_split()["train"]
    model = nn.MLP(64, [32, 10], activation="relu", seed=0, init="pytorch")
    optimizer = nn.Adam(model.parameters(), lr=0.01)
    shuffle = random.Random(1)
    order = list(range(len(images)))
    for epoch in range(5):
        if epoch == 3:
            optimizer.param_groups[0]["lr"] = 0.002
        shuffle.shuffle(order)
        for batch in minibatches(order, 16):
            logits = [model(images[i]) for i in batch]
            loss = nn.cross_entropy(logits, [labels[i] for i in batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


# ---- notebook 09: second derivatives, Newton's root step ----------------------------------


def newton_step(f: Callable[[Any], Any], x0: float) -> float:
    """One Newton step towards a minimum of f: x0 - f'(x0) / f''(x0)."""
    x = engine.Value(x0)
    (slope,) = engine.grad(f(x), [x], create_graph=True)  # a Value: it can be differentiated
    (curvature,) = engine.grad(slope, [x])
    return x0 - slope.data / curvature


@_exercise("newton_step")
def check_newton_step(newton_step_fn: Callable[[Any, float], Any]) -> str:
    """Newton's step x0 - f'(x0)/f''(x0), with both derivatives from engine.grad."""
    cases: list[tuple[str, Callable[[Any], Any], float, float, float]] = [
        # name, f, x0, f'(x0), f''(x0)
        ("x**4 - 3*x", lambda x: x**4 - 3 * x, 2.0, 29.0, 48.0),
        ("exp(x) - 2*x", lambda x: x.exp() - 2 * x, 1.5, math.exp(1.5) - 2, math.exp(1.5)),
        ("(x - 1)**2 + x**3", lambda x: (x - 1) ** 2 + x**3, 0.5, -1 + 0.75, 2 + 3.0),
    ]
    for name, fn, x0, slope, curvature in cases:
        try:
            got = call(newton_step_fn, fn, x0, what="your newton_step")
        except NotYet as mistake:
            if "must be a Value, got float" not in mistake.hint:
                raise
            raise NotYet(
                mistake.hint + " A gradient taken without create_graph=True is a plain "
                "number, with no graph to differentiate again."
            ) from None
        right = x0 - slope / curvature
        if _is_value(got):
            raise NotYet(
                f"for f = {name} you return a Value (data {got.data:.6f}): return the new x "
                "as a float (a Value's .data is one)."
            )
        if close(got, right, 1e-9):
            continue
        if got is None:
            raise NotYet("newton_step returned None: return the new x, a float.")
        if close(got, x0 - slope, 1e-9) or close(got, x0 - 0.01 * slope, 1e-9):
            raise NotYet(
                f"for f = {name} at x = {x0} you take a gradient step, x - lr * f'(x). "
                "Newton's step divides the slope by the curvature instead."
            )
        if close(got, x0 + slope / curvature, 1e-9):
            raise NotYet(f"for f = {name} at x = {x0} the step goes uphill: check its sign.")
        if close(got, slope / curvature, 1e-9) or close(got, -slope / curvature, 1e-9):
            raise NotYet(
                f"for f = {name} at x = {x0} you return the step itself, {got:.6f}: return "
                "the new x, the old one moved by that step."
            )
        if close(got, x0 - curvature / slope, 1e-9):
            raise NotYet("the fraction is upside down: the slope goes on top.")
        raise NotYet(
            f"for f = {name} at x = {x0} you return {got!r}; Newton's step reaches "
            f"{right:.6f}. It needs f' and f'' at x0, the second one the derivative of the "
            "first."
        )
    return "x - f'(x) / f''(x), f'' the gradient of a gradient recorded with create_graph=True."


@_exercise("root_step")
def check_root_step(root_step: Callable[[float], object]) -> str:
    """Newton's root step for h(x) = x**2 - 2, six times from x = 1."""
    x: object = 1.0
    first = call(root_step, 1.0, what="your root_step")
    if _is_value(first) or isinstance(first, engine.Value):
        raise NotYet("root_step returned a Value: return a float, the next x.")
    if close(first, 1.0):
        raise NotYet("root_step(1.0) returned 1.0: x did not move. Return the next x.")
    if close(first, 1.0 - 0.1 * 2.0) or close(first, 1.0 - 2.0):
        raise NotYet(
            "that is a gradient step on h: Newton's root step moves x by h(x) / h'(x), the "
            "step that would reach 0 if h were a straight line."
        )
    if close(first, -0.5):
        raise NotYet(
            f"root_step(1.0) returned {first}, the step h(x) / h'(x) itself: return the new "
            "x, the old one moved by that step."
        )
    if close(first, 1.0 + (-1.0) / 2.0):
        raise NotYet("a sign: with h(1) = -1 and h'(1) = 2, the root lies to the right of 1.")
    for _ in range(6):
        x = call(root_step, x, what="your root_step")
        if _number(x) is None:
            raise NotYet(f"root_step returned {x!r}: return the next x, a float.")
    if not close(x, math.sqrt(2), 1e-12):
        raise NotYet(
            f"six steps from x = 1 reach {x!r}, not the root of x**2 - 2. The step is "
            "x - h(x) / h'(x), with h'(x) from engine.grad."
        )
    return "Newton's root step x - h/h' reaches sqrt(2) to 12 digits in six steps."


def __dir__() -> list[str]:
    return sorted(__all__)
