"""Solutions to the exercises of 08_recognising_digits.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer, which the tests feed to the checker
to see it rejected with a hint. The sections run inside the notebook, after the cells above
the exercise, so names defined there (the checkers, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: accuracy
def accuracy(predicted, labels):
    return sum(p == t for p, t in zip(predicted, labels)) / len(labels)


check_accuracy(accuracy)


# %% wrong: accuracy
def accuracy(predicted, labels):
    return sum(p == t for p, t in zip(predicted, labels))  # a count, not a fraction


check_accuracy(accuracy)


# %% solution: minibatches
def minibatches(indices, batch_size):
    return [indices[start : start + batch_size] for start in range(0, len(indices), batch_size)]


check_minibatches(minibatches)


# %% wrong: minibatches
def minibatches(indices, batch_size):
    count = len(indices) // batch_size  # drops the shorter last batch
    return [indices[k * batch_size : (k + 1) * batch_size] for k in range(count)]


check_minibatches(minibatches)
