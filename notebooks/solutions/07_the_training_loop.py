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


# %% wrong: mse
def mse(preds, targets):
    # the number is right, but computed from .data: a float, cut off from the model
    return sum((p.data - t) ** 2 for p, t in zip(preds, targets)) / len(preds)


check_mse(mse)


# %% wrong: mse
def mse(preds, targets):
    return sum(p - t for p, t in zip(preds, targets)) / len(preds)  # misses cancel out


check_mse(mse)


# %% wrong: mse
def mse(preds, targets):
    return [(p - t) ** 2 for p, t in zip(preds, targets)]  # one loss per example


check_mse(mse)


# %% solution: softmax
def softmax(logits):
    exps = [z.exp() for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


check_softmax(softmax)


# %% wrong: softmax
def softmax(logits):
    total = sum(logits)
    return [z / total for z in logits]  # no exp: not a probability


check_softmax(softmax)


# %% wrong: softmax
def softmax(logits):
    exps = [z.exp() for z in logits]
    total = sum(e.data for e in exps)  # the total as a number: no gradient through it
    return [e / total for e in exps]


check_softmax(softmax)


# %% wrong: softmax
def softmax(logits):
    exps = [math.exp(z.data) for z in logits]  # numbers, not Values
    return [e / sum(exps) for e in exps]


check_softmax(softmax)


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


# %% wrong: sgd_step
def sgd_step(params, lr):
    for p in params:
        p = p - lr * p.grad  # a new Value bound to the name p; the parameter is unchanged


check_sgd_step(sgd_step)


# %% wrong: sgd_step
def sgd_step(params, lr):
    for p in params:
        p.data -= p.grad  # the learning rate left out


check_sgd_step(sgd_step)


# %% solution: train
def train(model, xs, ys, epochs, lr):
    losses = []
    for _ in range(epochs):
        loss = mse([model([x]) for x in xs], ys)
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        sgd_step(model.parameters(), lr)
        losses.append(loss.data)
    return losses


check_train(train)


# %% wrong: train
def train(model, xs, ys, epochs, lr):
    losses = []
    for _ in range(epochs):
        loss = mse([model([x]) for x in xs], ys)
        loss.backward()  # the gradients of earlier epochs are still in .grad
        sgd_step(model.parameters(), lr)
        losses.append(loss.data)
    return losses


check_train(train)


# %% wrong: train
def train(model, xs, ys, epochs, lr):
    losses = []
    for _ in range(epochs):
        loss = mse([model([x]) for x in xs], ys)
        loss.backward()
        for p in model.parameters():
            p.grad = 0.0  # reset between backward and the update: nothing left to step with
        sgd_step(model.parameters(), lr)
        losses.append(loss.data)
    return losses


check_train(train)


# %% wrong: train
def train(model, xs, ys, epochs, lr):
    losses = []
    for _ in range(epochs):
        loss = mse([model([x]) for x in xs], ys)
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        sgd_step(model.parameters(), lr)
        losses.append(loss)  # the Value, not its number
    return losses


check_train(train)


# %% wrong: train
def train(model, xs, ys, epochs, lr):
    losses = []
    for _ in range(epochs):
        for p in model.parameters():
            p.grad = 0.0
        loss = mse([model([x]) for x in xs], ys)
        loss.backward()
        sgd_step(model.parameters(), lr)
        loss = mse([model([x]) for x in xs], ys)  # measured again, after the update
        losses.append(loss.data)
    return losses


check_train(train)
