"""Solutions to the exercises of 02_build_your_own_value.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer, which the tests feed to the checker
to see it rejected with a hint. The sections run inside the notebook, after the cells above
the exercise, so names defined there (the checkers, `Value`, ...) are not imported here.
"""
# ruff: noqa: F811, F821

# %% solution: k_gradients
k_grads = {"u": -4.0, "v": -4.0, "w": 3.0}

check_k_gradients(k_grads)

# %% wrong: k_gradients
k_grads = {"u": -4.0, "v": 1.0, "w": 3.0}  # forgot the chain rule through the sum

check_k_gradients(k_grads)


# %% solution: topological_order
def my_topological_order(root):
    order, seen = [], set()
    stack = [(root, False)]  # (node, are its parents placed?)
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)  # after all of its parents
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))  # comes back once the parents below it are done
            for parent in node.parents:
                stack.append((parent, False))
    return order


check_topological_order(my_topological_order)


# %% wrong: topological_order
def my_topological_order(root):
    order, seen = [], set()

    def visit(node):  # the textbook recursion: right order, but one stack frame per level
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


check_topological_order(my_topological_order)


# %% solution: exp
def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        # d e^x/dx = e^x, which is out.data
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


check_exp(exp)


# %% wrong: exp
def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad = out.data * out.grad  # = instead of +=: x's other use is lost

    out._backward = _backward
    return out


check_exp(exp)
