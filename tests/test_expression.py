"""Tests for engine/expression.py: the safe expression language of `chainrule draw`.

What it computes is checked against the same formula written with the math module, its
gradients against central differences; what it refuses is checked construct by construct.
"""

from __future__ import annotations

import builtins
import math

import pytest

from engine import Value
from engine.expression import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    UnsetVariableError,
    build_graph,
    closest_name,
    evaluate,
    parse,
    variable_names,
)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# (expression, the same with floats, variables)
FORMULAS = [
    ("tanh(x*w + b)", lambda x, w, b: math.tanh(x * w + b), {"x": 2.0, "w": -3.0, "b": 6.88}),
    ("x**2 / (1 + exp(-y))", lambda x, y: x**2 / (1 + math.exp(-y)), {"x": 1.5, "y": 0.3}),
    ("relu(a - 3) * -2", lambda a: max(a - 3, 0.0) * -2, {"a": 4.5}),
    ("sigmoid(x) + log(y) - sqrt(z)", None, {"x": 0.2, "y": 2.0, "z": 9.0}),
    ("abs(x) * softplus(x)", lambda x: abs(x) * math.log1p(math.exp(x)), {"x": -0.7}),
    ("leaky_relu(x) + leaky_relu(-x)", lambda x: x + 0.01 * -x, {"x": 1.3}),
    ("2 ** x - x ** -2 + +x", lambda x: 2**x - x**-2 + x, {"x": 1.7}),
    ("x * x * x", lambda x: x**3, {"x": -1.1}),
    ("-(x - y) / 4", lambda x, y: -(x - y) / 4, {"x": 3.0, "y": 1.0}),
    ("sin(x) * cos(y)", lambda x, y: math.sin(x) * math.cos(y), {"x": 0.4, "y": -1.2}),
]
FORMULAS[3] = (
    FORMULAS[3][0],
    lambda x, y, z: _sigmoid(x) + math.log(y) - math.sqrt(z),
    FORMULAS[3][2],
)


@pytest.mark.parametrize("source, formula, variables", FORMULAS, ids=[f[0] for f in FORMULAS])
def test_expression_computes_the_formula(source, formula, variables):
    result = evaluate(source, variables)
    assert isinstance(result, Value)
    assert result.data == pytest.approx(formula(**variables), rel=1e-12)


@pytest.mark.parametrize("source, formula, variables", FORMULAS, ids=[f[0] for f in FORMULAS])
def test_expression_gradients_match_central_differences(source, formula, variables):
    root, leaves = build_graph(source, variables)
    root.backward()
    eps = 1e-6
    for name in variables:
        plus = dict(variables, **{name: variables[name] + eps})
        minus = dict(variables, **{name: variables[name] - eps})
        numeric = (formula(**plus) - formula(**minus)) / (2 * eps)
        assert leaves[name].grad == pytest.approx(numeric, rel=1e-5, abs=1e-7), name


def test_each_variable_is_one_labelled_leaf_however_often_it_is_used():
    root, leaves = build_graph("x * x", {"x": 3.0})
    assert list(leaves) == ["x"]
    assert leaves["x"].label == "x"
    assert root.parents == (leaves["x"], leaves["x"])


def test_variables_are_listed_in_order_of_appearance():
    _, leaves = build_graph("b + tanh(a) * c + a", {"a": 1.0, "b": 2.0, "c": 3.0})
    assert list(leaves) == ["b", "a", "c"]


def test_signed_literal_exponent_is_a_constant_as_in_python():
    root, leaves = build_graph("x ** -2", {"x": -1.5})
    exponent = root.parents[1]
    assert exponent.op == "" and exponent.data == -2.0
    root.backward()
    assert leaves["x"].grad == pytest.approx(-2.0 * (-1.5) ** -3)
    assert exponent.grad == 0.0  # a constant exponent gets no gradient, as in PyTorch


def test_numbers_alone_still_give_a_value():
    assert evaluate("2 * 3", {}).data == 6.0
    assert evaluate("7", {}).data == 7.0
    assert evaluate("-7", {}).data == -7.0


def test_overflow_gives_inf_not_an_error():
    assert evaluate("exp(x)", {"x": 1000.0}).data == math.inf
    assert evaluate("2 ** 2 ** 2 ** 2 ** 2", {}).data == math.inf


def test_unset_variables_are_named():
    with pytest.raises(UnsetVariableError, match="y, z") as info:
        evaluate("x + y * z", {"x": 1.0})
    assert info.value.names == ["y", "z"]


@pytest.mark.parametrize(
    "source, message",
    [
        ("log(0)", "log"),
        ("log(x - 1)", "log"),
        ("sqrt(-1)", "sqrt"),
        ("x / 0", "division by zero"),
        ("(-8) ** 0.5", "negative base"),
        ("0 ** -1", "zero to a negative power"),
    ],
)
def test_domain_errors_become_expression_errors(source, message):
    with pytest.raises(ExpressionError, match=message):
        evaluate(source, {"x": 1.0})


