"""Solutions to the exercises of 03_build_your_own_value.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer (several per exercise), which the
tests feed to the checker to see it rejected with a hint of its own. The sections run inside
the notebook, after the cells above the exercise, so names defined there (the checkers,
`Value`, `math`, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: add_mul
def __add__(self, other):
    if not isinstance(other, Value):
        other = Value(other)  # a constant: its gradient is computed, never read
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        # d(a + b)/da = d(a + b)/db = 1
        self.grad += out.grad
        other.grad += out.grad

    out._backward = _backward
    return out


def __mul__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        # d(a * b)/da = b, d(a * b)/db = a
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


check_add_mul(Value, __add__, __mul__)


# %% wrong: add_mul
def __add__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad = out.grad  # = for +=: a second use would overwrite the first
        other.grad = out.grad

    out._backward = _backward
    return out


def __mul__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


check_add_mul(Value, __add__, __mul__)


# %% wrong: add_mul
def __add__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad += out.grad
        other.grad += out.grad

    out._backward = _backward
    return out


def __mul__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data  # the upstream gradient out.grad is missing
        other.grad += self.data

    out._backward = _backward
    return out


check_add_mul(Value, __add__, __mul__)


# %% wrong: add_mul
def __add__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad += out.grad
        other.grad += out.grad

    return out  # the closure is never attached to out._backward


def __mul__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


check_add_mul(Value, __add__, __mul__)


# %% wrong: add_mul
def __add__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data + other.data, (self.data, other.data), "+")  # numbers, not nodes

    def _backward():
        self.grad += out.grad
        other.grad += out.grad

    out._backward = _backward
    return out


def __mul__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


check_add_mul(Value, __add__, __mul__)


# %% wrong: add_mul
def __add__(self, other):
    out = Value(self.data + other.data, (self, other), "+")  # a number has no .data

    def _backward():
        self.grad += out.grad
        other.grad += out.grad

    out._backward = _backward
    return out


def __mul__(self, other):
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


check_add_mul(Value, __add__, __mul__)


# %% wrong: add_mul
def __add__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad += out.grad
        other.grad += out.grad

    out._backward = _backward
    return out


def __mul__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += self.data * out.grad  # its own value instead of the other factor
        other.grad += other.data * out.grad

    out._backward = _backward
    return out


check_add_mul(Value, __add__, __mul__)


# %% wrong: add_mul
def __add__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad += out.grad
        other.grad += out.grad

    out._backward = _backward
    return out


def __mul__(self, other):
    if not isinstance(other, Value):
        other = Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad  # and nothing for other: a line dropped

    out._backward = _backward
    return out


check_add_mul(Value, __add__, __mul__)


# %% solution: more_ops
def __pow__(self, k):
    out = Value(self.data**k, (self,), f"**{k}")

    def _backward():
        # d(x ** k)/dx = k * x ** (k - 1)
        self.grad += k * self.data ** (k - 1) * out.grad

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        # d e^x/dx = e^x, which is out.data
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward():
        # d tanh(x)/dx = 1 - tanh(x)**2, and out.data is tanh(x)
        self.grad += (1 - out.data**2) * out.grad

    out._backward = _backward
    return out


check_more_ops(Value, __pow__, exp, tanh)


# %% wrong: more_ops
def __pow__(self, k):
    out = Value(self.data**k, (self,), f"**{k}")

    def _backward():
        self.grad += k * self.data**k * out.grad  # the exponent not lowered by one

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward():
        self.grad += (1 - out.data**2) * out.grad

    out._backward = _backward
    return out


check_more_ops(Value, __pow__, exp, tanh)


# %% wrong: more_ops
def __pow__(self, k):
    out = Value(self.data**k, (self, k), f"**{k}")  # the exponent is no parent

    def _backward():
        self.grad += k * self.data ** (k - 1) * out.grad

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward():
        self.grad += (1 - out.data**2) * out.grad

    out._backward = _backward
    return out


check_more_ops(Value, __pow__, exp, tanh)


# %% wrong: more_ops
def __pow__(self, k):
    out = Value(self.data**k, (self,), f"**{k}")

    def _backward():
        self.grad += k * self.data ** (k - 1) * out.grad

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.data  # out.data where out.grad belongs

    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward():
        self.grad += (1 - out.data**2) * out.grad

    out._backward = _backward
    return out


check_more_ops(Value, __pow__, exp, tanh)


# %% wrong: more_ops
def __pow__(self, k):
    out = Value(self.data**k, (self,), f"**{k}")

    def _backward():
        self.grad += k * self.data ** (k - 1) * out.grad

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward():
        self.grad += (1 - self.data**2) * out.grad  # the input squared, not tanh's output

    out._backward = _backward
    return out


check_more_ops(Value, __pow__, exp, tanh)


# %% wrong: more_ops
def __pow__(self, k):
    out = Value(self.data**k, (self,), f"**{k}")

    def _backward():
        self.grad += k * self.data ** (k - 1) * out.grad

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward():
        self.grad += (out.data**2 - 1) * out.grad  # a flipped sign

    out._backward = _backward
    return out


check_more_ops(Value, __pow__, exp, tanh)


# %% wrong: more_ops
def __pow__(self, k):
    out = Value(self.data**k, (self,), f"**{k}")

    def _backward():
        self.grad += k * self.data ** (k - 1) * out.grad

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward():
        self.grad += (1 + out.data**2) * out.grad  # a sign flipped inside the derivative

    out._backward = _backward
    return out


check_more_ops(Value, __pow__, exp, tanh)


# %% solution: reflected
def __radd__(self, other):
    return self + other  # addition commutes; the Value goes first, so __add__ runs


def __rmul__(self, other):
    return self * other


def __sub__(self, other):
    return self + (-other)  # -other: Value's __neg__, or a number's minus


def __truediv__(self, other):
    return self * other**-1


check_reflected(Value, __radd__, __rmul__, __sub__, __truediv__)


# %% wrong: reflected
def __radd__(self, other):
    return other + self  # the number first again: Python comes back to __radd__


def __rmul__(self, other):
    return self * other


def __sub__(self, other):
    return self + (-other)


def __truediv__(self, other):
    return self * other**-1


check_reflected(Value, __radd__, __rmul__, __sub__, __truediv__)


# %% wrong: reflected
def __radd__(self, other):
    return self + other


def __rmul__(self, other):
    return self * other


def __sub__(self, other):
    return other + (-self)  # the operands the other way round: other - self


def __truediv__(self, other):
    return self * other**-1


check_reflected(Value, __radd__, __rmul__, __sub__, __truediv__)


# %% wrong: reflected
def __radd__(self, other):
    return self + other


def __rmul__(self, other):
    return self * other


def __sub__(self, other):
    return self + (-other)


def __truediv__(self, other):
    divisor = other.data if isinstance(other, Value) else other
    return Value(self.data / divisor)  # the right number, but a leaf: no graph


check_reflected(Value, __radd__, __rmul__, __sub__, __truediv__)


# %% solution: topological_order
def topological_order(root):
    order, seen = [], set()
    stack = [(root, False)]  # (node, are its parents placed?)
    while stack:
        node, parents_placed = stack.pop()
        if parents_placed:
            order.append(node)  # after all of its parents
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))  # comes back once the parents above it are done
            for parent in node.parents:
                stack.append((parent, False))
    return order


topological_order_works = check_topological_order(Value, topological_order)


# %% wrong: topological_order
def topological_order(root):
    order, seen = [], set()

    def visit(node):  # the textbook recursion: right order, one stack frame per level
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


topological_order_works = check_topological_order(Value, topological_order)


# %% wrong: topological_order
def topological_order(root):
    order = []
    stack = [(root, False)]
    while stack:
        node, parents_placed = stack.pop()
        if parents_placed:
            order.append(node)
        else:  # no record of the nodes already visited
            stack.append((node, True))
            for parent in node.parents:
                stack.append((parent, False))
    return order


topological_order_works = check_topological_order(Value, topological_order)


# %% wrong: topological_order
def topological_order(root):
    order, seen = [], set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            order.append(node)  # placed before its parents
            stack.extend(node.parents)
    return order


topological_order_works = check_topological_order(Value, topological_order)


# %% wrong: topological_order
def topological_order(root):
    seen = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.parents)
    return seen  # every node once, but a set has no order


topological_order_works = check_topological_order(Value, topological_order)


# %% solution: backward
def backward(root):
    root.grad = 1.0  # d root / d root
    for node in reversed(topological_order(root)):
        node._backward()  # adds to its parents' .grad


check_backward(Value, backward)


# %% wrong: backward
def backward(root):
    for node in reversed(topological_order(root)):  # no seed: every rule passes on 0
        node._backward()


check_backward(Value, backward)


# %% wrong: backward
def backward(root):
    root.grad = 1.0
    for node in topological_order(root):  # inputs first
        node._backward()


check_backward(Value, backward)


# %% wrong: backward
def backward(root):
    root.grad = 1.0

    def run(node):  # recursion again, one stack frame per level
        node._backward()
        for parent in node.parents:
            run(parent)

    run(root)


check_backward(Value, backward)


# %% wrong: backward
def backward(root):
    for node in reversed(topological_order(root)):
        node._backward()
    root.grad = 1.0  # the seed, but after the rules have run


check_backward(Value, backward)


# %% wrong: backward
def backward(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        node._backward  # noqa: B018 (names the rule without calling it)


check_backward(Value, backward)
