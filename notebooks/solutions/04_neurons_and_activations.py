"""Solutions to the exercises of 04_neurons_and_activations.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer, which the tests feed to the checker
to see it rejected with a hint. The sections run inside the notebook, after the cells above
the exercise, so names defined there (the checkers, `math`, ...) are not imported here.
"""
# ruff: noqa: F811, F821

# %% solution: bias
bias = math.atanh(1 / math.sqrt(2)) - 2  # x1 * w1 + b = atanh(1/sqrt(2))

check_bias(bias)

# %% wrong: bias
bias = 6.8813735870195432  # the other neuron's bias: its weighted sum was -6, not 2

check_bias(bias)

# %% wrong: bias
bias = math.atanh(1 / math.sqrt(2))  # the pre-activation the tanh needs, not the bias

check_bias(bias)

# %% wrong: bias
bias = math.atanh(0.5) - 2  # makes out = 0.5, not its slope

check_bias(bias)

# %% wrong: bias
bias = 0.0  # the sum is then 2, where tanh is already flat

check_bias(bias)


# %% solution: sigmoid_slope
def sigmoid_slope(s):
    return s * (1 - s)


check_sigmoid_slope(sigmoid_slope)


# %% wrong: sigmoid_slope
def sigmoid_slope(s):
    return 1 - s**2  # that is tanh's


check_sigmoid_slope(sigmoid_slope)


# %% wrong: sigmoid_slope
def sigmoid_slope(s):
    return -s * (1 - s)  # a sign lost while differentiating e^-x


check_sigmoid_slope(sigmoid_slope)


# %% wrong: sigmoid_slope
def sigmoid_slope(s):
    return math.exp(-s) / (1 + math.exp(-s)) ** 2  # the formula in x, fed s instead of x


check_sigmoid_slope(sigmoid_slope)
