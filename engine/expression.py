"""A safe little expression language for `chainrule draw`: parse text into a graph of Values.

    tanh(x*w + b)       x**2 / (1 + exp(-y))       relu(a - 3) * -2

Allowed: numbers, variable names, `+ - * / **`, unary `-` and `+`, parentheses, and the
engine's functions called with one argument (`tanh relu sigmoid exp log sqrt abs softplus
leaky_relu sin cos`). Everything else is refused with an `ExpressionError` that says what and
where, quoting the input at a bounded length (`engine.messages.quote`). That includes `#`
comments and backslash line continuations, which Python's tokenizer would drop silently.
Where a learner's habit explains the mistake, the error says what to write instead: a
misspelt function gets "did you mean", `x^2` points at the `^` and suggests `x**2`, `2x`
suggests `2*x`. Columns count characters of the text as given (leading spaces included).

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
import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from keyword import iskeyword
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
    "closest_name",
    "quote_names",
    "parse",
    "build_graph",
    "evaluate",
    "variable_names",
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
# other names learners use for a function of the language
_FUNCTION_ALIASES = {"ln": "log", "logistic": "sigmoid", "fabs": "abs"}
# Python's tokenizer breaks lines at each of these, and so its positions do
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SUPERSCRIPTS = {"\u00b2": "2", "\u00b3": "3", "\u00b9": "1", "\u2070": "0"}


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


def closest_name(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice `name` is most likely a misspelling of (case aside), or None when none is
    close enough (`difflib`'s similarity ratio below `cutoff`): `closest_name("tahn",
    FUNCTIONS)` is `"tanh"`."""
    by_case = {choice.lower(): choice for choice in choices}
    if name.lower() in by_case and by_case[name.lower()] != name:
        return by_case[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_case), n=1, cutoff=cutoff)
    return by_case[close[0]] if close else None