@pytest.mark.parametrize(
    "source, message",
    [
        ("__import__('os').system('touch PWNED')", "attribute access"),
        ("__import__('os')", "unknown function '__import__'"),
        ("x.real", "attribute access"),
        ("x[0]", "subscripts"),
        ("(lambda: 1)()", "lambda"),
        ("lambda: 1", "lambda"),
        ("import os", "syntax error"),
        ("x = 1", "syntax error"),
        ("tanh(x=1)", "keyword arguments"),
        ("tanh(x, x)", "exactly one argument"),
        ("tanh()", "exactly one argument"),
        ("tanh(*x)", "exactly one argument"),
        ("foo(x)", "unknown function 'foo'"),
        ("eval('1')", "unknown function 'eval'"),
        ("tanh", "is a function"),
        ("x % 2", "'%'"),
        ("x // 2", "'//'"),
        ("x @ x", "'@'"),
        ("~x", "'~'"),
        ("not x", "'not'"),
        ("x < 1", "comparisons"),
        ("x and 1", "'and' / 'or'"),
        ("1 if x else 2", "'if ... else'"),
        ("(y := 2)", "assignment"),
        ("'text'", "not allowed"),
        ("f'{x}'", "strings"),
        ("b'x'", "not allowed"),
        ("True", "not allowed"),
        ("None", "not allowed"),
        ("1j", "not allowed"),
        ("[x]", "lists"),
        ("(x, x)", "tuples"),
        ("{x}", "sets"),
        ("{1: x}", "dicts"),
        ("[x for x in y]", "comprehensions"),
        ("x ** 1001", "exponent 1001 is too large"),
        ("x ** -5000", "exponent -5000 is too large"),
        ("1e999", "too large"),
        ("9" * 400, "too large"),
        ("x +", "syntax error"),
        ("", "empty"),
        ("   ", "empty"),
        ("x\0", "malformed|syntax error"),
        ("x" * (MAX_LENGTH + 1), "limit is"),
        ("(" * 300 + "x" + ")" * 300, "nested"),
        ("-" * (MAX_DEPTH + 5) + "x", "nested"),
        ("x+" * (MAX_DEPTH + 5) + "x", "nested"),
    ],
)
def test_refused_constructs_raise_expression_error(source, message):
    with pytest.raises(ExpressionError, match=message):
        build_graph(source, {"x": 1.0, "y": 2.0})


def test_refused_input_runs_no_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for source in [
        "__import__('os').system('touch PWNED')",
        'exec(\'open("PWNED", "w")\')',
        "open('PWNED', 'w')",
    ]:
        with pytest.raises(ExpressionError):
            evaluate(source, {})
    assert not (tmp_path / "PWNED").exists()


def test_evaluation_never_calls_eval_or_exec(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must never be called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert evaluate("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88}).data == pytest.approx(
        math.tanh(2.0 * -3.0 + 6.88)
    )


def test_parse_refuses_non_strings():
    with pytest.raises(ExpressionError, match="str"):
        parse(3)  # type: ignore[arg-type]


def test_a_long_flat_sum_within_the_limits_works():
    source = "+".join(["x"] * 150)
    assert len(source) < MAX_LENGTH
    assert evaluate(source, {"x": 0.5}).data == pytest.approx(75.0)


def test_nesting_within_the_limits_works():
    source = "abs(" * 150 + "x" + ")" * 150
    assert len(source) <= MAX_LENGTH
    assert evaluate(source, {"x": -2.0}).data == 2.0


# ---- comments, continuations and long input (issue 15) ---------------------------------


@pytest.mark.parametrize(
    "source, message",
    [
        ("x # a comment", "comments ('#') are not allowed, at column 3"),
        ("x*w  #", "comments ('#')"),
        ("#\nx", "comments ('#')"),
        ("x + \\\n 1", "backslash continuations ('\\') are not allowed, at column 5"),
        ("(x + \\\n 1)", "backslash continuations"),
        ("'#'", "comments"),  # no string is allowed either: refused one way or the other
    ],
)
def test_comments_and_backslash_continuations_are_refused(source, message):
    with pytest.raises(ExpressionError) as info:
        parse(source)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "source",
    [
        "f" * 990 + "(x)",  # an unknown function's name
        "'" + "s" * 990 + "'",  # a string literal
        "+".join(f"v{i}" for i in range(200)),  # many unset variables
        "+".join("v" * 30 + str(i) for i in range(30)),  # long unset names
    ],
    ids=["function", "string", "many-names", "long-names"],
)
def test_error_messages_quote_at_most_about_200_characters_of_input(source):
    with pytest.raises(ExpressionError) as info:
        build_graph(source, {"x": 1.0})
    message = str(info.value)
    assert len(message) < 500, message
    assert "\n" not in message


def test_unset_variables_are_all_kept_on_the_error_even_when_the_message_is_cut():
    source = "+".join(f"v{i}" for i in range(200))
    with pytest.raises(UnsetVariableError) as info:
        build_graph(source, {})
    assert info.value.names == [f"v{i}" for i in range(200)]
    assert str(info.value).startswith("no value for variables v0, v1, v2")
    assert "more)" in str(info.value)


