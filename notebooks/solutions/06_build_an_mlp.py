"""Solutions to the exercises of 06_build_an_mlp.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer, which the tests feed to the checker
to see it rejected with a hint. The sections run inside the notebook, after the cells above
the exercise, so names defined there (the checkers, `Value`, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: Neuron
class Neuron:
    def __init__(self, nin, nonlinear=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlinear = nonlinear

    def __call__(self, x):
        pre_activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return pre_activation.tanh() if self.nonlinear else pre_activation

    def parameters(self):
        return self.w + [self.b]


check_neuron(Neuron)


# %% wrong: Neuron
class Neuron:
    def __init__(self, nin, nonlinear=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlinear = nonlinear

    def __call__(self, x):
        pre_activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return pre_activation.tanh() if self.nonlinear else pre_activation

    def parameters(self):
        return self.w  # the bias is a parameter too


check_neuron(Neuron)


# %% wrong: Neuron
class Neuron:
    def __init__(self, nin, nonlinear=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlinear = nonlinear

    def __call__(self, x):
        # built from .data, then made a Value: the right number, cut off from the weights
        pre_activation = Value(sum(wi.data * xi for wi, xi in zip(self.w, x)) + self.b.data)
        return pre_activation.tanh() if self.nonlinear else pre_activation

    def parameters(self):
        return self.w + [self.b]


check_neuron(Neuron)


# %% wrong: Neuron
class Neuron:
    def __init__(self, nin, nonlinear=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlinear = nonlinear

    def __call__(self, x):
        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b)  # no tanh

    def parameters(self):
        return self.w + [self.b]


check_neuron(Neuron)


# %% wrong: Neuron
class Neuron:
    def __init__(self, nin, nonlinear=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlinear = nonlinear

    def __call__(self, x):
        pre_activation = sum(wi * xi for wi, xi in zip(self.w, x))  # the bias left out
        return pre_activation.tanh() if self.nonlinear else pre_activation

    def parameters(self):
        return self.w + [self.b]


check_neuron(Neuron)


# %% wrong: Neuron
class Neuron:
    def __init__(self, nin, nonlinear=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlinear = nonlinear

    def __call__(self, x):
        pre_activation = self.b + self.w * x  # a list times a list: Python raises
        return pre_activation.tanh()

    def parameters(self):
        return self.w + [self.b]


check_neuron(Neuron)


# %% solution: Layer
class Layer:
    def __init__(self, nin, nout, nonlinear=True):
        self.neurons = [Neuron(nin, nonlinear) for _ in range(nout)]

    def __call__(self, x):
        outs = [neuron(x) for neuron in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


check_layer(Layer)


# %% wrong: Layer
class Layer:
    def __init__(self, nin, nout, nonlinear=True):
        self.neurons = [Neuron(nin, nonlinear)] * nout  # one neuron, nout times

    def __call__(self, x):
        outs = [neuron(x) for neuron in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


check_layer(Layer)


# %% wrong: Layer
class Layer:
    def __init__(self, nin, nout, nonlinear=True):
        self.neurons = [Neuron(nin, nonlinear) for _ in range(nout)]

    def __call__(self, x):
        outs = [neuron(x) for neuron in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [neuron.parameters() for neuron in self.neurons]  # a list of lists


check_layer(Layer)


# %% wrong: Layer
class Layer:
    def __init__(self, nin, nout, nonlinear=True):
        self.neurons = [Neuron(nin) for _ in range(nout)]  # nonlinear not passed on

    def __call__(self, x):
        outs = [neuron(x) for neuron in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


check_layer(Layer)


# %% wrong: Layer
class Layer:
    def __init__(self, nin, nout, nonlinear=True):
        self.neurons = [Neuron(nout, nonlinear) for _ in range(nin)]  # nin and nout swapped

    def __call__(self, x):
        return [neuron(x) for neuron in self.neurons]

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


check_layer(Layer)


# %% solution: MLP
class MLP:
    def __init__(self, nin, nouts):
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlinear=i < last) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


check_mlp(MLP)


# %% wrong: MLP
class MLP:
    def __init__(self, nin, nouts):
        sizes = [nin] + nouts
        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]  # all tanh

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


check_mlp(MLP)


# %% wrong: MLP
class MLP:
    def __init__(self, nin, nouts):
        last = len(nouts) - 1
        # every layer reads the network's inputs, not the layer before
        self.layers = [Layer(nin, n, nonlinear=i < last) for i, n in enumerate(nouts)]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


check_mlp(MLP)


# %% wrong: MLP
class MLP:
    def __init__(self, nin, nouts):
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlinear=i < last) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            out = layer(x)  # each layer gets the network's input again
        return out

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


check_mlp(MLP)


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


# %% wrong: parameter_count
def parameter_count(nin, nouts):
    return sum((nin + 1) * n for n in nouts)  # every layer reading the network's inputs


check_parameter_count(parameter_count)


# %% wrong: parameter_count
def parameter_count(nin, nouts):
    return sum(nouts)  # the neurons, not their parameters


check_parameter_count(parameter_count)