def variable_names(source: str | ast.Expression) -> list[str]:
    """The variables `source` uses, in order of first appearance (function names excluded);
    `ExpressionError` if it is not in the language."""
    tree = source if isinstance(source, ast.Expression) else parse(source)
    return _variable_names(tree)


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
    text = _Text(source)
    try:
        # ast.parse only builds the tree (compile with PyCF_ONLY_AST): nothing runs
        tree = ast.parse(text.stripped, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(_syntax_error_message(error, text)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is too deeply nested or malformed") from None
    _check(tree, text)
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


class _Text:
    """The expression as given, to turn the syntax tree's positions (lines of the stripped
    text, UTF-8 byte columns) into the line and column a reader counts."""

    def __init__(self, source: str) -> None:
        self.stripped = source.strip()
        lead = source[: len(source) - len(source.lstrip())]
        lead_lines = _LINE_BREAK.split(lead)
        self.line_shift = len(lead_lines) - 1
        self.column_shift = len(lead_lines[-1])  # leading spaces on the first line
        self.lines = _LINE_BREAK.split(self.stripped)

    def at(self, node: ast.AST) -> str:
        """ " at column C" (" at line L, column C" in a text of several lines) of a node."""
        lineno = getattr(node, "lineno", None)
        column = getattr(node, "col_offset", None)
        if lineno is None or column is None:
            return ""
        return self.at_position(lineno, self.character_column(lineno, column))

    def character_column(self, lineno: int, byte_column: int) -> int:
        """The 0-based character column of a 0-based UTF-8 byte column on line `lineno`."""
        if not 1 <= lineno <= len(self.lines):
            return byte_column
        return len(self.lines[lineno - 1].encode("utf-8")[:byte_column].decode("utf-8", "ignore"))

    def at_position(self, lineno: int, column: int) -> str:
        """ " at column C" for a 0-based character column of the stripped text's line."""
        if lineno == 1:
            column += self.column_shift
        if len(self.lines) == 1:
            return f" at column {column + 1}"
        return f" at line {lineno + self.line_shift}, column {column + 1}"

    def find(self, symbol: str, start: tuple[int, int], end: tuple[int, int]) -> str:
        """Where `symbol` is between two (line, byte column) positions, as `at` says it;
        the text between two operands holds only the operator, spaces and parentheses."""
        (first_line, first_byte), (last_line, last_byte) = start, end
        for lineno in range(first_line, min(last_line, len(self.lines)) + 1):
            line = self.lines[lineno - 1]
            begin = self.character_column(lineno, first_byte) if lineno == first_line else 0
            stop = self.character_column(lineno, last_byte) if lineno == last_line else len(line)
            column = line.find(symbol, begin, stop)
            if column >= 0:
                return self.at_position(lineno, column)
        return ""


def _syntax_error_message(error: SyntaxError, text: _Text) -> str:
    """Python's message, with the column as given, and what to write for a known habit."""
    offset = error.offset or 0  # 1-based characters; 0 or None when Python gives none
    where = text.at_position(error.lineno or 1, offset - 1) if offset > 0 else ""
    message = f"syntax error{where}: {error.msg}"
    hint = ""
    product = re.search(r"(?<![\w.])(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)([^\W\d]\w*)", text.stripped)
    if error.msg.startswith("invalid decimal literal") and product:
        # 2x is a number glued to a name: in mathematics a product
        hint = f"a product needs *: {product.group(1)}*{product.group(2)}"
    elif error.msg.startswith("invalid character"):
        for superscript, digit in _SUPERSCRIPTS.items():
            if superscript in error.msg:
                hint = f"a power is written **: **{digit} for {superscript}"
    elif keywords := [w for w in re.findall(r"[^\W\d]\w*", text.stripped) if iskeyword(w)]:
        hint = f"{quote(keywords[0])} is Python, not part of this language; only {_ALLOWED}"
    elif error.msg == "invalid syntax" and re.search(r"[\w)]\s+[\w(]", text.stripped):
        # x y, 2 (x + 1): two terms side by side
        hint = "two terms side by side need an operator between them, e.g. * for a product"
    return f"{message}; {hint}" if hint else message


def _check(tree: ast.Expression, text: _Text) -> None:
    """Refuse every node that is not in the whitelist (iterative walk, depth-limited)."""
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep")
        children: list[ast.AST] = []
        if isinstance(node, ast.Constant):
            _literal(node, text)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExpressionError(f"'{node.id}' is a function: call it as {node.id}(...)")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY_OPERATORS:
                raise ExpressionError(_refused_operator(node, text))
            if isinstance(node.op, ast.Pow):
                _check_exponent(node.right, text)
            children = [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ExpressionError(f"operator {_symbol(node.op)} is not allowed{text.at(node)}")
            children = [node.operand]
        elif isinstance(node, ast.Call):
            children = [_check_call(node, text)]
        else:
            what = _CONSTRUCT_NAMES.get(type(node), type(node).__name__)
            raise ExpressionError(f"{what} not allowed{text.at(node)}; only {_ALLOWED}")
        stack.extend((child, depth + 1) for child in children)


def _refused_operator(node: ast.BinOp, text: _Text) -> str:
    """The error for `a <op> b` with an operator outside + - * / **, pointing at it."""
    symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
    left_end = (node.left.end_lineno or node.left.lineno, node.left.end_col_offset or 0)
    right_start = (node.right.lineno, node.right.col_offset)
    where = text.find(symbol, left_end, right_start) or text.at(node)
    if isinstance(node.op, ast.BitXor):
        # x^2 in mathematics, xor in Python: the power is **. No string is allowed, so
        # every ^ of the text is an operator: point at the first
        where = text.find("^", (1, 0), (len(text.lines), len(text.stripped.encode("utf-8"))))
        suggestion = quote(text.stripped.replace("^", "**"))
        return (
            f"operator '^' is not allowed{where}; a power is written ** "
            f"(did you mean {suggestion}?)"
        )
    return f"operator '{symbol}' is not allowed{where}; only + - * / **"


def _check_call(node: ast.Call, text: _Text) -> ast.AST:
    """The one argument of an allowed function call."""
    if isinstance(node.func, ast.Attribute) and node.func.attr in FUNCTIONS:
        # math.tanh(x) or x.tanh(): the language's functions are called by their names
        name = node.func.attr
        raise ExpressionError(
            f"attribute access ('.') not allowed{text.at(node)}; write {name}(...) with the "
            f"argument in the parentheses, e.g. {name}(x)"
        )
    if not isinstance(node.func, ast.Name):
        what = _CONSTRUCT_NAMES.get(type(node.func), "calling an expression")
        raise ExpressionError(f"{what} not allowed{text.at(node)}; only {_ALLOWED}")
    name = node.func.id
    if name not in FUNCTIONS:
        close = _FUNCTION_ALIASES.get(name.lower()) or closest_name(name, FUNCTIONS)
        hint = f"did you mean {close}? " if close else ""
        if not close and len(name) <= 2:
            hint = f"a product needs *, e.g. {name}*(...); "  # x(y + 1) in mathematics
        raise ExpressionError(
            f"unknown function {quote(name)}{text.at(node)}; {hint}the functions are "
            f"{', '.join(FUNCTIONS)}"
        )
    if node.keywords:
        raise ExpressionError(f"keyword arguments are not allowed{text.at(node)} ({name})")
    if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise ExpressionError(
            f"{name}() takes exactly one argument, got {len(node.args)}{text.at(node)}"
        )
    return node.args[0]


def _check_exponent(node: ast.AST, text: _Text) -> None:
    exponent = _signed_literal(node)
    if exponent is not None and abs(exponent) > MAX_EXPONENT:
        raise ExpressionError(
            f"exponent {exponent:g} is too large{text.at(node)}; the limit is {MAX_EXPONENT}"
        )


def _literal(node: ast.Constant, text: _Text | None = None) -> float:
    """A number literal as a float; `ExpressionError` for any other constant."""
    where = "" if text is None else text.at(node)
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):  # str, complex, ...
        raise ExpressionError(f"{quote(value)} is not allowed{where}; only real numbers")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError(f"the number{where} is too large")
    return number


def _signed_literal(node: ast.AST) -> float | None:
    """The value of `3`, `-3` or `+3`, or None for anything else (checked literals only)."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if isinstance(node, ast.Constant):
        return sign * _literal(node)
    return None


def _symbol(op: ast.AST) -> str:
    return f"'{_OPERATOR_SYMBOLS.get(type(op), type(op).__name__)}'"


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
