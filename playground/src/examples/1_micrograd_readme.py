# micrograd's README example
# run by chainrule's engine in your browser.
# Ctrl+Enter (Cmd+Enter on a Mac) runs it.
from engine import Value

a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
print(f"g = {g.data:.4f}")  # the outcome of this forward pass
g.backward()
print(f"a.grad = {a.grad:.4f}")  # dg/da
print(f"b.grad = {b.grad:.4f}")  # dg/db
