"""Modules: `Neuron`, `Layer` and `MLP`, and what they share in `Module`.

A model is a tree of modules whose leaves are parameter `Value`s. `Module` walks that tree
by name (`named_parameters`), and everything else is built on the names: `parameters`,
`zero_grad`, `state_dict`, `load_state_dict`, and JSON `save` / `load`.

Each neuron computes its pre-activation with the fused op `engine.dot(w, x, b)`: one node
per neuron instead of 2n, which is what makes pure-Python training bearable.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import engine
from engine import Value

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS"]

Input = Value | float | int
Seed = int | random.Random | None
ModuleType = TypeVar("ModuleType", bound="Module")

# the activation by name; "linear" is the identity (no node at all)
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}

_FILE_FORMAT = "chainrule-model"
_FILE_VERSION = 1


def _check_activation(activation: object) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, got {activation!r}"
        )
    return activation


def _check_size(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _rng(seed: Seed) -> random.Random:
    """A random stream: a given `random.Random` is shared, an int (or None) starts one."""
    if isinstance(seed, random.Random):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")
    return random.Random(seed)


def _as_values(inputs: Sequence[Input], nin: int, who: str) -> list[Value]:
    """The inputs as Values, made once per call (numbers become constant leaves)."""
    if isinstance(inputs, (Value, str, bytes)) or not isinstance(inputs, Sequence):
        raise TypeError(f"{who} takes a list of {nin} numbers or Values, got {inputs!r}")
    if len(inputs) != nin:
        raise ValueError(f"{who} takes {nin} inputs, got {len(inputs)}")
    return [x if x.__class__ is Value else Value(x) for x in inputs]


class Module:
    """The base of every model: parameters by name, gradients, state and files."""

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """Every parameter with a dotted name such as `layers.0.neurons.3.w.1`, in order."""
        return iter(())

    def parameters(self) -> list[Value]:
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
            raise TypeError(f"load_state_dict needs a dict of name -> float, got {state!r}")
        named = dict(self.named_parameters())
        missing = [name for name in named if name not in state]
        unexpected = [name for name in state if name not in named]
        if missing:
            raise KeyError(
                f"state dict is missing {len(missing)} parameter(s) of this "
                f"{type(self).__name__}, e.g. {missing[:3]}"
            )
        if unexpected:
            raise ValueError(
                f"state dict has {len(unexpected)} parameter(s) this {type(self).__name__} "
                f"does not have, e.g. {unexpected[:3]}"
            )
        # validate every value before writing any, so a bad entry leaves the model unchanged
        new_data = {}
        for name in named:
            x = state[name]
            if isinstance(x, (bool, Value)) or not isinstance(x, numbers.Real):
                raise ValueError(f"parameter {name!r} must be a real number, got {x!r}")
            if not math.isfinite(x):
                raise ValueError(f"parameter {name!r} must be finite, got {x!r}")
            new_data[name] = float(x)
        for name, p in named.items():
            p.data = new_data[name]

    # ---- files --------------------------------------------------------------------------

    def architecture(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model's shape (saved with it)."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    @classmethod
    def _parameter_count(cls, **architecture: Any) -> int:
        """How many parameters the model built from `architecture` has (without building it)."""
        raise NotImplementedError(f"{cls.__name__} cannot be loaded from a file")

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and the parameters to `path` as JSON (never pickle)."""
        document = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "class": type(self).__name__,
            "architecture": self.architecture(),
            "parameters": self.state_dict(),
        }
        # allow_nan=False: a diverged model fails here rather than writing invalid JSON
        text = json.dumps(document, indent=1, allow_nan=False)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text + "\n")

    @classmethod
    def load(cls: type[ModuleType], path: str | os.PathLike[str]) -> ModuleType:
        """A new model rebuilt from a file written by `save`; a bad file raises `ValueError`."""
        try:
            with open(path, encoding="utf-8") as f:
                document = json.load(f, parse_constant=_reject_constant)
        except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, NaN or Infinity
            raise ValueError(
                f"{path}: not a chainrule model file (invalid JSON: {error})"
            ) from None
        if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
            raise ValueError(f"{path}: not a chainrule model file (no 'format': {_FILE_FORMAT!r})")
        if document.get("version") != _FILE_VERSION:
            raise ValueError(f"{path}: unsupported model file version {document.get('version')!r}")
        if document.get("class") != cls.__name__:
            raise ValueError(f"{path}: holds a {document.get('class')!r}, not a {cls.__name__!r}")
        architecture = document.get("architecture")
        parameters = document.get("parameters")
        if not isinstance(architecture, dict) or not isinstance(parameters, dict):
            raise ValueError(f"{path}: needs an 'architecture' and a 'parameters' object")
        try:
            # count first: a file must not be able to make us build a huge model
            expected = cls._parameter_count(**architecture)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: bad architecture {architecture!r}: {error}") from None
        if expected != len(parameters):
            raise ValueError(
                f"{path}: architecture {architecture!r} has {expected} parameters, "
                f"the file lists {len(parameters)}"
            )
        try:
            model = cls(**architecture)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: bad architecture {architecture!r}: {error}") from None
        try:
            model.load_state_dict(parameters)
        except (KeyError, ValueError) as error:
            message = error.args[0] if error.args else str(error)
            raise ValueError(f"{path}: parameters do not fit the architecture: {message}") from None
        return model


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-finite number {name} in model file")


