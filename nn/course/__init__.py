"""Reference answers for the course's exercises (notebooks/).

A learner who skips an exercise goes on with a working version from here instead of a
silently broken one: `nn.course.value` holds a micrograd-sized `Value`, `nn.course.network`
a `Neuron`, `Layer`, `MLP` and a training loop built on it. They are written as a learner
would write them (short, closures that accumulate with `+=`), not as chainrule's engine is.
"""
