"""Modules: `Neuron`, `Layer` and `MLP`, and what they share in `Module`.

A model is a tree of modules whose leaves are parameter `Value`s. `Module` walks that tree
by name (`named_parameters`), and everything else is built on the names: `parameters`,
`zero_grad`, `state_dict`, `load_state_dict`, JSON `save` / `load`, and the parameters'
labels (so a drawn network shows which box is which weight).

Each neuron computes its pre-activation with the fused op `engine.dot(w, x, b)`: one node
per neuron instead of 2n, which is what makes pure-Python training bearable.

Initial weights: `init="micrograd"` (the default) draws each weight from U(-1, 1) and starts
each bias at 0, exactly as micrograd does, in the same order; `init="pytorch"` draws
weights and bias from U(-1/sqrt(nin), 1/sqrt(nin)), as `torch.nn.Linear` does. With
`seed=None` the draws come from Python's global `random`, so `random.seed(n)` makes a run
repeatable (and, with `init="micrograd"`, gives micrograd's own starting weights).

Why micrograd's is the default: a learner following micrograd's demo with chainrule's names
gets micrograd's weights and results. Its larger weights also suit that recipe (100 steps
of SGD on a hinge loss): it fits the moons for 34 of 40 seeds against 13 with "pytorch".
PyTorch's scale is the better start for deep or wide inputs (64 pixels, say) and Adam;
pass `init="pytorch"` there.
"""

from __future__ import annotations

import json as _json
import math as _math
import numbers as _numbers
import os as _os
import random as _random
import re as _re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

import engine
from engine import Value
from engine.files import write_atomic as _write_atomic
from engine.messages import quote as _quote
from nn.datasets import _rng  # one rule for seeds: None is the global `random`

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "INITS", "DEFAULT_INIT"]

_Input = Value | float | int
_ModuleType = TypeVar("_ModuleType", bound="Module")
_Seed = int | _random.Random | None

# the activation by name; "linear" is the identity (no node at all)
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}

# the initial distributions by name, with what they draw
INITS: dict[str, str] = {
    "micrograd": "weights from U(-1, 1), biases 0 (micrograd's nn.Neuron)",
    "pytorch": "weights and biases from U(-1/sqrt(nin), 1/sqrt(nin)) (torch.nn.Linear)",
}

# micrograd's init is the default: with it, micrograd's demo recipe typed with chainrule's
# names (random.seed(s), nn.datasets.make_moons(100, noise=0.1), MLP(2, [16, 16, 1]), the
# hinge loss, 100 steps of SGD from lr=1.0) starts from micrograd's very weights and fits
# all 100 points for 34 of the seeds 0..39 (37 on scikit-learn's moons, micrograd's own
# data); with "pytorch" for 13 (benchmarks/micrograd_recipe.py). `chainrule train` chooses
# its own init.
DEFAULT_INIT = "micrograd"

_FILE_FORMAT = "chainrule-model"
_FILE_VERSION = 1
# a model file nests three deep ({"architecture": {"nouts": [...]}}); anything far deeper
# is not one, and json's parser would otherwise hit the recursion limit on it
_MAX_FILE_NESTING = 32


def _check_activation(activation: object) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, "
            f"got {_quote(activation)}"
        )
    return activation


def _check_init(init: object) -> str:
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"init must be one of {', '.join(map(repr, INITS))}, got {_quote(init)}")
    return init


def _check_size(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, _numbers.Integral) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {_quote(n)}")
    return int(n)


def _initial_parameters(nin: int, init: str, rng: _random.Random) -> tuple[list[float], float]:
    """One neuron's starting weights and bias, drawn in micrograd's order (weights first)."""
    if init == "micrograd":
        # micrograd draws no number for the bias, so random.seed(n) gives its exact weights
        return [rng.uniform(-1.0, 1.0) for _ in range(nin)], 0.0
    # PyTorch's default keeps a pre-activation's spread from growing with the fan-in
    bound = 1.0 / _math.sqrt(nin)
    weights = [rng.uniform(-bound, bound) for _ in range(nin)]
    return weights, rng.uniform(-bound, bound)