class Neuron(Module):
    """`activation(w . x + b)` for `nin` inputs.

    Weights and bias start uniform in [-1/sqrt(nin), 1/sqrt(nin)] (PyTorch's `nn.Linear`
    default), so a pre-activation's spread does not grow with the fan-in. `seed` may be an
    int (same seed, same weights), `None` (fresh randomness) or a shared `random.Random`.
    """

    def __init__(self, nin: int, activation: str = "relu", seed: Seed = None) -> None:
        self.nin = _check_size("nin", nin)
        self.activation = _check_activation(activation)
        self._activate = ACTIVATIONS[activation]
        rng = _rng(seed)
        bound = 1.0 / math.sqrt(self.nin)
        self.w = [Value(rng.uniform(-bound, bound)) for _ in range(self.nin)]
        self.b = Value(rng.uniform(-bound, bound))

    def __call__(self, x: Sequence[Input]) -> Value:
        return self._forward(_as_values(x, self.nin, "Neuron"))

    def _forward(self, x: list[Value]) -> Value:
        pre_activation = engine.dot(self.w, x, self.b)
        return pre_activation if self._activate is None else self._activate(pre_activation)

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, w in enumerate(self.w):
            yield f"w.{i}", w
        yield "b", self.b

    def architecture(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    @classmethod
    def _parameter_count(cls, nin: int, activation: str = "relu") -> int:
        _check_activation(activation)
        return _check_size("nin", nin) + 1

    def __repr__(self) -> str:
        return f"Neuron(nin={self.nin}, activation={self.activation!r})"


class Layer(Module):
    """`nout` neurons that all read the same `nin` inputs."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", seed: Seed = None) -> None:
        self.nin = _check_size("nin", nin)
        self.nout = _check_size("nout", nout)
        self.activation = _check_activation(activation)
        rng = _rng(seed)
        self.neurons = [Neuron(self.nin, activation, seed=rng) for _ in range(self.nout)]

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        """One Value when the layer has one output, else a list."""
        out = self._forward(_as_values(x, self.nin, "Layer"))
        return out[0] if self.nout == 1 else out

    def _forward(self, x: list[Value]) -> list[Value]:
        return [n._forward(x) for n in self.neurons]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, neuron in enumerate(self.neurons):
            for name, p in neuron.named_parameters():
                yield f"neurons.{i}.{name}", p

    def architecture(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @classmethod
    def _parameter_count(cls, nin: int, nout: int, activation: str = "relu") -> int:
        _check_activation(activation)
        return (_check_size("nin", nin) + 1) * _check_size("nout", nout)

    def __repr__(self) -> str:
        return f"Layer(nin={self.nin}, nout={self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A multi-layer perceptron: `nin` inputs, then one layer per entry of `nouts`.

    Hidden layers use `activation`; the last layer is linear (it gives scores or logits
    for the loss to interpret), as in micrograd.
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str = "relu", seed: Seed = None
    ) -> None:
        self.nin = _check_size("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [_check_size("each layer size in nouts", n) for n in nouts]
        self.activation = _check_activation(activation)
        rng = _rng(seed)
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < last else "linear", seed=rng)
            for i in range(len(self.nouts))
        ]

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        """One Value when the last layer has one output, else a list of Values."""
        # numbers become Values once here, not once per neuron of the first layer
        h = _as_values(x, self.nin, "MLP")
        for layer in self.layers:
            h = layer._forward(h)
        return h[0] if len(h) == 1 else h

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"layers.{i}.{name}", p

    def architecture(self) -> dict[str, Any]:
        return {"nin": self.nin, "nouts": list(self.nouts), "activation": self.activation}

    @classmethod
    def _parameter_count(cls, nin: int, nouts: Sequence[int], activation: str = "relu") -> int:
        _check_activation(activation)
        if not isinstance(nouts, list) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [_check_size("nin", nin)] + [_check_size("a layer size", n) for n in nouts]
        return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))

    def __repr__(self) -> str:
        return f"MLP(nin={self.nin}, nouts={self.nouts}, activation={self.activation!r})"
