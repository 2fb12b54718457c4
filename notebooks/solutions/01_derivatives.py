"""Solutions to the exercises of 01_derivatives.ipynb.

Each `# %% solution: NAME` section is the whole exercise cell NAME, solved; each
`# %% wrong: NAME` section is a plausible wrong answer (several per exercise), which the
tests feed to the checker to see it rejected with a hint of its own. The sections run inside
the notebook, after the cells above the exercise, so names defined there (the checkers,
`engine`, ...) are not imported here.
"""
# ruff: noqa: F811, F821


# %% solution: g_prime
def g_prime(x):
    return 3 * x**2 - 2  # d/dx x**3 = 3x**2, d/dx (-2x) = -2


check_g_prime(g_prime)


# %% wrong: g_prime
def g_prime(x):
    return 3 * x**2  # forgot the slope of -2x


check_g_prime(g_prime)


# %% wrong: g_prime
def g_prime(x):
    return 3 * x**2 + 2  # the sign of the -2x term's slope


check_g_prime(g_prime)


# %% wrong: g_prime
def g_prime(x):
    return x**2 - 2  # lowered the exponent without bringing it down as a factor


check_g_prime(g_prime)

# %% solution: partials
partials = [-12.0, 8.0, -6.0]  # b*c, a*c, a*b

check_partials(partials)

# %% wrong: partials
partials = [-12.0, -8.0, -6.0]  # a flipped sign

check_partials(partials)

# %% wrong: partials
partials = [1.0, 1.0, 1.0]  # as if e were a sum

check_partials(partials)

# %% wrong: partials
partials = [2.0, -3.0, 4.0]  # each input's own value

check_partials(partials)
