"""Reference answers for the course's exercises (notebooks/).

A learner who skips an exercise goes on with a working version from here instead of a
silently broken one: `nn.course.value` holds a micrograd-sized `Value`, `nn.course.network`
a `Neuron`, `Layer`, `MLP` and a training loop built on it. They are written as a learner
would write them (short, closures that accumulate with `+=`), not as chainrule's engine is.

`nn.course.checking` is what the checkers share (verdicts, hints, the learner's line for an
exception); `nn.course.exercises` holds the checkers of notebooks 01, 02, 03, 05 and 10, and
`nn.course.network` those of 04 and 06-09 beside the reference network code.
`nn.course.saving` is what the two hand-overs share: `save_engine`/`load_engine` (03 to 06
and 07) and `save_network`/`load_network` (06 to 07) gather the learner's classes from their
cells, write them atomically and import the file afresh through it.
"""