def _as_values(inputs: Sequence[_Input], nin: int, who: str) -> list[Value]:
    """The inputs as Values, made once per call (numbers become constant leaves)."""
    if isinstance(inputs, (Value, str, bytes)) or not isinstance(inputs, Sequence):
        raise TypeError(f"{who} takes a list of {nin} numbers or Values, got {_quote(inputs)}")
    if len(inputs) != nin:
        raise ValueError(f"{who} takes {nin} inputs, got {len(inputs)}")
    return [x if isinstance(x, Value) else Value(x) for x in inputs]


def _as_float(name: str, x: object) -> float:
    """A state-dict entry as a finite float, or a ValueError naming the parameter."""
    if isinstance(x, (bool, Value)) or not isinstance(x, _numbers.Real):
        raise ValueError(f"parameter {_quote(name)} must be a real number, got {_quote(x)}")
    try:
        value = float(x)
    except (OverflowError, ValueError, TypeError):  # e.g. an int of 400 digits
        value = _math.nan
    if not _math.isfinite(value):
        raise ValueError(f"parameter {_quote(name)} must be a finite number, got {_quote(x)}")
    return value


class Module:
    """The base of every model: parameters by name, gradients, state and files.

    A subclass defines `named_parameters()` and `__call__`; to be saved and loaded it also
    defines `architecture()` and `_parameter_count()`.
    """

    def __call__(self, x: Sequence[_Input]) -> Any:
        """The model's output for one example `x` (a list of numbers or Values).

        Typed `Any`, as `torch.nn.Module.__call__` is: whether it is one `Value` or a list
        depends on the model's sizes, which a type checker cannot see.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """Every parameter with a dotted name such as `layers.0.neurons.3.w.1`, in order."""
        return iter(())

    def parameters(self) -> list[Value]:
        """Every parameter `Value`, in `named_parameters` order (give this to an optimizer)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0.0 (backward() accumulates otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """`{name: value}` for every parameter, as plain floats."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from `state`; on any mismatch raise and change nothing.

        The names must be exactly this model's (a missing name raises `KeyError`, an extra
        one `ValueError`) and each value a finite real number (else `ValueError`).
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict needs a dict of name -> float, got {type(state).__name__}"
            )
        named = dict(self.named_parameters())
        missing = [name for name in named if name not in state]
        unexpected = [name for name in state if name not in named]
        if missing:
            raise KeyError(
                f"state dict is missing {len(missing)} parameter(s) of this "
                f"{type(self).__name__}, e.g. {_quote(missing[:3])}"
            )
        if unexpected:
            raise ValueError(
                f"state dict has {len(unexpected)} parameter(s) this {type(self).__name__} "
                f"does not have, e.g. {_quote(unexpected[:3])}"
            )
        # convert every value before writing any, so a bad entry leaves the model unchanged
        new_data = {name: _as_float(name, state[name]) for name in named}
        for name, p in named.items():
            p.data = new_data[name]

    def _label_parameters(self) -> None:
        """Label every parameter with its name, so `draw_dot` shows which weight is which."""
        for name, p in self.named_parameters():
            p.label = name

    # ---- files --------------------------------------------------------------------------

    def architecture(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model's shape (saved with it)."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    @classmethod
    def _parameter_count(cls, *args: Any, **architecture: Any) -> int:
        """How many parameters the model built from `architecture` has (without building it)."""
        raise NotImplementedError(f"{cls.__name__} cannot be loaded from a file")

    def save(self, path: str | _os.PathLike[str]) -> None:
        """Write the architecture and the parameters to `path` as JSON (never pickle).

        The file is replaced atomically: if the write fails (a full disk, a crash, Ctrl-C),
        the previous file at `path` is left as it was and no partial file remains.
        """
        document = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "class": type(self).__name__,
            "architecture": self.architecture(),
            "parameters": self.state_dict(),
        }
        # allow_nan=False: a diverged model fails here rather than writing invalid JSON
        text = _json.dumps(document, indent=1, allow_nan=False)
        _write_atomic(path, text + "\n")

    @classmethod
    def load(cls: type[_ModuleType], path: str | _os.PathLike[str]) -> _ModuleType:
        """A new model rebuilt from a file written by `save`.

        A file that is not a model of this class (malformed JSON, a folder, another class,
        a wrong architecture, a bad number) raises `ValueError` saying what is wrong; a
        missing file raises `FileNotFoundError`. Loading draws no random numbers.
        """
        where = _os.fspath(path)
        if _os.path.isdir(where):
            raise ValueError(f"{where}: is a folder, not a chainrule model file")
        document = _read_json(where)
        if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
            raise ValueError(f"{where}: not a chainrule model file (no 'format': {_FILE_FORMAT!r})")
        version = document.get("version")
        if isinstance(version, bool) or version != _FILE_VERSION:
            raise ValueError(f"{where}: unsupported model file version {_quote(version)}")
        saved_class = document.get("class")
        if saved_class != cls.__name__:
            raise ValueError(
                f"{where}: holds a {_quote(saved_class)}, not a {cls.__name__!r}; "
                "load it with its own class"
            )
        architecture = document.get("architecture")
        parameters = document.get("parameters")
        if not isinstance(architecture, dict) or not isinstance(parameters, dict):
            raise ValueError(f"{where}: needs an 'architecture' and a 'parameters' object")
        if "seed" in architecture:
            raise ValueError(f"{where}: bad architecture: 'seed' is not part of one")
        try:
            # count first: a file must not be able to make us build a huge model
            expected = cls._parameter_count(**architecture)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{where}: bad architecture {_quote(architecture)}: {_first_line(error)}"
            ) from None
        except NotImplementedError:  # the base class: no shape to build
            raise ValueError(
                f"{where}: a {cls.__name__} cannot be built from a file; load a model with its "
                "own class (nn.MLP.load, nn.Layer.load or nn.Neuron.load)"
            ) from None
        if expected != len(parameters):
            raise ValueError(
                f"{where}: architecture {_quote(architecture)} has {_quote(expected)} parameters, "
                f"the file lists {len(parameters)}"
            )
        # seed=0: the weights are overwritten below, so loading leaves the global stream be
        try:
            model: _ModuleType = cast(Any, cls)(**architecture, seed=0)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{where}: bad architecture {_quote(architecture)}: {_first_line(error)}"
            ) from None
        try:
            model.load_state_dict(parameters)
        except (KeyError, ValueError) as error:
            raise ValueError(
                f"{where}: parameters do not fit the architecture: {_first_line(error)}"
            ) from None
        return model


def _first_line(error: BaseException, limit: int = 300) -> str:
    """The error's message, cut short: it may hold a name read from the file."""
    text = str(error.args[0]) if error.args else str(error)
    return text if len(text) <= limit else f"{text[:limit]}... (cut at {limit} characters)"


def _read_json(where: str) -> object:
    """The file's JSON, or a ValueError saying why it is not JSON a model file could hold."""
    try:
        with open(where, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: not a chainrule model file (not UTF-8 text: {error})") from None
    if _nesting_depth(text) > _MAX_FILE_NESTING:
        raise ValueError(
            f"{where}: not a chainrule model file (JSON nested more than {_MAX_FILE_NESTING} deep)"
        )
    try:
        return _json.loads(text, parse_constant=_reject_constant)
    except RecursionError:  # only if the depth check above missed a case
        raise ValueError(f"{where}: not a chainrule model file (JSON nested too deeply)") from None
    except ValueError as error:  # JSONDecodeError, NaN or Infinity, an int too long to read
        raise ValueError(
            f"{where}: not a chainrule model file (invalid JSON: {_quote(str(error))})"
        ) from None


def _nesting_depth(text: str) -> int:
    """The deepest `[`/`{` nesting in JSON text, without recursion (strings skipped).

    Linear in the length of the text, whatever it holds (a regex that matches a whole
    string at each `"` rescans an unterminated one from every quote inside it: quadratic).
    Three passes, each a left-to-right scan that never looks back:
    1. drop every escape pair `\\x` (a run of backslashes pairs up from its start, as a
       JSON reader reads it), so every `"` left opens or closes a string;
    2. drop every string, from a quote to the next quote; the text from a quote with no
       partner on is one unterminated string and is cut off;
    3. count the brackets that are left.
    """
    without_escapes = _ESCAPE_PAIR.sub("", text)
    outside_strings = _WHOLE_STRING.sub("", without_escapes)
    unterminated = outside_strings.find('"')
    if unterminated >= 0:
        outside_strings = outside_strings[:unterminated]
    depth = deepest = 0
    for bracket in _BRACKET.findall(outside_strings):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


# A backslash and the character it escapes (any, a newline too); a string with no quote or
# backslash inside (after the escapes are gone); one bracket. Each match either succeeds
# at its first try or fails at once ([^"]* stops at the first quote, and with no quote left
# no later search starts), so `sub` and `findall` run in one pass.
_ESCAPE_PAIR = _re.compile(r"\\.", _re.DOTALL)
_WHOLE_STRING = _re.compile(r'"[^"]*"')
_BRACKET = _re.compile(r"[\[\]{}]")


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-finite number {name} in model file")


class Neuron(Module):
    """`activation(w . x + b)` for `nin` inputs.

    `init` names the starting distribution (see `INITS`): `"micrograd"` (the default)
    draws weights from U(-1, 1) with bias 0; `"pytorch"` draws weights and bias from
    U(-1/sqrt(nin), 1/sqrt(nin)). `seed` may be None (Python's global `random`, so
    `random.seed(n)` makes it repeatable), an int (a generator of its own: same seed, same
    weights) or a shared `random.Random`.
    """

    nin: int
    activation: str
    init: str
    w: list[Value]
    b: Value

    def __init__(
        self, nin: int, activation: str = "relu", seed: _Seed = None, init: str = DEFAULT_INIT
    ) -> None:
        self.nin = _check_size("nin", nin)
        self.activation = _check_activation(activation)
        self.init = _check_init(init)
        self._activate = ACTIVATIONS[activation]
        weights, bias = _initial_parameters(self.nin, self.init, _rng(seed))
        self.w = [Value(w) for w in weights]
        self.b = Value(bias)
        self._label_parameters()

    def __call__(self, x: Sequence[_Input]) -> Value:
        """`activation(w . x + b)` for one example `x` of `nin` numbers or Values."""
        return self._forward(_as_values(x, self.nin, "Neuron"))

    def _forward(self, x: list[Value]) -> Value:
        pre_activation = engine.dot(self.w, x, self.b)
        return pre_activation if self._activate is None else self._activate(pre_activation)

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """`w.0` ... `w.{nin-1}`, then `b`."""
        for i, w in enumerate(self.w):
            yield f"w.{i}", w
        yield "b", self.b

    def architecture(self) -> dict[str, Any]:
        """`{"nin", "activation", "init"}`: what `Neuron(**architecture)` rebuilds."""
        return {"nin": self.nin, "activation": self.activation, "init": self.init}

    @classmethod
    def _parameter_count(cls, nin: int, activation: str = "relu", init: str = DEFAULT_INIT) -> int:
        _check_activation(activation)
        _check_init(init)
        return _check_size("nin", nin) + 1

    def __repr__(self) -> str:
        return f"Neuron(nin={self.nin}, activation={self.activation!r}, init={self.init!r})"


class Layer(Module):
    """`nout` neurons that all read the same `nin` inputs (`seed` and `init` as `Neuron`)."""

    nin: int
    nout: int
    activation: str
    init: str
    neurons: list[Neuron]

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        seed: _Seed = None,
        init: str = DEFAULT_INIT,
    ) -> None:
        self.nin = _check_size("nin", nin)
        self.nout = _check_size("nout", nout)
        self.activation = _check_activation(activation)
        self.init = _check_init(init)
        rng = _rng(seed)
        self.neurons = [Neuron(self.nin, activation, seed=rng, init=init) for _ in range(nout)]
        self._label_parameters()

    def __call__(self, x: Sequence[_Input]) -> Any:
        """One Value when the layer has one output, else a list of `nout` Values.

        Typed `Any` (see `Module.__call__`): which of the two depends on `nout`.
        """
        out = self._forward(_as_values(x, self.nin, "Layer"))
        return out[0] if self.nout == 1 else out

    def _forward(self, x: list[Value]) -> list[Value]:
        return [n._forward(x) for n in self.neurons]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """`neurons.{i}.w.{j}` and `neurons.{i}.b`, neuron by neuron."""
        for i, neuron in enumerate(self.neurons):
            for name, p in neuron.named_parameters():
                yield f"neurons.{i}.{name}", p

    def architecture(self) -> dict[str, Any]:
        """`{"nin", "nout", "activation", "init"}`: what `Layer(**architecture)` rebuilds."""
        return {
            "nin": self.nin,
            "nout": self.nout,
            "activation": self.activation,
            "init": self.init,
        }

    @classmethod
    def _parameter_count(
        cls, nin: int, nout: int, activation: str = "relu", init: str = DEFAULT_INIT
    ) -> int:
        _check_activation(activation)
        _check_init(init)
        return (_check_size("nin", nin) + 1) * _check_size("nout", nout)

    def __repr__(self) -> str:
        return (
            f"Layer(nin={self.nin}, nout={self.nout}, activation={self.activation!r}, "
            f"init={self.init!r})"
        )


class MLP(Module):
    """A multi-layer perceptron: `nin` inputs, then one layer per entry of `nouts`.

    Hidden layers use `activation`; the last layer is linear (it gives scores or logits
    for the loss to interpret), as in micrograd. `seed` and `init` are as for `Neuron`;
    the default, `init="micrograd"` with `seed=None`, gives exactly micrograd's starting
    weights after the same `random.seed(n)`.

    Calling the model on one example returns a `Value` when the last layer has one
    output, else a list of Values.
    """

    nin: int
    nouts: list[int]
    activation: str
    init: str
    layers: list[Layer]

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        seed: _Seed = None,
        init: str = DEFAULT_INIT,
    ) -> None:
        self.nin = _check_size("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {_quote(nouts)}")
        self.nouts = [_check_size("each layer size in nouts", n) for n in nouts]
        self.activation = _check_activation(activation)
        self.init = _check_init(init)
        rng = _rng(seed)
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < last else "linear",
                seed=rng,
                init=init,
            )
            for i in range(len(self.nouts))
        ]
        self._label_parameters()

    def __call__(self, x: Sequence[_Input]) -> Any:
        """One Value when the last layer has one output, else a list of Values.

        Typed `Any`, as `torch.nn.Module.__call__` is, so that both `model(x).backward()`
        and `model(x)[0]` type-check; annotate (`score: Value = model(x)`) to be precise.
        """
        # numbers become Values once here, not once per neuron of the first layer
        h = _as_values(x, self.nin, "MLP")
        for layer in self.layers:
            h = layer._forward(h)
        return h[0] if len(h) == 1 else h

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """`layers.{k}.neurons.{i}.w.{j}` and `layers.{k}.neurons.{i}.b`, layer by layer."""
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"layers.{i}.{name}", p

    def architecture(self) -> dict[str, Any]:
        """`{"nin", "nouts", "activation", "init"}`: what `MLP(**architecture)` rebuilds."""
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "init": self.init,
        }

    @classmethod
    def _parameter_count(
        cls, nin: int, nouts: Sequence[int], activation: str = "relu", init: str = DEFAULT_INIT
    ) -> int:
        _check_activation(activation)
        _check_init(init)
        if not isinstance(nouts, list) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {_quote(nouts)}")
        sizes = [_check_size("nin", nin)] + [_check_size("a layer size", n) for n in nouts]
        return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))

    def __repr__(self) -> str:
        return (
            f"MLP(nin={self.nin}, nouts={self.nouts}, activation={self.activation!r}, "
            f"init={self.init!r})"
        )


def __dir__() -> list[str]:
    return sorted(__all__)
