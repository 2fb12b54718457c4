"""Reference answers for the course's exercises (notebooks/).

A learner who skips an exercise goes on with a working version from here instead of a
silently broken one: `nn.course.value` holds a micrograd-sized `Value`, `nn.course.network`
a `Neuron`, `Layer`, `MLP` and a training loop built on it. They are written as a learner
would write them (short, closures that accumulate with `+=`), not as chainrule's engine is.

`nn.course.checking` is what the checkers share (verdicts, hints, the learner's line for an
exception); `nn.course.exercises` holds the checkers of notebooks 01, 02, 03, 05 and 10, and
`nn.course.network` those of 04 and 06-09 beside the reference network code.
"""
