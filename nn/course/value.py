"""The course's reference `Value`: the engine a learner writes in notebook 03, complete.

A notebook whose exercise was skipped (or is not solved yet) goes on with these versions,
and says so, instead of a silently broken one. It is written as a learner writes it, in
micrograd's shape: each op computes `out`, defines a closure `_backward` that ADDS its
share to the parents' gradients (a node used twice gets a share from each use), and
attaches it. It is not chainrule's engine (`engine.Value`), which shares one rule per op.

One difference from the notebook's own class: results are made with `type(self)(...)`, not
`Value(...)`, so that these methods can be put on the learner's class (`Value.__add__ =
reference.Value.__add__`) and still make the learner's kind of node.

API: `Value(data, parents=(), op="", label="")` with `.data`, `.grad`, `.parents`, `.op`,
`.label`, `._backward`; `+ - * / **` (a number on either side is a constant; `**` takes a
number exponent), unary `-`, `exp()`, `log()`, `tanh()`, `relu()`, `backward()`; and
`topological_order(root)`, iterative.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["Value", "topological_order"]


def _no_rule() -> None:
    """A leaf's rule: it has no parents to pass a gradient to."""


class Value:
    """One number, the Values it was computed from, and how to pass its gradient back."""

    def __init__(
        self, data: float, parents: tuple[Value, ...] = (), op: str = "", label: str = ""
    ) -> None:
        self.data = data
        self.grad: float = 0.0
        self.parents = parents
        self.op = op
        self.label = label
        self._backward: Callable[[], None] = _no_rule

    def __repr__(self) -> str:
        return f"Value({self.label or self.op}: data={self.data:.4f}, grad={self.grad:.4f})"

    def __add__(self, other: Value | float) -> Value:
        if isinstance(other, (int, float)):
            other = type(self)(other)  # a constant: its gradient is computed, never read
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            # d(x + y)/dx = 1, d(x + y)/dy = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        if isinstance(other, (int, float)):
            other = type(self)(other)  # a constant
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            # d(x * y)/dx = y, d(x * y)/dy = x
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Value:
        if not isinstance(k, (int, float)):
            raise TypeError("this Value's ** takes a number exponent (x ** 2), not a Value")
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward() -> None:
            # d(x ** k)/dx = k * x ** (k - 1)
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            # d e^x/dx = e^x, which is out.data
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        out = type(self)(math.log(self.data), (self,), "log")

        def _backward() -> None:
            # d log(x)/dx = 1 / x
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            # d tanh(x)/dx = 1 - tanh(x)**2, and out.data is tanh(x)
            self.grad += (1 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = type(self)(max(0.0, self.data), (self,), "relu")

        def _backward() -> None:
            # d relu(x)/dx = 1 where x > 0, else 0
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    # the rest is made of the ops above, so it needs no rule of its own

    def __neg__(self) -> Value:  # -self
        return self * -1

    def __sub__(self, other: Value | float) -> Value:  # self - other
        return self + (-other)

    def __truediv__(self, other: Value | float) -> Value:  # self / other
        return self * other**-1

    # 2 * v: int's __mul__ does not know Value and returns NotImplemented, so Python asks
    # the right operand: v.__rmul__(2)

    def __radd__(self, other: float) -> Value:  # other + self
        return self + other

    def __rmul__(self, other: float) -> Value:  # other * self
        return self * other

    def __rsub__(self, other: float) -> Value:  # other - self
        return -self + other

    def __rtruediv__(self, other: float) -> Value:  # other / self
        return self**-1 * other

    def backward(self) -> None:
        """Seed d self/d self = 1, then run every node's rule, outputs before inputs."""
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            node._backward()  # adds to its parents' .grad


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, itself included, each once, after all of its parents.

    Depth-first with a stack of our own instead of recursion, so a chain deeper than
    Python's recursion limit works: an entry (node, False) means "place its parents
    first", (node, True) means "its parents are placed: place it".
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack = [(root, False)]
    while stack:
        node, parents_placed = stack.pop()
        if parents_placed:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            for parent in reversed(node.parents):
                stack.append((parent, False))
    return order
