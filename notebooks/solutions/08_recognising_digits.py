"""Solutions to the exercises of 08_recognising_digits.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer, which the tests feed to the checker
to see it rejected with a hint. The sections run inside the notebook, after the cells above
the exercise, so names defined there (the checkers, `fit_digits`, ...) are not imported here.
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


# %% wrong: accuracy
def accuracy(predicted, labels):
    return sum(p != t for p, t in zip(predicted, labels)) / len(labels)  # the error rate


check_accuracy(accuracy)


# %% wrong: accuracy
def accuracy(predicted, labels):
    return 100 * sum(p == t for p, t in zip(predicted, labels)) / len(labels)  # a percentage


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


# %% wrong: minibatches
def minibatches(indices, batch_size):
    ordered = sorted(indices)  # undoes the caller's shuffle
    return [ordered[start : start + batch_size] for start in range(0, len(ordered), batch_size)]


check_minibatches(minibatches)


# %% wrong: minibatches
def minibatches(indices, batch_size):
    # overlapping windows: a step of 1 instead of batch_size
    return [indices[start : start + batch_size] for start in range(len(indices))]


check_minibatches(minibatches)


# %% solution: digit_model
def my_digit_model():
    model = nn.MLP(64, [32, 10], activation="relu", seed=0, init="pytorch")
    optimizer = nn.Adam(model.parameters(), lr=0.01)
    fit_digits(model, optimizer, epochs=5, batch_size=16, lr_schedule={4: 0.002})
    return model


check_digit_model(my_digit_model)


# %% wrong: digit_model
def my_digit_model():
    model = nn.MLP(64, [32, 10], activation="relu", seed=0, init="pytorch")
    return model  # built, never trained


check_digit_model(my_digit_model)


# %% wrong: digit_model
def my_digit_model():
    model = nn.MLP(64, [32, 1], activation="relu", seed=0, init="pytorch")  # one output
    return model


check_digit_model(my_digit_model)


# %% wrong: digit_model
def my_digit_model():
    model = nn.MLP(64, [4, 10], activation="relu", seed=0, init="pytorch")
    fit_digits(model, nn.SGD(model.parameters(), lr=0.5), epochs=1, batch_size=32)
    return model  # too small, too briefly trained


check_digit_model(my_digit_model)