# ---- issue 21: errors that say what to write instead ------------------------------------


@pytest.mark.parametrize(
    "source, column, suggestion",
    [
        ("x^2", "at column 2", "'x**2'"),
        ("x ^ 2 + 1", "at column 3", "'x ** 2 + 1'"),
        ("  x^2", "at column 4", "'x**2'"),  # leading spaces count: the column as given
        ("(x + 1)  ^ (2)", "at column 10", "'(x + 1)  ** (2)'"),
        ("tanh(w)^2 * αβ^3", "at column 8", "'tanh(w)**2 * αβ**3'"),
        ("αβ^3", "at column 3", "'αβ**3'"),  # columns count characters, not UTF-8 bytes
        ("(x\n ^ 2)", "at line 2, column 2", "'(x\\n ** 2)'"),
    ],
)
def test_caret_points_at_itself_and_suggests_the_power(source, column, suggestion):
    with pytest.raises(ExpressionError) as info:
        parse(source)
    message = str(info.value)
    assert message.startswith(f"operator '^' is not allowed {column}; a power is written **")
    assert f"(did you mean {suggestion}?)" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "source, column",
    [("x % 2", "at column 3"), ("x // 2", "at column 3"), (" x // 2", "at column 4")],
)
def test_other_refused_operators_point_at_themselves(source, column):
    with pytest.raises(ExpressionError, match=f"is not allowed {column}; only"):
        parse(source)


def test_columns_count_leading_spaces():
    with pytest.raises(ExpressionError, match="attribute access .* at column 3"):
        parse("  x.y")
    with pytest.raises(ExpressionError, match="unknown function 'foo' at column 5"):
        parse("x + foo(x)")


@pytest.mark.parametrize(
    "source, meant",
    [
        ("tahn(x)", "tanh"),
        ("Tanh(x)", "tanh"),
        ("RELU(x)", "relu"),
        ("sigmoind(x)", "sigmoid"),
        ("sqr(x)", "sqrt"),
        ("ln(x)", "log"),
        ("leakyrelu(x)", "leaky_relu"),
    ],
)
def test_misspelt_function_gets_did_you_mean(source, meant):
    with pytest.raises(ExpressionError) as info:
        parse(source)
    message = str(info.value)
    assert f"; did you mean {meant}? the functions are tanh, relu" in message


def test_unknown_function_far_from_any_gets_no_guess():
    with pytest.raises(ExpressionError) as info:
        parse("frobnicate(x)")
    assert "did you mean" not in str(info.value)
    assert "the functions are tanh" in str(info.value)


@pytest.mark.parametrize(
    "source, hint",
    [
        ("x(y + 1)", "a product needs *, e.g. x*(...)"),
        ("2x + 1", "a product needs *: 2*x"),
        ("x + 2.5y", "a product needs *: 2.5*y"),
        ("1e-3w", "a product needs *: 1e-3*w"),
        ("3tanh(x)", "a product needs *: 3*tanh"),
        ("x²", "a power is written **: **2"),
        ("x y", "two terms side by side need an operator between them"),
        ("math.tanh(x)", "write tanh(...) with the argument in the parentheses"),
        ("x.exp()", "write exp(...)"),
        ("import os", "'import' is Python, not part of this language"),
    ],
)
def test_learners_habits_get_what_to_write_instead(source, hint):
    with pytest.raises(ExpressionError) as info:
        parse(source)
    assert hint in str(info.value)


def test_closest_name():
    assert closest_name("tahn", FUNCTIONS) == "tanh"
    assert closest_name("W", ["x", "w"]) == "w"  # case first
    assert closest_name("zzz", ["x", "w"]) is None
    assert closest_name("rankdr", ["rankdir", "set"], cutoff=0.9) == "rankdir"
    assert closest_name("xs", ["set"], cutoff=0.7) is None


def test_variable_names_in_order_without_functions():
    assert variable_names("b + tanh(a) * c + a") == ["b", "a", "c"]
    assert variable_names("2 * 3") == []
    with pytest.raises(ExpressionError, match="did you mean tanh"):
        variable_names("tahn(x)")


# ---- unary plus stays in the grammar (issue 24) -----------------------------------------


@pytest.mark.parametrize(
    "source, value, grad",
    [("+x", 1.5, 1.0), ("+-x", -1.5, -1.0), ("x * +2", 3.0, 2.0), ("+(x * x)", 2.25, 3.0)],
)
def test_unary_plus_is_the_identity(source, value, grad):
    root, leaves = build_graph(source, {"x": 1.5})
    root.backward()
    assert root.data == value
    assert leaves["x"].grad == grad


def test_unary_plus_exponent_is_a_constant_as_in_python():
    root, leaves = build_graph("x ** +3", {"x": 2.0})
    assert root.parents[1].op == "" and root.parents[1].data == 3.0
    root.backward()
    assert leaves["x"].grad == 12.0  # d/dx x**3 = 3 x**2
