"""Solutions to the exercises of 05_reused_nodes_and_tanh.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer (several per exercise), which the
tests feed to the checker to see it rejected with a hint of its own. The sections run inside
the notebook, after the cells above the exercise, so names defined there (the checkers,
`engine`, `math`, ...) are not imported here.
"""
# ruff: noqa: F811, F821

# %% solution: prediction
# y = (x + w) * x, s = x + w. With +=: the product sends x s.data * 1 = 7 and sends s
# x.data * 1 = 2, which the sum passes on to x: 9. With =: the product is the output, so its
# rule runs first (x.grad = 7); the sum's rule runs last and writes x.grad = s.grad = 2.
prediction = {"right": 9.0, "buggy": 2.0}  # x.grad with += and with =

check_prediction(prediction)

# %% wrong: prediction
prediction = {"right": 9.0, "buggy": 7.0}  # as if the product's write came last

check_prediction(prediction)

# %% wrong: prediction
prediction = {"right": 7.0, "buggy": 2.0}  # forgot the use of x inside the sum

check_prediction(prediction)

# %% wrong: prediction
prediction = {"right": 9.0, "buggy": 9.0}  # as if = added up too

check_prediction(prediction)

# %% wrong: prediction
prediction = {"right": 2.0, "buggy": 2.0}  # only the share through the sum

check_prediction(prediction)


# %% solution: sigmoid
def sigmoid(x):
    return 1 / (1 + (-x).exp())


check_sigmoid(sigmoid)


# %% wrong: sigmoid
def sigmoid(x):
    return 1 / (1 + x.exp())  # the sign of the exponent is lost


check_sigmoid(sigmoid)


# %% wrong: sigmoid
def sigmoid(x):
    return 1 / (1 + math.exp(-x.data))  # a plain number: no graph


check_sigmoid(sigmoid)


# %% wrong: sigmoid
def sigmoid(x):
    return engine.Value(1 / (1 + math.exp(-x.data)))  # the right number, but a leaf


check_sigmoid(sigmoid)
