"""Solutions to the exercises of 09_higher_order.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer, which the tests feed to the checker
to see it rejected with a hint. The sections run inside the notebook, after the cells above
the exercise, so names defined there (the checkers, `engine`, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: second_derivative
def second_derivative(f, x0):
    x = Value(x0)
    (first,) = engine.grad(f(x), [x], create_graph=True)
    (second,) = engine.grad(first, [x])
    return second


check_second_derivative(second_derivative)


# %% wrong: second_derivative
def second_derivative(f, x0):
    x = Value(x0)
    (first,) = engine.grad(f(x), [x])  # the first derivative, not the second
    return first


check_second_derivative(second_derivative)


# %% solution: root_step
def root_step(x0):
    x = Value(x0)
    h = x**2 - 2
    (slope,) = engine.grad(h, [x])
    return x0 - h.data / slope


check_root_step(root_step)


# %% wrong: root_step
def root_step(x0):
    x = Value(x0)
    h = x**2 - 2
    (slope,) = engine.grad(h, [x])
    return x0 - 0.1 * slope  # a gradient step on h, not Newton's step to its root


check_root_step(root_step)
