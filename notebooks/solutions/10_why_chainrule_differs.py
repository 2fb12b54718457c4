"""Solutions to the exercises of 10_why_chainrule_differs.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer (several per exercise), which the
tests feed to the checker to see it rejected with a hint of its own. The sections run inside
the notebook, after the cells above the exercise, so names defined there (the checkers,
`engine`, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: count
def longhand_op_nodes(n):
    return 2 * n  # n products, n - 1 additions between them, 1 addition for the bias


check_count(longhand_op_nodes)


# %% wrong: count
def longhand_op_nodes(n):
    return 2 * n - 1  # forgets the bias's addition


check_count(longhand_op_nodes)


# %% wrong: count
def longhand_op_nodes(n):
    return n  # only the products


check_count(longhand_op_nodes)


# %% wrong: count
def longhand_op_nodes(n):
    return 2 * n + 1  # one addition too many


check_count(longhand_op_nodes)


# %% solution: dot_rule
def dot_rule(weights, inputs, bias, g):
    # d(sum_i w_i x_i + b)/dw_i = x_i, /dx_i = w_i, /db = 1; times g by the chain rule
    weight_grads = [x * g for x in inputs]
    input_grads = [w * g for w in weights]
    bias_grad = g
    return weight_grads, input_grads, bias_grad


check_dot_rule(dot_rule)


# %% wrong: dot_rule
def dot_rule(weights, inputs, bias, g):
    weight_grads = [w * g for w in weights]  # each weight's own value: the wrong factor
    input_grads = [x * g for x in inputs]
    return weight_grads, input_grads, g


check_dot_rule(dot_rule)


# %% wrong: dot_rule
def dot_rule(weights, inputs, bias, g):
    weight_grads = list(inputs)  # the local derivatives without the upstream gradient
    input_grads = list(weights)
    return weight_grads, input_grads, g


check_dot_rule(dot_rule)


# %% wrong: dot_rule
def dot_rule(weights, inputs, bias, g):
    weight_grads = [x * g for x in inputs]
    input_grads = [w * g for w in weights]
    return weight_grads, input_grads, bias * g  # the bias's value, not d(sum)/db = 1


check_dot_rule(dot_rule)
