# Your own small Value class, checked against chainrule
# + and * and tanh with their local derivatives, and a backward
# pass that applies the chain rule in reverse topological order.
# Then the same neuron in chainrule.
import math

import engine


class V:
    def __init__(self, data, parents=(), local=()):
        self.data, self.grad = data, 0.0
        # local[i] is d(self)/d(parents[i])
        self.parents, self.local = parents, local

    def __add__(self, other):
        return V(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        local = (other.data, self.data)
        return V(self.data * other.data, (self, other), local)

    def tanh(self):
        t = math.tanh(self.data)
        return V(t, (self,), (1 - t * t,))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        # depth first, without recursion: parents before children
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local):
                parent.grad += local * node.grad  # the chain rule


x, w, b = V(2.0), V(-3.0), V(6.5)
o = (x * w + b).tanh()
o.backward()

X, W, B = engine.Value(2.0), engine.Value(-3.0), engine.Value(6.5)
out = (X * W + B).tanh()
out.backward()
for name, mine, theirs in [("x", x, X), ("w", w, W), ("b", b, B)]:
    print(f"do/d{name}: yours {mine.grad:+.6f}, "
          f"chainrule {theirs.grad:+.6f}")
