"""Solutions to the exercises of 09_higher_order.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer, which the tests feed to the checker
to see it rejected with a hint. The sections run inside the notebook, after the cells above
the exercise, so names defined there (the checkers, `engine`, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: newton_step
def newton_step(f, x0):
    x = Value(x0)
    (slope,) = engine.grad(f(x), [x], create_graph=True)
    (curvature,) = engine.grad(slope, [x])
    return x0 - slope.data / curvature


check_newton_step(newton_step)


# %% wrong: newton_step
def newton_step(f, x0):
    x = Value(x0)
    (slope,) = engine.grad(f(x), [x])  # without create_graph=True: a plain number
    (curvature,) = engine.grad(slope, [x])
    return x0 - slope / curvature


check_newton_step(newton_step)


# %% wrong: newton_step
def newton_step(f, x0):
    x = Value(x0)
    (slope,) = engine.grad(f(x), [x])
    return x0 - 0.01 * slope  # a gradient step, not Newton's


check_newton_step(newton_step)


# %% wrong: newton_step
def newton_step(f, x0):
    x = Value(x0)
    (slope,) = engine.grad(f(x), [x], create_graph=True)
    (curvature,) = engine.grad(slope, [x])
    return x0 + slope.data / curvature  # uphill


check_newton_step(newton_step)


# %% wrong: newton_step
def newton_step(f, x0):
    x = Value(x0)
    (slope,) = engine.grad(f(x), [x], create_graph=True)
    (curvature,) = engine.grad(slope, [x])
    return x0 - slope / curvature  # slope is a Value here


check_newton_step(newton_step)


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


# %% wrong: root_step
def root_step(x0):
    x = Value(x0)
    h = x**2 - 2
    (slope,) = engine.grad(h, [x])
    return x0 + h.data / slope  # away from the root


check_root_step(root_step)


# %% wrong: root_step
def root_step(x0):
    x = Value(x0)
    h = x**2 - 2
    (slope,) = engine.grad(h, [x])
    return h.data / slope  # the step, not the new x


check_root_step(root_step)
