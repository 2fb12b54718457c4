"""Writes the teaching notebooks in this folder from the cell texts below.

The notebooks are committed without outputs; editing them here and running
`python notebooks/build_notebooks.py` keeps every notebook in the same shape: a Markdown
cell before each code cell, a seed in the first code cell, an asserting cell at the end.
Cell ids are derived from the notebook's name and the cell's position, so rebuilding an
unchanged notebook gives a byte-identical file.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent


def md(text: str) -> tuple[str, str]:
    return ("markdown", textwrap.dedent(text).strip())


def code(text: str) -> tuple[str, str]:
    return ("code", textwrap.dedent(text).strip())


# ---- 01 --------------------------------------------------------------------------------

DERIVATIVES = [
    md("""
        # 1. Derivatives: the slope of a function

        Training a neural network means changing its numbers so that a loss goes down.
        To know *which way* to change a number, we need its **derivative**: if we nudge
        the input `x` by a tiny amount `h`, how much does the output move, per unit of
        nudge? In this notebook we measure derivatives numerically, with nothing but
        arithmetic, and see why that is not enough for networks with many weights.
    """),
    md("""
        Every notebook in this series starts by fixing the random seed, so that every run
        prints the same numbers.
    """),
    code("""
        import math
        import random

        import matplotlib.pyplot as plt

        import engine

        random.seed(0)
    """),
    md("""
        A function to study: $f(x) = 3x^2 - 4x + 5$, an ordinary parabola.
    """),
    code("""
        def f(x):
            return 3 * x**2 - 4 * x + 5


        f(3.0)
    """),
    md("""
        A picture says more than a table of values: the parabola falls, reaches its
        minimum, and rises again.
    """),
    code("""
        xs = [i / 10 for i in range(-50, 51)]
        plt.plot(xs, [f(x) for x in xs])
        plt.xlabel("x")
        plt.ylabel("f(x)")
        plt.show()
    """),
    md("""
        ## Rise over run

        Nudge `x` by `h` and divide the change in `f` by `h`:
        $\\frac{f(x + h) - f(x)}{h}$. As `h` shrinks, this ratio settles on one number,
        the slope of the curve at `x`: the derivative $f'(x)$.
    """),
    code("""
        x = 3.0
        for h in [1.0, 0.1, 0.01, 0.001, 0.000001]:
            print(f"h = {h:<8} slope ~ {(f(x + h) - f(x)) / h:.6f}")
    """),
    md("""
        Calculus gives the exact answer: $f'(x) = 6x - 4$, so $f'(3) = 14$. The slope is
        negative where `f` falls and zero at the bottom of the parabola, $x = 2/3$.
    """),
    code("""
        def f_prime(x):
            return 6 * x - 4


        f_prime(3.0), f_prime(-3.0), f_prime(2 / 3)
    """),
    md("""
        Geometrically, each ratio is the slope of a *secant* line through two points of the
        curve. As `h` shrinks, the secant turns into the *tangent* at `x`, whose slope is
        the derivative.
    """),
    code("""
        x0 = 3.0
        ts = [i / 10 for i in range(0, 61)]
        plt.plot(ts, [f(t) for t in ts], color="black", label="f")
        plt.plot(ts, [f(x0) + f_prime(x0) * (t - x0) for t in ts], label="tangent, slope 14")
        for h in [2.0, 1.0]:
            slope = (f(x0 + h) - f(x0)) / h
            plt.plot(ts, [f(x0) + slope * (t - x0) for t in ts], "--", label=f"secant, h={h}")
        plt.scatter([x0], [f(x0)], color="black", zorder=3)
        plt.ylim(-10, 100)
        plt.legend()
        plt.show()
    """),
    md("""
        ## How small should `h` be?

        We study this on $\\sin$ at $x = 1$, whose derivative is $\\cos(1)$. The *forward*
        difference above has an error proportional to `h`. The *central*
        difference $\\frac{f(x + h) - f(x - h)}{2h}$ cancels that first error term and is
        off only by about $h^2$. But floats carry about 16 significant digits: with a tiny
        `h`, $f(x + h)$ and $f(x)$ agree in almost all their digits, and their difference
        is mostly rounding noise, which grows like $10^{-16}/h$. Both effects show on a
        log-log plot of the error against `h`.
    """),
    code("""
        def forward_difference(fn, x, h):
            return (fn(x + h) - fn(x)) / h


        def central_difference(fn, x, h):
            return (fn(x + h) - fn(x - h)) / (2 * h)


        exact = math.cos(1.0)
        hs = [10.0**-k for k in range(1, 15)]
        forward_errors = [abs(forward_difference(math.sin, 1.0, h) - exact) for h in hs]
        central_errors = [abs(central_difference(math.sin, 1.0, h) - exact) for h in hs]
    """),
    md("""
        The V shapes are the two effects meeting: truncation error on the right, rounding
        error on the left. The central difference is both more accurate and best at a
        larger `h`.
    """),
    code("""
        plt.loglog(hs, forward_errors, "o-", label="forward difference")
        plt.loglog(hs, central_errors, "s-", label="central difference")
        plt.xlabel("h")
        plt.ylabel("|error|")
        plt.legend()
        plt.show()
    """),
    md("""
        This is why `engine.gradcheck`, which tests derivatives numerically, uses central
        differences with `eps=1e-6`.

        ## Several inputs: partial derivatives

        Take $d = a \\cdot b + c$. Nudging *one* input while holding the others fixed gives
        a **partial derivative**: $\\partial d / \\partial a = b$,
        $\\partial d / \\partial b = a$, $\\partial d / \\partial c = 1$.
    """),
    code("""
        def d_of(a, b, c):
            return a * b + c


        def partial(fn, point, i, h=1e-6):
            # central difference along coordinate i, the others held fixed
            up = list(point)
            down = list(point)
            up[i] += h
            down[i] -= h
            return (fn(*up) - fn(*down)) / (2 * h)


        point = [2.0, -3.0, 10.0]
        gradient = [partial(d_of, point, i) for i in range(3)]
        gradient
    """),
    md("""
        The vector of all partial derivatives is the **gradient**. It points where the
        function rises fastest, so a small step *against* it lowers the function. That
        one idea, repeated many times, is gradient descent, and it is how networks learn.
    """),
    code("""
        step = 0.01
        stepped = [p - step * g for p, g in zip(point, gradient)]
        d_of(*point), d_of(*stepped)
    """),
    md("""
        ## Why not stop here?

        Finite differences need two evaluations of the function *per input*. A network with
        a million weights would need two million forward passes for a single training
        step. Backpropagation, built in the next two notebooks, gets every partial
        derivative from *one* backward pass that costs about as much as the forward pass.
        A preview with the `engine` package:
    """),
    code("""
        a, b, c = engine.Value(2.0), engine.Value(-3.0), engine.Value(10.0)
        d = a * b + c
        d.backward()
        [a.grad, b.grad, c.grad]
    """),
    md("""
        ## Check

        The central difference agrees with calculus, and backpropagation agrees with the
        partial derivatives measured one input at a time.
    """),
    code("""
        assert abs(central_difference(f, 3.0, 1e-5) - f_prime(3.0)) < 1e-6
        assert min(central_errors) < 0.01 * min(forward_errors)
        backprop_gradient = [a.grad, b.grad, c.grad]
        assert all(abs(bp - fd) < 1e-6 for bp, fd in zip(backprop_gradient, gradient))
        assert backprop_gradient == [-3.0, 2.0, 1.0]
    """),
]

# ---- 02 --------------------------------------------------------------------------------

VALUES_AND_GRAPHS = [
    md("""
        # 2. Values and computation graphs

        To differentiate an expression automatically, the computer must remember *how* the
        expression was computed. `engine.Value` does that: it wraps one number, and every
        operation on Values returns a new Value that remembers its inputs (its `parents`)
        and the operation (its `op`). The result is a **computation graph**, which we
        draw with `engine.draw_dot`.
    """),
    md("""
        Imports and the seed.
    """),
    code("""
        import random

        import engine
        from engine import Value

        random.seed(0)
    """),
    md("""
        A Value made directly from a number is a **leaf**: it has no parents and no op.
        Its gradient `grad` starts at 0.0; notebook 3 fills it in.
    """),
    code("""
        a = Value(2.0, label="a")
        a, a.data, a.grad, a.op, a.parents
    """),
    md("""
        Arithmetic on Values builds new Values. Each result records the op that made it
        and its parents, in operand order. Labels are optional names for the drawings.
    """),
    code("""
        b = Value(-3.0, label="b")
        c = Value(10.0, label="c")
        e = a * b
        e.label = "e"
        d = e + c
        d.label = "d"
        d
    """),
    md("""
        Follow the links backwards from `d`: it was made by `+` from `e` and `c`, and `e`
        by `*` from `a` and `b`.
    """),
    code("""
        print(d.op, [p.label for p in d.parents])
        print(e.op, [p.label for p in e.parents])
    """),
    md("""
        The same structure as a picture. Each rectangle is a Value (label, data, grad),
        each small oval an op; edges run from inputs to results. All gradients are still
        0: nothing has run backwards yet.
    """),
    code("""
        engine.draw_dot(d)
    """),
    md("""
        Plain numbers mix with Values on either side of an operator. A number becomes a
        **constant leaf**, so it shows up in the graph too.
    """),
    code("""
        x = Value(3.0, label="x")
        y = 2 * x + 1
        y.label = "y"
        [(p.data, p.op or "leaf") for p in y.parents]
    """),
    md("""
        In the drawing, the constants 2 and 1 are unlabeled leaves. They are numbers,
        not variables: `backward()` gives them no gradient, as PyTorch gives none to a
        Python number.
    """),
    code("""
        engine.draw_dot(y)
    """),
    md("""
        A Value used twice appears twice among the parents: `a * a` has the parents
        `(a, a)`, one edge per use. Notebook 3 shows why this matters for gradients.
    """),
    code("""
        square = a * a
        square.label = "square"
        print(len(square.parents), square.parents[0] is square.parents[1])
        engine.draw_dot(square)
    """),
    md("""
        Values also know the functions neural networks use: `tanh`, `sigmoid`, `relu`,
        `exp`, `log`, and the operators `- / **`. A bigger expression, drawn top to
        bottom this time:
    """),
    code("""
        f = Value(-2.0, label="f")
        L = d * f
        L.label = "L"
        out = (L / 10).tanh()
        out.label = "out"
        engine.draw_dot(out, rankdir="TB")
    """),
    md("""
        ## An order for the graph

        `engine.topological_order(root)` lists every node that `root` depends on, each
        after all of its parents: an order in which the forward pass could have computed
        them. The backward pass (notebook 3) walks this list in reverse.
    """),
    code("""
        for node in engine.topological_order(out):
            print(f"{node.op or 'leaf':>5}  {node.label:>6}  {node.data:8.4f}")
    """),
    md("""
        ## Not recording

        When we only want numbers, for example to evaluate a trained model, recording a
        graph is wasted work. Inside `engine.no_grad()` every result is a leaf.
    """),
    code("""
        with engine.no_grad():
            z = a * b + c
        z, z.op, z.parents
    """),
    md("""
        ## What Graphviz receives

        `draw_dot` returns a `graphviz.Digraph`; its source is plain DOT text. Node ids are
        numbered in graph order, so drawing the same graph twice gives the same text.
    """),
    code("""
        source = engine.draw_dot(d).source
        print(source)
    """),
    md("""
        ## Check
    """),
    code("""
        assert d.data == 4.0 and d.op == "+" and d.parents == (e, c)
        assert e.op == "*" and e.parents == (a, b)
        assert square.parents == (a, a)
        order = engine.topological_order(d)
        assert order[-1] is d and order.index(e) < order.index(d)
        assert z.op == "" and z.parents == () and z.data == d.data
        assert engine.draw_dot(d).source == source
    """),
]

# ---- 03 --------------------------------------------------------------------------------

BACKPROP_BY_HAND = [
    md("""
        # 3. Backpropagation, by hand and then by machine

        We take the graph from notebook 2,
        $L = (a \\cdot b + c) \\cdot f$, and compute $\\partial L / \\partial x$ for every
        node $x$, walking from the output back to the inputs and applying the **chain
        rule** at each node. Then `backward()` does the same walk for us, and
        `backward_steps()` lets us watch it one node at a time.
    """),
    md("""
        Imports and the seed.
    """),
    code("""
        import math
        import random
        from collections import deque

        from IPython.display import display

        import engine
        from engine import Value

        random.seed(0)
    """),
    md("""
        A function that builds the graph afresh, so that each experiment starts with all
        gradients at zero.
    """),
    code("""
        def build():
            a = Value(2.0, label="a")
            b = Value(-3.0, label="b")
            c = Value(10.0, label="c")
            f = Value(-2.0, label="f")
            e = a * b
            e.label = "e"
            d = e + c
            d.label = "d"
            L = d * f
            L.label = "L"
            return a, b, c, f, e, d, L


        a, b, c, f, e, d, L = build()
        L
    """),
    md("""
        ## By hand

        Start at the output: $\\partial L / \\partial L = 1$.

        $L = d \\cdot f$. The local derivative of a product with respect to one factor is
        the other factor, so $\\partial L / \\partial d = f = -2$ and
        $\\partial L / \\partial f = d = 4$.
    """),
    code("""
        L.grad = 1.0
        d.grad = L.grad * f.data
        f.grad = L.grad * d.data
        d.grad, f.grad
    """),
    md("""
        $d = e + c$. A sum passes its gradient through unchanged (local derivative 1).
        The **chain rule**: $\\frac{\\partial L}{\\partial e} =
        \\frac{\\partial L}{\\partial d} \\cdot \\frac{\\partial d}{\\partial e} = -2 \\cdot 1$.
    """),
    code("""
        e.grad = d.grad * 1.0
        c.grad = d.grad * 1.0
        e.grad, c.grad
    """),
    md("""
        $e = a \\cdot b$, a product again:
        $\\frac{\\partial L}{\\partial a} = \\frac{\\partial L}{\\partial e} \\cdot b
        = -2 \\cdot -3 = 6$ and
        $\\frac{\\partial L}{\\partial b} = \\frac{\\partial L}{\\partial e} \\cdot a
        = -2 \\cdot 2 = -4$.
    """),
    code("""
        a.grad = e.grad * b.data
        b.grad = e.grad * a.data
        a.grad, b.grad
    """),
    md("""
        Every node now carries its gradient. Read the graph from right to left: each
        gradient is the gradient of the node after it, times one local derivative.
    """),
    code("""
        engine.draw_dot(L)
    """),
    md("""
        Are the hand-computed numbers right? Notebook 1's central differences say:
    """),
    code("""
        def L_of(a, b, c, f):
            return (a * b + c) * f


        def partial(fn, point, i, h=1e-6):
            up, down = list(point), list(point)
            up[i] += h
            down[i] -= h
            return (fn(*up) - fn(*down)) / (2 * h)


        point = [2.0, -3.0, 10.0, -2.0]
        numeric = [partial(L_of, point, i) for i in range(4)]
        by_hand = [a.grad, b.grad, c.grad, f.grad]
        by_hand, [round(g, 6) for g in numeric]
    """),
    md("""
        ## By machine: `backward()`

        Each op stores its local-derivative rule on the node it makes. `backward()` seeds
        the output's gradient with 1 and runs the rules from the output back to the leaves:
        exactly the steps above.
    """),
    code("""
        a, b, c, f, e, d, L = build()
        L.backward()
        [a.grad, b.grad, c.grad, f.grad]
    """),
    md("""
        ## One step at a time: `backward_steps()`

        `backward_steps()` is the same pass as a generator. It yields each node just after
        that node pushed its gradient to its parents. `draw_dot(root, highlight=node)`
        marks the node in the drawing. The first step handles `L` itself:
    """),
    code("""
        a, b, c, f, e, d, L = build()
        steps = L.backward_steps()
        node = next(steps)
        engine.draw_dot(L, highlight=node)
    """),
    md("""
        The walk runs through the topological order backwards, so `L`'s parent `f` comes
        next. `f` is a leaf: it has no rule, so no number changes; the walk only marks it.
    """),
    code("""
        node = next(steps)
        print("step:", node.label)
        engine.draw_dot(L, highlight=node)
    """),
    md("""
        The remaining steps, one drawing each: `d` passes its gradient to `e` and `c`, then
        `e` passes its gradient to `a` and `b`.
    """),
    code("""
        for node in steps:
            print("step:", node.label or node.op)
            display(engine.draw_dot(L, highlight=node))
    """),
    md("""
        ## Why gradients accumulate: `a + a`

        If a value is used twice, a change in it reaches the output along two paths, and
        the chain rule *adds* the two contributions. $y = a + a = 2a$, so
        $\\partial y / \\partial a = 2$. That is why every rule does `parent.grad += ...`
        instead of `parent.grad = ...`: with `=`, the second use would overwrite the first
        and the answer would be 1.
    """),
    code("""
        a = Value(3.0, label="a")
        y = a + a
        y.backward()
        a.grad
    """),
    md("""
        The same in the drawing: two edges leave `a`, one per use.
    """),
    code("""
        engine.draw_dot(y)
    """),
    md("""
        Accumulation has a consequence: calling `backward()` again *adds* to the gradients
        already there, as in PyTorch. Gradients must be reset (`zero_grad`) between
        training steps; notebook 5 shows what happens when that is forgotten.
    """),
    code("""
        y.backward()
        a.grad
    """),
    md("""
        ## Why a topological order

        A node may push its gradient to its parents only once its *own* gradient is
        complete, that is, after every node that uses it has pushed its share. Walking a
        topological order in reverse guarantees that. Here is a graph where the order
        matters: `u` is used by `L` directly and, through `t` and `w`, indirectly.
    """),
    code("""
        def build_diamond():
            x = Value(0.5, label="x")
            u = x * 3
            u.label = "u"
            t = u * u
            t.label = "t"
            w = t.tanh()
            w.label = "w"
            L = w + u
            L.label = "L"
            return x, L


        x, L = build_diamond()
        engine.draw_dot(L)
    """),
    md("""
        The whole backward pass fits in a few lines: seed the output, then run each node's
        stored rule (`node._backward`, the rule its op attached) in the given order. We
        run it with two orders.
    """),
    code("""
        def run_backward(root, order):
            root.grad = 1.0
            for node in order:
                if node._backward is not None:
                    node._backward(node, node.grad)


        def breadth_first(root):
            # nearest nodes first: NOT a topological order in general
            order, seen, queue = [], {root}, deque([root])
            while queue:
                node = queue.popleft()
                order.append(node)
                for parent in node.parents:
                    if parent not in seen:
                        seen.add(parent)
                        queue.append(parent)
            return order
    """),
    md("""
        Breadth first reaches `u` (one edge from `L`) before `t`, so `u` pushes its
        gradient to `x` before `t` has added its share to `u`. The reversed topological
        order gets it right; central differences referee.
    """),
    code("""
        x, L = build_diamond()
        print("breadth-first order:", [n.label or n.op for n in breadth_first(L)])
        run_backward(L, breadth_first(L))
        wrong = x.grad

        x, L = build_diamond()
        run_backward(L, list(reversed(engine.topological_order(L))))
        right = x.grad


        def L_of_x(x):
            return math.tanh((3 * x) ** 2) + 3 * x


        numeric_x = partial(L_of_x, [0.5], 0)
        wrong, right, numeric_x
    """),
    md("""
        ## Check
    """),
    code("""
        assert by_hand == [6.0, -4.0, -2.0, 4.0]
        assert all(abs(h - n) < 1e-6 for h, n in zip(by_hand, numeric))
        a, b, c, f, e, d, L = build()
        L.backward()
        assert [a.grad, b.grad, c.grad, f.grad] == by_hand
        assert abs(right - numeric_x) < 1e-6 and abs(wrong - numeric_x) > 0.1
    """),
]

# ---- 04 --------------------------------------------------------------------------------

NEURONS = [
    md("""
        # 4. Neurons and activation functions

        A neuron takes inputs $x_1, \\dots, x_n$, multiplies each by a weight $w_i$, adds a
        bias $b$, and passes the sum through an **activation function** $\\varphi$:

        $$\\text{out} = \\varphi\\Big(\\sum_i w_i x_i + b\\Big)$$

        The weights and the bias are what training adjusts; the activation makes the
        network more than a linear function.
    """),
    md("""
        Imports and the seed.
    """),
    code("""
        import math
        import random

        import matplotlib.pyplot as plt

        import engine
        import nn
        from engine import Value

        random.seed(0)
    """),
    md("""
        A neuron with two inputs, written out longhand: two products and two sums.
    """),
    code("""
        x = [Value(2.0, label="x1"), Value(0.0, label="x2")]
        w = [Value(-3.0, label="w1"), Value(1.0, label="w2")]
        b = Value(6.8813735870195432, label="b")
        z_longhand = x[0] * w[0] + x[1] * w[1] + b
        z_longhand
    """),
    md("""
        `engine.dot(weights, inputs, bias)` computes the same weighted sum as **one** node
        with one rule, instead of $2n - 1$ nodes. For a neuron with 64 inputs that is 1
        node instead of 127, and backpropagation gets correspondingly cheaper.
    """),
    code("""
        z = engine.dot(w, x, b)
        z.label = "z"
        z.data, len(z.parents)
    """),
    md("""
        Apply `tanh`, run backward, and look at the neuron's graph.
    """),
    code("""
        out = z.tanh()
        out.label = "out"
        out.backward()
        engine.draw_dot(out)
    """),
    md("""
        Read the gradients: $\\partial\\,\\text{out} / \\partial w_1 = x_1 \\cdot
        (1 - \\text{out}^2)$ by the chain rule. The weight `w2` gets gradient 0 because its
        input `x2` is 0: whatever `w2` is, it does not change the output right now.
    """),
    code("""
        print("d out/d w1 =", w[0].grad, " by the formula:", x[0].data * (1 - out.data**2))
        print("d out/d w2 =", w[1].grad)
    """),
    md("""
        ## Activation functions and their derivatives

        We let the engine compute each function and its slope at many points, with one
        `backward()` per point.
    """),
    code("""
        def value_and_slope(activation, x):
            v = Value(x)
            y = activation(v)
            y.backward()
            return y.data, v.grad


        activations = {
            "sigmoid": lambda v: v.sigmoid(),
            "tanh": lambda v: v.tanh(),
            "relu": lambda v: v.relu(),
        }
        grid = [i / 20 for i in range(-100, 101)]
        curves = {name: [value_and_slope(fn, x) for x in grid] for name, fn in activations.items()}
    """),
    md("""
        The picture: each function (solid) with its derivative (dashed).
    """),
    code("""
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
        for ax, (name, points) in zip(axes, curves.items()):
            ax.plot(grid, [y for y, _ in points], label=name)
            ax.plot(grid, [s for _, s in points], "--", label=f"{name}'")
            ax.axhline(0, color="gray", linewidth=0.5)
            ax.set_title(name)
            ax.legend()
        plt.show()
    """),
    md("""
        What the picture says:

        - **sigmoid** squashes into (0, 1); its slope is at most 0.25 and nearly 0 for
          large |x|. Gradients shrink each time they pass through one: *vanishing
          gradients* in deep sigmoid networks.
        - **tanh** squashes into (-1, 1), centred at 0, slope up to 1; it still saturates.
        - **ReLU** is 0 or x; its slope is 0 or 1 and never saturates for positive inputs.
          At exactly 0 the engine uses slope 0, as PyTorch does.

        The engine's slopes agree with the closed forms
        $\\sigma' = \\sigma(1 - \\sigma)$, $\\tanh' = 1 - \\tanh^2$ and the step function:
    """),
    code("""
        def sigmoid(x):
            return 1 / (1 + math.exp(-x))


        closed_forms = {
            "sigmoid": lambda x: sigmoid(x) * (1 - sigmoid(x)),
            "tanh": lambda x: 1 - math.tanh(x) ** 2,
            "relu": lambda x: 1.0 if x > 0 else 0.0,
        }
        worst = {
            name: max(abs(s - closed_forms[name](x)) for x, (_, s) in zip(grid, points))
            for name, points in curves.items()
        }
        worst
    """),
    md("""
        ## A neuron as a decision maker

        A sigmoid neuron with two inputs gives every point of the plane a number between 0
        and 1. Its 0.5 contour is the straight line $w \\cdot x + b = 0$: a single neuron
        can only separate classes with a line. Evaluating without recording a graph
        (`no_grad`) is enough for a picture.
    """),
    code("""
        w_plane, b_plane = [1.5, -2.0], 0.5
        steps = [i / 10 for i in range(-30, 31)]


        def neuron_output(x1, x2):
            return engine.dot(w_plane, [x1, x2], b_plane).sigmoid().data


        with engine.no_grad():
            surface = [[neuron_output(x1, x2) for x1 in steps] for x2 in steps]
        plt.contourf(steps, steps, surface, levels=20, cmap="RdBu")
        plt.colorbar(label="neuron output")
        plt.contour(steps, steps, surface, levels=[0.5], colors="black")
        plt.xlabel("x1")
        plt.ylabel("x2")
        plt.show()
    """),
    md("""
        ## The same neuron from `nn`

        `nn.Neuron(nin, activation=..., seed=...)` holds its weights and bias as Values and
        lists them with `parameters()`; calling it on inputs computes
        $\\varphi(w \\cdot x + b)$. A layer is a list of neurons; an MLP a list of layers.
    """),
    code("""
        neuron = nn.Neuron(3, activation="tanh", seed=0)
        inputs = [1.0, -2.0, 0.5]
        neuron_out = neuron(inputs)
        neuron_out, len(neuron.parameters())
    """),
    md("""
        Its graph after `backward()`: the `dot` node, then `tanh`. Each weight's gradient
        is its input times $1 - \text{out}^2$; the bias's is $1 - \text{out}^2$ itself.
    """),
    code("""
        neuron_out.backward()
        engine.draw_dot(neuron_out)
    """),
    md("""
        ## Check
    """),
    code("""
        assert abs(z.data - z_longhand.data) < 1e-12
        assert abs(out.data - math.tanh(z.data)) < 1e-12
        assert abs(w[0].grad - x[0].data * (1 - out.data**2)) < 1e-12 and w[1].grad == 0.0
        assert all(error < 1e-12 for error in worst.values())
        assert len(neuron.parameters()) == 4
        assert -1.0 < neuron_out.data < 1.0 and neuron_out.op == "tanh"
        local = 1 - neuron_out.data**2
        expected = sorted([x_i * local for x_i in inputs] + [local])
        actual = sorted(p.grad for p in neuron.parameters())
        assert all(abs(g - e) < 1e-12 for g, e in zip(actual, expected))
    """),
]

# ---- 05 --------------------------------------------------------------------------------

TRAINING = [
    md("""
        # 5. Training a multilayer perceptron

        Training repeats one loop until the loss is small:

        1. **forward**: run the model on the data, compare with the targets in a **loss**;
        2. **zero_grad**: clear the gradients left over from the previous step;
        3. **backward**: compute the loss's gradient with respect to every parameter;
        4. **step**: move each parameter a little against its gradient (the optimizer).

        One pass over the data is an **epoch**. We train a regression with the mean
        squared error, then a classifier with cross-entropy, compare SGD and Adam, and
        finally break the loop on purpose.
    """),
    md("""
        Imports and the seed. Models and datasets take their own `seed=` too.
    """),
    code("""
        import math
        import random

        import matplotlib.pyplot as plt

        import engine
        import nn

        random.seed(0)
    """),
    md("""
        ## Regression: fitting a curve

        Twenty noisy samples of $y = \\sin(\\pi x)$ on $[-1, 1]$.
    """),
    code("""
        xs = [-1 + 2 * i / 19 for i in range(20)]
        ys = [math.sin(math.pi * x) + random.gauss(0, 0.05) for x in xs]
        plt.scatter(xs, ys)
        plt.show()
    """),
    md("""
        An MLP with one input, two hidden layers of 16 tanh neurons and one linear output.
        The loss is the mean squared error between predictions and targets.
    """),
    code("""
        def train_regression(epochs, zero_grad=True):
            model = nn.MLP(1, [16, 16, 1], activation="tanh", seed=0)
            optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
            losses = []
            for _ in range(epochs):
                predictions = [model([x]) for x in xs]  # forward
                loss = nn.mse_loss(predictions, ys)
                if zero_grad:
                    optimizer.zero_grad()  # gradients accumulate otherwise
                loss.backward()  # backward
                optimizer.step()  # a step against the gradient
                losses.append(loss.data)
            return model, losses
    """),
    md("""
        Train it full-batch with SGD. Plain SGD steps `p -= lr * p.grad`; with
        **momentum** the step is a running sum of recent gradients (each older one
        weighted by 0.9 more), which speeds up travel along directions where the gradient
        keeps pointing the same way.
    """),
    code("""
        regression_model, regression_losses = train_regression(epochs=200)
        regression_losses[0], regression_losses[-1]
    """),
    md("""
        The loss curve (log scale) and the fitted curve.
    """),
    code("""
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
        left.semilogy(regression_losses)
        left.set_xlabel("epoch")
        left.set_ylabel("MSE")
        fine = [i / 50 - 1 for i in range(101)]
        with engine.no_grad():
            fitted = [regression_model([x]).data for x in fine]
        right.scatter(xs, ys, label="data")
        right.plot(fine, fitted, color="C1", label="model")
        right.legend()
        plt.show()
    """),
    md("""
        ## Classification: two moons

        Two interleaved half circles, labels 0 and 1. No straight line separates them,
        so a single neuron would fail; an MLP bends its boundary around them.
    """),
    code("""
        X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
        plt.scatter([p[0] for p in X], [p[1] for p in X], c=y, cmap="coolwarm")
        plt.show()
    """),
    md("""
        The model outputs two **logits**, one score per class. Cross-entropy turns them
        into probabilities with softmax and charges $-\\log p_{\\text{true class}}$. The
        prediction is the class with the larger logit.
    """),
    code("""
        def accuracy(model, X, y):
            with engine.no_grad():
                logits = [model(x) for x in X]
            hits = [int(s[1].data > s[0].data) == label for s, label in zip(logits, y)]
            return sum(hits) / len(hits)


        def train_moons(make_optimizer, epochs=30):
            model = nn.MLP(2, [16, 16, 2], activation="relu", seed=1)
            optimizer = make_optimizer(model.parameters())
            losses = []
            for _ in range(epochs):
                loss = nn.cross_entropy([model(x) for x in X], y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.data)
            return model, losses
    """),
    md("""
        **SGD** (with momentum) and **Adam** on the same model and data. Adam scales each
        parameter's step by a running estimate of its gradient's size, so one learning rate
        suits all parameters.
    """),
    code("""
        sgd_model, sgd_losses = train_moons(lambda p: nn.SGD(p, lr=0.1, momentum=0.9))
        adam_model, adam_losses = train_moons(lambda p: nn.Adam(p, lr=0.05))
        accuracy(sgd_model, X, y), accuracy(adam_model, X, y)
    """),
    md("""
        Their loss curves side by side.
    """),
    code("""
        plt.plot(sgd_losses, label="SGD, momentum 0.9")
        plt.plot(adam_losses, label="Adam")
        plt.xlabel("epoch")
        plt.ylabel("cross-entropy")
        plt.legend()
        plt.show()
    """),
    md("""
        ## The decision boundary

        Ask the trained model for a class at every point of a grid and colour the plane.
    """),
    code("""
        grid_x = [-1.5 + 4 * i / 50 for i in range(51)]
        grid_y = [-1.0 + 2.5 * j / 50 for j in range(51)]
        with engine.no_grad():
            surface = []
            for gy in grid_y:
                row = []
                for gx in grid_x:
                    logits = adam_model([gx, gy])
                    row.append(logits[1].data - logits[0].data)
                surface.append(row)
        plt.contourf(grid_x, grid_y, surface, levels=[-1e9, 0, 1e9], cmap="coolwarm", alpha=0.3)
        plt.scatter([p[0] for p in X], [p[1] for p in X], c=y, cmap="coolwarm")
        plt.show()
    """),
    md("""
        ## The forgotten `zero_grad`

        Because `backward()` *adds* to `.grad` (notebook 3), leaving out `zero_grad()`
        makes every step use the sum of all gradients so far. The steps grow with every
        epoch, the parameters overshoot further and further, and the loss blows up. The same
        regression as above, without the reset:
    """),
    code("""
        _, buggy_losses = train_regression(epochs=200, zero_grad=False)
        buggy_losses[-1], regression_losses[-1]
    """),
    md("""
        Side by side, the bug is plain to see. The fix is the one line in the loop:
        `optimizer.zero_grad()` (or `model.zero_grad()`) before `loss.backward()`.
    """),
    code("""
        finite_buggy = [loss if math.isfinite(loss) else float("nan") for loss in buggy_losses]
        plt.semilogy(finite_buggy, label="without zero_grad")
        plt.semilogy(regression_losses, label="with zero_grad")
        plt.xlabel("epoch")
        plt.ylabel("MSE")
        plt.legend()
        plt.show()
    """),
    md("""
        ## Check
    """),
    code("""
        assert regression_losses[-1] < 0.05 * regression_losses[0]
        assert accuracy(adam_model, X, y) >= 0.95
        assert adam_losses[-1] < adam_losses[0]
        assert not buggy_losses[-1] < 100 * regression_losses[-1]  # also true for nan and inf
    """),
]

# ---- 06 --------------------------------------------------------------------------------

HIGHER_ORDER = [
    md("""
        # 6. Higher-order derivatives

        `engine.grad(output, inputs)` returns gradients without touching `.grad`. With
        `create_graph=True` it also *records* the backward pass as a graph, so the
        gradient is itself a Value that can be differentiated again: second derivatives,
        third, and so on. Second derivatives tell how the slope changes (curvature), and
        Newton's method uses them to take much better steps than gradient descent.
    """),
    md("""
        Imports and the seed.
    """),
    code("""
        import math
        import random

        import matplotlib.pyplot as plt

        import engine
        from engine import Value

        random.seed(0)
    """),
    md("""
        ## Differentiating twice

        $f(x) = x^3$: $f'(x) = 3x^2$, $f''(x) = 6x$, $f'''(x) = 6$. At $x = 2$: 12, 12, 6.
    """),
    code("""
        x = Value(2.0, label="x")
        y = x**3
        (dy,) = engine.grad(y, [x], create_graph=True)
        (d2y,) = engine.grad(dy, [x], create_graph=True)
        (d3y,) = engine.grad(d2y, [x])
        dy.data, d2y.data, d3y
    """),
    md("""
        `dy` is a Value with a graph of its own, the recorded backward pass of `y`:
    """),
    code("""
        engine.draw_dot(dy)
    """),
    md("""
        A less trivial function: $\\tanh$. With $t = \\tanh(x)$, $t' = 1 - t^2$ and
        $t'' = -2t(1 - t^2)$. The engine's derivatives over a range of inputs:
    """),
    code("""
        def tanh_derivatives(x0):
            x = Value(x0)
            t = x.tanh()
            (first,) = engine.grad(t, [x], create_graph=True)
            (second,) = engine.grad(first, [x])
            return t.data, first.data, second


        grid = [i / 20 for i in range(-80, 81)]
        table = [tanh_derivatives(x0) for x0 in grid]
        for k, name in enumerate(["tanh", "tanh'", "tanh''"]):
            plt.plot(grid, [row[k] for row in table], label=name)
        plt.axhline(0, color="gray", linewidth=0.5)
        plt.legend()
        plt.show()
    """),
    md("""
        Compared with the closed form:
    """),
    code("""
        def tanh_second_derivative(x0):
            t = math.tanh(x0)
            return -2 * t * (1 - t**2)


        second_derivative_error = max(
            abs(row[2] - tanh_second_derivative(x0)) for x0, row in zip(grid, table)
        )
        second_derivative_error
    """),
    md("""
        ## Newton's method versus gradient descent, in one dimension

        To minimise $f$, gradient descent steps $x \\leftarrow x - \\eta f'(x)$ with a fixed
        learning rate $\\eta$. Newton's method fits a parabola using $f'$ and $f''$ and
        jumps to its bottom: $x \\leftarrow x - f'(x) / f''(x)$. Near a minimum its error
        roughly *squares* at each step.

        We minimise $f(x) = x^4 - 3x$, whose minimum is at $x^* = (3/4)^{1/3}$.
    """),
    code("""
        def f(x):
            return x**4 - 3 * x


        x_star = (3 / 4) ** (1 / 3)


        def first_and_second(x0):
            x = Value(x0)
            (slope,) = engine.grad(f(x), [x], create_graph=True)
            (curvature,) = engine.grad(slope, [x])
            return slope.data, curvature
    """),
    md("""
        Both methods start at $x = 2$; we record the distance to $x^*$ after each step.
    """),
    code("""
        newton_x, descent_x = 2.0, 2.0
        newton_errors, descent_errors = [], []
        for _ in range(30):
            slope, curvature = first_and_second(newton_x)
            newton_x -= slope / curvature
            newton_errors.append(abs(newton_x - x_star) + 1e-17)
            slope, _ = first_and_second(descent_x)
            descent_x -= 0.02 * slope
            descent_errors.append(abs(descent_x - x_star) + 1e-17)
    """),
    md("""
        On a log scale, gradient descent's error falls along a straight line (a constant
        factor per step); Newton's falls off a cliff and hits the limit of float precision
        within a handful of steps.
    """),
    code("""
        plt.semilogy(descent_errors, "o-", label="gradient descent, lr 0.02")
        plt.semilogy(newton_errors, "s-", label="Newton")
        plt.xlabel("step")
        plt.ylabel("|x - x*|")
        plt.legend()
        plt.show()
    """),
    md("""
        ## In two dimensions: the Rosenbrock valley

        $f(x, y) = (1 - x)^2 + 100 (y - x^2)^2$ has its minimum at $(1, 1)$ at the bottom of
        a long, curved, narrow valley. In several dimensions Newton's step uses the
        **Hessian**, the matrix of second derivatives $H_{ij} = \\partial^2 f /
        \\partial x_i \\partial x_j$: the step is $-H^{-1} \\nabla f$. We get each row of
        $H$ by differentiating one gradient component again.
    """),
    code("""
        def rosenbrock(x, y):
            return (1 - x) ** 2 + 100 * (y - x**2) ** 2


        def gradient_and_hessian(point):
            x, y = Value(point[0]), Value(point[1])
            gx, gy = engine.grad(rosenbrock(x, y), [x, y], create_graph=True)
            hessian = [engine.grad(gx, [x, y]), engine.grad(gy, [x, y])]
            return [gx.data, gy.data], hessian
    """),
    md("""
        A 2x2 system is solved directly: $H^{-1} = \\frac{1}{ad - bc}
        \\begin{pmatrix} d & -b \\\\ -c & a \\end{pmatrix}$.
    """),
    code("""
        def newton_step(point):
            (g1, g2), ((a, b), (c, d)) = gradient_and_hessian(point)
            det = a * d - b * c
            return [point[0] - (d * g1 - b * g2) / det, point[1] - (-c * g1 + a * g2) / det]


        def descent_step(point, lr=0.001):
            x, y = Value(point[0]), Value(point[1])
            gx, gy = engine.grad(rosenbrock(x, y), [x, y])
            return [point[0] - lr * gx, point[1] - lr * gy]
    """),
    md("""
        Both start at the classic point $(-1.2, 1)$: Newton for 10 steps, gradient descent
        for 2000.
    """),
    code("""
        start = [-1.2, 1.0]
        newton_path = [start]
        for _ in range(10):
            newton_path.append(newton_step(newton_path[-1]))
        descent_path = [start]
        for _ in range(2000):
            descent_path.append(descent_step(descent_path[-1]))
        newton_path[-1], descent_path[-1]
    """),
    md("""
        The paths over the contours of $f$: gradient descent creeps along the valley
        floor. Newton jumps: one step lands far outside the valley, where its local
        parabola model of $f$ pointed, and a few steps later it sits on the minimum.
    """),
    code("""
        gx_grid = [-1.5 + 3 * i / 100 for i in range(101)]
        gy_grid = [-3.5 + 5 * j / 100 for j in range(101)]
        levels = [math.log10(rosenbrock(a, b) + 1e-3) for b in gy_grid for a in gx_grid]
        surface = [levels[j * 101 : (j + 1) * 101] for j in range(101)]
        plt.contour(gx_grid, gy_grid, surface, levels=20, cmap="gray")
        plt.plot(*zip(*descent_path), ".-", markersize=2, label="gradient descent (2000 steps)")
        plt.plot(*zip(*newton_path), "o-", label="Newton (10 steps)")
        plt.scatter([1], [1], marker="*", s=200, color="gold", zorder=3, label="minimum")
        plt.legend()
        plt.show()
    """),
    md("""
        The price: Newton needs the Hessian, $n^2$ numbers for $n$ parameters, and a
        linear solve. For a network with a million weights that is out of reach, which is
        why training uses first-order methods such as SGD and Adam. Second derivatives
        still serve on a small scale, for example Hessian-vector products.

        ## Check
    """),
    code("""
        assert (dy.data, d2y.data, d3y) == (12.0, 12.0, 6.0)
        assert second_derivative_error < 1e-12
        assert newton_errors[5] < 1e-12 and descent_errors[5] > 1e-3
        assert math.dist(newton_path[-1], [1.0, 1.0]) < 1e-8
        assert math.dist(descent_path[-1], [1.0, 1.0]) > math.dist(newton_path[-1], [1.0, 1.0])
    """),
]

# ---- 07 --------------------------------------------------------------------------------

DIGITS = [
    md("""
        # 7. Recognising handwritten digits

        Everything so far on a real task: scikit-learn ships a small dataset of 1797
        handwritten digits, each an 8x8 greyscale image (no download needed). We train a
        **softmax classifier**: ten neurons, one per digit, each a weighted sum of the 64
        pixels (`engine.dot`), trained with cross-entropy and Adam.
    """),
    md("""
        Imports and the seed.
    """),
    code("""
        import random

        import matplotlib.pyplot as plt
        from sklearn.datasets import load_digits

        import engine
        import nn
        from engine import Value

        random.seed(0)
    """),
    md("""
        Load the images and scale the pixels from 0..16 to 0..1. Each pixel becomes a
        constant `Value` once, here, so that the ten neurons share the same 64 input nodes
        instead of each turning the numbers into Values of its own on every call.

        A seeded shuffle, then, to keep the scalar engine quick, 500 images to train on
        and 500 others, never seen during training, to test on.
    """),
    code("""
        digits = load_digits()
        images = [[Value(pixel / 16) for pixel in row] for row in digits.data.tolist()]
        labels = digits.target.tolist()
        order = list(range(len(images)))
        random.Random(0).shuffle(order)
        train_index, test_index = order[:500], order[500:1000]
        X_train = [images[i] for i in train_index]
        y_train = [labels[i] for i in train_index]
        X_test = [images[i] for i in test_index]
        y_test = [labels[i] for i in test_index]
        len(X_train), len(X_test)
    """),
    md("""
        Some of the images with their labels. `as_grid` folds 64 numbers (or Values) back
        into 8 rows of 8 for drawing.
    """),
    code("""
        def as_grid(pixels):
            return [[float(p) for p in pixels[r * 8 : (r + 1) * 8]] for r in range(8)]


        fig, axes = plt.subplots(2, 8, figsize=(10, 3))
        for ax, image, label in zip(axes.flat, X_train, y_train):
            ax.imshow(as_grid(image), cmap="gray_r")
            ax.set_title(label)
            ax.axis("off")
        plt.show()
    """),
    md("""
        ## The model

        Ten rows of 64 weights and ten biases: 650 parameters. The score (logit) of digit
        $k$ is $w_k \\cdot x + b_k$, one `engine.dot` node each. Small random weights break
        the symmetry between the classes.
    """),
    code("""
        weights = [[Value(random.gauss(0, 0.01)) for _ in range(64)] for _ in range(10)]
        biases = [Value(0.0) for _ in range(10)]
        parameters = [w for row in weights for w in row] + biases


        def logits(image):
            return [engine.dot(row, image, bias) for row, bias in zip(weights, biases)]


        len(parameters)
    """),
    md("""
        The prediction is the digit with the highest score; accuracy is the fraction of
        images predicted right. Evaluating needs no graph.
    """),
    code("""
        def predict(image):
            scores = [s.data for s in logits(image)]
            return scores.index(max(scores))


        def accuracy(X, y):
            with engine.no_grad():
                return sum(predict(x) == label for x, label in zip(X, y)) / len(y)


        accuracy(X_test, y_test)  # about 1 in 10 before training
    """),
    md("""
        ## Training

        `nn.cross_entropy` takes one list of ten logits per image and the true digits, and
        returns the mean of $-\\log \\text{softmax}(\\text{logits})_{\\text{true}}$.
        Minibatches of 50 images: each epoch is 10 steps of Adam.
    """),
    code("""
        optimizer = nn.Adam(parameters, lr=0.05)
        batch_size = 50
        losses = []
        for epoch in range(8):
            shuffled = list(range(len(X_train)))
            random.shuffle(shuffled)
            for start in range(0, len(X_train), batch_size):
                batch = shuffled[start : start + batch_size]
                batch_logits = [logits(X_train[i]) for i in batch]
                loss = nn.cross_entropy(batch_logits, [y_train[i] for i in batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.data)
            test_accuracy = accuracy(X_test, y_test)
            print(f"epoch {epoch}: loss {loss.data:.3f}, test accuracy {test_accuracy:.3f}")
    """),
    md("""
        The loss per step.
    """),
    code("""
        plt.plot(losses)
        plt.xlabel("step")
        plt.ylabel("cross-entropy")
        plt.show()
    """),
    md("""
        ## What the model learned

        Each digit's 64 weights form an 8x8 image: red pixels vote for the digit, blue ones
        against. Several look like blurry templates of their digit.
    """),
    code("""
        scale = max(abs(w.data) for row in weights for w in row)  # white means weight 0
        fig, axes = plt.subplots(1, 10, figsize=(12, 1.8))
        for digit, (ax, row) in enumerate(zip(axes, weights)):
            ax.imshow(as_grid(row), cmap="RdBu_r", vmin=-scale, vmax=scale)
            ax.set_title(digit)
            ax.axis("off")
        plt.show()
    """),
    md("""
        Some of the test images the model gets wrong, with its guess and the truth.
    """),
    code("""
        with engine.no_grad():
            mistakes = [(x, predict(x), t) for x, t in zip(X_test, y_test) if predict(x) != t]
        fig, axes = plt.subplots(1, 8, figsize=(10, 1.8))
        for ax, (image, guess, truth) in zip(axes, mistakes):
            ax.imshow(as_grid(image), cmap="gray_r")
            ax.set_title(f"{guess} (is {truth})")
        for ax in axes:
            ax.axis("off")
        plt.show()
    """),
    md("""
        ## Check

        At least 90% of the held-out images are recognised.
    """),
    code("""
        test_accuracy = accuracy(X_test, y_test)
        print(f"test accuracy: {test_accuracy:.3f}")
        assert test_accuracy >= 0.90
        assert losses[-1] < losses[0]
    """),
]

NOTEBOOKS = {
    "01_derivatives": DERIVATIVES,
    "02_values_and_graphs": VALUES_AND_GRAPHS,
    "03_backprop_by_hand": BACKPROP_BY_HAND,
    "04_neurons_and_activations": NEURONS,
    "05_training_an_mlp": TRAINING,
    "06_higher_order": HIGHER_ORDER,
    "07_recognizing_digits": DIGITS,
}


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for position, (kind, source) in enumerate(cells):
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell(source)
        cell.id = f"{name[:2]}-{position:03d}"
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return notebook


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(name, cells), HERE / f"{name}.ipynb")
        print(f"wrote notebooks/{name}.ipynb ({len(cells)} cells)")


if __name__ == "__main__":
    main()
