# A neuron, stepped through with engine.player
# o = tanh(x1*w1 + x2*w2 + b). In the player, press Next (or the
# right arrow key) to see each op's forward step, then each
# chain-rule step backwards.
from engine import Value, draw_dot, player

x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"

# the player leaves every .grad as it found it
display(player(o))

o.backward()
print(f"do/dw1 = {w1.grad:.4f}, do/dx1 = {x1.grad:.4f}")
# the value of the last line is shown, as in a notebook: here
# the graph after backward, with data and grad in every node
draw_dot(o)
