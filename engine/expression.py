"""A safe little expression language for `chainrule draw`: parse text into a graph of Values.

    tanh(x*w + b)       x**2 / (1 + exp(-y))       relu(a - 3) * -2

Allowed: numbers, variable names, `+ - * / **`, unary `-` and `+`, parentheses, and the
engine's functions called with one argument (`tanh relu sigmoid exp log sqrt abs softplus
leaky_relu sin cos`). Everything else is refused with an `ExpressionError` that says what and
where, quoting the input at a bounded length (`engine.messages.quote`). That includes `#`
comments and backslash line continuations, which Python's tokenizer would drop silently.

Safety: the text goes through `ast.parse` only, which builds a syntax tree and runs
nothing; every node of the tree is checked against the whitelist above, and the tree is
then walked by this module, which only ever calls Value arithmetic. Nothing is ever
passed to `eval`, `exec` or `compile`. The text is capped at `MAX_LENGTH` characters and
`MAX_DEPTH` levels of nesting, and a constant exponent at `MAX_EXPONENT` in size; number
literals become floats, so no huge integer is ever computed (overflow gives `inf`).
The walks use explicit stacks, no recursion.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import cast

from engine.messages import QUOTE_LIMIT, quote
from engine.value import Value

__all__ = [
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "ExpressionError",
    "UnsetVariableError",
    "FUNCTIONS",
    "quote_names",
    "parse",
    "build_graph",
    "evaluate",
]

MAX_LENGTH = 1000
MAX_DEPTH = 200
MAX_EXPONENT = 1000

FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "abs": Value.abs,
    "softplus": Value.softplus,
    "leaky_relu": Value.leaky_relu,
    "sin": Value.sin,
    "cos": Value.cos,
}

_BINARY_OPERATORS: dict[type[ast.operator], Callable[[object, object], object]] = {
    ast.Add: lambda a, b: a + b,  # type: ignore[operator]
    ast.Sub: lambda a, b: a - b,  # type: ignore[operator]
    ast.Mult: lambda a, b: a * b,  # type: ignore[operator]
    ast.Div: lambda a, b: a / b,  # type: ignore[operator]
    ast.Pow: lambda a, b: a**b,  # type: ignore[operator]
}
_OPERATOR_SYMBOLS = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}
# what to call a refused construct in an error message
_CONSTRUCT_NAMES = {
    ast.Attribute: "attribute access ('.')",
    ast.Subscript: "subscripts ('[...]')",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and' / 'or'",
    ast.IfExp: "'if ... else'",
    ast.NamedExpr: "assignment (':=')",
    ast.JoinedStr: "strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Starred: "'*' unpacking",
    ast.Slice: "slices",
}
_ALLOWED = "numbers, variables, + - * / **, unary -, and calls of " + ", ".join(FUNCTIONS)


class ExpressionError(ValueError):
    """The expression is not in the language, or cannot be computed (e.g. log(0))."""


class UnsetVariableError(ExpressionError):
    """The expression uses variables that were given no value."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        """The variables without a value, in order of first use."""
        listed = quote_names(names)
        super().__init__(f"no value for variable{'s' if len(names) > 1 else ''} {listed}")


def quote_names(names: list[str], template: str = "{}", separator: str = ", ") -> str:
    """`names`, each put into `template` and cut by `engine.messages.quote`, joined by
    `separator`; at most about `QUOTE_LIMIT` characters: the rest is counted, not listed.
    (Names are identifiers, so they are shown without quote marks.)"""
    shown: list[str] = []
    length = 0
    for name in names:
        item = template.format(quote(name, QUOTE_LIMIT // 2).strip("'"))
        if shown and length + len(item) > QUOTE_LIMIT:
            return separator.join(shown) + f"{separator}... ({len(names) - len(shown)} more)"
        shown.append(item)
        length += len(item) + len(separator)
    return separator.join(shown)


def parse(source: str) -> ast.Expression:
    """The checked syntax tree of `source`; `ExpressionError` if anything is not allowed."""
    if not isinstance(source, str):
        raise ExpressionError(f"the expression must be a str, got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(source)} characters long; the limit is {MAX_LENGTH}"
        )
    if not source.strip():
        raise ExpressionError("the expression is empty")
    # no string literal is allowed, so every '#' starts a comment and every backslash
    # continues a line: refused rather than dropped by the tokenizer
    for character, what in (("#", "comments ('#')"), ("\\", "backslash continuations ('\\')")):
        column = source.find(character)
        if column >= 0:
            raise ExpressionError(
                f"{what} are not allowed, at column {column + 1}; only {_ALLOWED}"
            )
    try:
        # ast.parse only builds the tree (compile with PyCF_ONLY_AST): nothing runs
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(f"syntax error{where}: {error.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is too deeply nested or malformed") from None
    _check(tree)
    return tree


def build_graph(
    source: str | ast.Expression, variables: Mapping[str, float]
) -> tuple[Value, dict[str, Value]]:
    """Compute the expression on Values: `(result, {name: leaf})`.

    Each variable is ONE labelled leaf, however often it is used (`x*x` has two edges
    from the same `x`). A number is a constant; a signed number literal such as `-2` is
    one constant, so `x ** -2` uses the constant-exponent rule, as `x ** -2` in Python.
    """
    tree = source if isinstance(source, ast.Expression) else parse(source)
    names = _variable_names(tree)
    unset = [name for name in names if name not in variables]
    if unset:
        raise UnsetVariableError(unset)
    leaves = {}
    for name in names:
        try:
            leaves[name] = Value(variables[name], label=name)
        except TypeError as error:
            raise ExpressionError(f"variable {quote(name)}: {error}") from None
    try:
        result = _compute(tree, leaves)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise ExpressionError(str(error)) from None
    if not isinstance(result, Value):  # the whole expression was a number
        result = Value(result)
    return result, leaves


def evaluate(source: str | ast.Expression, variables: Mapping[str, float]) -> Value:
    """The expression's result as a Value (see `build_graph`)."""
    return build_graph(source, variables)[0]


