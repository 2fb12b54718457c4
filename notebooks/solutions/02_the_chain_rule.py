"""Solutions to the exercises of 02_the_chain_rule.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer (several per exercise), which the
tests feed to the checker to see it rejected with a hint of its own. The sections run inside
the notebook, after the cells above the exercise, so names defined there (the checkers,
`math`, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: composition
def dh_dx(x):
    # the outer rate cos(y), taken at y = x**2, times the inner rate 2x
    return math.cos(x**2) * 2 * x


check_composition(dh_dx)


# %% wrong: composition
def dh_dx(x):
    return math.cos(x**2)  # the outer rate alone


check_composition(dh_dx)


# %% wrong: composition
def dh_dx(x):
    return math.cos(x) * 2 * x  # the outer rate taken at x instead of at x**2


check_composition(dh_dx)


# %% wrong: composition
def dh_dx(x):
    return -math.cos(x**2) * 2 * x  # a flipped sign


check_composition(dh_dx)


# %% wrong: composition
def dh_dx(x):
    return cos(x**2) * 2 * x  # forgot the module: math.cos


check_composition(dh_dx)

# %% solution: k_gradients
# s = u + v, k = s * w: dk/ds = w and ds/du = ds/dv = 1; dk/dw = s
k_grads = {"u": -4.0, "v": -4.0, "w": 3.0}

check_k_gradients(k_grads)

# %% wrong: k_gradients
k_grads = {"u": 1.0, "v": 1.0, "w": 3.0}  # the sum's local derivatives, not multiplied on

check_k_gradients(k_grads)

# %% wrong: k_gradients
k_grads = {"u": -4.0, "v": -4.0, "w": -3.0}  # a flipped sign

check_k_gradients(k_grads)

# %% wrong: k_gradients
k_grads = {"u": -8.0, "v": -4.0, "w": 3.0}  # as if the sum's slope for u depended on v

check_k_gradients(k_grads)


# %% solution: total_derivative
def total_derivative(paths):
    total = 0.0
    for path in paths:
        product = 1.0
        for local in path:
            product *= local  # along a path the rates multiply
        total += product  # the paths add
    return total


check_total_derivative(total_derivative)


# %% wrong: total_derivative
def total_derivative(paths):
    return sum(sum(path) for path in paths)  # adds along a path


check_total_derivative(total_derivative)


# %% wrong: total_derivative
def total_derivative(paths):
    return math.prod(math.prod(path) for path in paths)  # multiplies across paths


check_total_derivative(total_derivative)


# %% wrong: total_derivative
def total_derivative(paths):
    return math.prod(paths[0])  # only the first path


check_total_derivative(total_derivative)
