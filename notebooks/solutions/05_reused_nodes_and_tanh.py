"""Solutions to the exercises of 05_reused_nodes_and_tanh.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer (several per exercise), which the
tests feed to the checker to see it rejected with a hint of its own. The sections run inside
the notebook, after the cells above the exercise, so names defined there (the checkers,
`engine`, `math`, ...) are not imported here.
"""
# ruff: noqa: F811, F821

# %% solution: prediction
# with +=: 1 from the sum, plus 3 and 3 from the two factors; with =: the product's rule
# runs last and writes x.grad = 3 * 1 (twice)
prediction = {"right": 7.0, "buggy": 3.0}

check_prediction(prediction)

# %% wrong: prediction
prediction = {"right": 7.0, "buggy": 1.0}  # as if the sum's write came last

check_prediction(prediction)

# %% wrong: prediction
prediction = {"right": 6.0, "buggy": 3.0}  # forgot the use of x in the sum

check_prediction(prediction)

# %% wrong: prediction
prediction = {"right": 7.0, "buggy": 7.0}  # as if = added up too

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