# ---- checking ------------------------------------------------------------------------


def _check(tree: ast.Expression) -> None:
    """Refuse every node that is not in the whitelist (iterative walk, depth-limited)."""
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep")
        children: list[ast.AST] = []
        if isinstance(node, ast.Constant):
            _literal(node)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExpressionError(f"'{node.id}' is a function: call it as {node.id}(...)")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY_OPERATORS:
                raise ExpressionError(
                    f"operator {_symbol(node.op)} is not allowed{_at(node)}; only + - * / **"
                )
            if isinstance(node.op, ast.Pow):
                _check_exponent(node.right)
            children = [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ExpressionError(f"operator {_symbol(node.op)} is not allowed{_at(node)}")
            children = [node.operand]
        elif isinstance(node, ast.Call):
            children = [_check_call(node)]
        else:
            what = _CONSTRUCT_NAMES.get(type(node), type(node).__name__)
            raise ExpressionError(f"{what} not allowed{_at(node)}; only {_ALLOWED}")
        stack.extend((child, depth + 1) for child in children)


def _check_call(node: ast.Call) -> ast.AST:
    """The one argument of an allowed function call."""
    if not isinstance(node.func, ast.Name):
        what = _CONSTRUCT_NAMES.get(type(node.func), "calling an expression")
        raise ExpressionError(f"{what} not allowed{_at(node)}; only {_ALLOWED}")
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(
            f"unknown function {quote(name)}{_at(node)}; the functions are {', '.join(FUNCTIONS)}"
        )
    if node.keywords:
        raise ExpressionError(f"keyword arguments are not allowed{_at(node)} ({name})")
    if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise ExpressionError(
            f"{name}() takes exactly one argument, got {len(node.args)}{_at(node)}"
        )
    return node.args[0]


def _check_exponent(node: ast.AST) -> None:
    exponent = _signed_literal(node)
    if exponent is not None and abs(exponent) > MAX_EXPONENT:
        raise ExpressionError(
            f"exponent {exponent:g} is too large{_at(node)}; the limit is {MAX_EXPONENT}"
        )


def _literal(node: ast.Constant) -> float:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):  # str, complex, ...
        raise ExpressionError(f"{quote(value)} is not allowed{_at(node)}; only real numbers")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError(f"the number at column {node.col_offset + 1} is too large")
    return number


def _signed_literal(node: ast.AST) -> float | None:
    """The value of `3`, `-3` or `+3`, or None for anything else."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if isinstance(node, ast.Constant):
        return sign * _literal(node)
    return None


def _symbol(op: ast.AST) -> str:
    return f"'{_OPERATOR_SYMBOLS.get(type(op), type(op).__name__)}'"


def _at(node: ast.AST) -> str:
    column = getattr(node, "col_offset", None)
    return "" if column is None else f" at column {column + 1}"


# ---- computing -----------------------------------------------------------------------


def _variable_names(tree: ast.Expression) -> list[str]:
    """Variable names in order of first appearance (call names excluded)."""
    names: list[str] = []
    for node in _preorder(tree.body):
        if isinstance(node, ast.Name) and node.id not in names:
            names.append(node.id)
    return names


def _preorder(root: ast.AST) -> list[ast.AST]:
    """The checked tree's nodes, left to right, without recursion."""
    out: list[ast.AST] = []
    stack = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(_operands(node)))
    return out


def _operands(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return [node.args[0]]
    return []


def _compute(tree: ast.Expression, leaves: dict[str, Value]) -> Value | float:
    """Post-order walk with an explicit stack; numbers stay floats until they meet a
    Value, so `x * 2` records a constant leaf as it does in Python code."""
    results: list[Value | float] = []
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:
        node, operands_done = stack.pop()
        signed = _signed_literal(node)
        if signed is not None:
            results.append(signed)
            continue
        if isinstance(node, ast.Name):
            results.append(leaves[node.id])
            continue
        if not operands_done:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_operands(node)))
            continue
        if isinstance(node, ast.BinOp):
            right = results.pop()
            left = results.pop()
            if not isinstance(left, Value) and not isinstance(right, Value):
                left = Value(left)  # 2 * 3: still drawn as a node
            results.append(_BINARY_OPERATORS[type(node.op)](left, right))  # type: ignore[arg-type]
        elif isinstance(node, ast.UnaryOp):
            operand = results.pop()
            results.append(-operand if isinstance(node.op, ast.USub) else operand)
        else:  # a checked ast.Call
            argument = results.pop()
            if not isinstance(argument, Value):
                argument = Value(argument)
            function = cast(ast.Name, cast(ast.Call, node).func)
            results.append(FUNCTIONS[function.id](argument))
    return results.pop()
