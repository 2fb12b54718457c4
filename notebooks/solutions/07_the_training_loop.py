"""Solutions to the exercises of 07_the_training_loop.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer, which the tests feed to the checker
to see it rejected with a hint. The sections run inside the notebook, after the cells above
the exercise, so names defined there (the checkers, `Value`, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: mse
def mse(preds, targets):
    return sum((p - t) ** 2 for p, t in zip(preds, targets)) / len(preds)


check_mse(mse)


# %% wrong: mse
def mse(preds, targets):
    return sum((p - t) ** 2 for p, t in zip(preds, targets))  # a sum, not a mean


check_mse(mse)


# %% solution: sgd_step
def sgd_step(params, lr):
    for p in params:
        p.data -= lr * p.grad


check_sgd_step(sgd_step)


# %% wrong: sgd_step
def sgd_step(params, lr):
    for p in params:
        p.data += lr * p.grad  # uphill


check_sgd_step(sgd_step)


# %% solution: softmax
def my_softmax(logits):
    exps = [z.exp() for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


check_softmax(my_softmax)


# %% wrong: softmax
def my_softmax(logits):
    total = sum(logits)
    return [z / total for z in logits]  # no exp: not a probability


check_softmax(my_softmax)
