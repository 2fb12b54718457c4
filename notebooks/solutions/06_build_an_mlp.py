"""Solutions to the exercises of 06_build_an_mlp.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer, which the tests feed to the checker
to see it rejected with a hint. The sections run inside the notebook, after the cells above
the exercise, so names defined there (the checkers, `nn`, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: parameter_count
def parameter_count(nin, nouts):
    sizes = [nin] + nouts
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))


check_parameter_count(parameter_count)


# %% wrong: parameter_count
def parameter_count(nin, nouts):
    sizes = [nin] + nouts
    return sum(sizes[i] * sizes[i + 1] for i in range(len(nouts)))  # forgets the biases


check_parameter_count(parameter_count)


# %% solution: forward
def mlp_forward(layers, x):
    last = len(layers) - 1
    for i, (weights, biases) in enumerate(layers):
        sums = [sum(w * xi for w, xi in zip(row, x)) + b for row, b in zip(weights, biases)]
        x = [math.tanh(s) for s in sums] if i < last else sums
    return x[0]


check_forward(mlp_forward)


# %% wrong: forward
def mlp_forward(layers, x):
    for weights, biases in layers:  # tanh on the last layer too
        x = [math.tanh(sum(w * xi for w, xi in zip(row, x)) + b) for row, b in zip(weights, biases)]
    return x[0]


check_forward(mlp_forward)
