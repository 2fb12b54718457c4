"""What saving the learner's classes to a file of their own needs, shared by notebook 03's
engine (`nn.course.value.save_engine` / `load_engine`) and notebook 06's network
(`nn.course.network.save_network` / `load_network`).

A new notebook is a new kernel: what a learner wrote in one notebook reaches the next only
through a file. These pieces find a class's statement in the cell that defined it (IPython
keeps every cell's text in `linecache`) and tell its body's methods from those put on it
afterwards; find the global names a function reads and whether an object can be imported
by name; write the module atomically; and import a file afresh, never a copy cached by an
earlier import. What goes into each module, and the checks it must pass, stay with its
notebook's module.
"""

from __future__ import annotations

import ast
import dis
import importlib.util
import inspect
import linecache
import os
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

from engine.files import write_atomic

__all__ = [
    "SourceError",
    "class_source",
    "function_source",
    "global_names",
    "import_fresh",
    "importable",
    "installed_methods",
    "write_module",
]


class SourceError(ValueError):
    """A class or function could not be written out as a module (the message says why)."""


def class_source(cls: type[Any], described: str) -> tuple[str, set[types.CodeType]]:
    """The class statement of `cls` as written (decorators included, dedented), found in
    its cell through a method defined in its body, and the code objects of the methods
    that statement defines. `described` names the class in the error ("class Value",
    "your Neuron") when no cell holds it."""
    body_functions = [
        f
        for f in vars(cls).values()
        if inspect.isfunction(f) and f.__qualname__.startswith(f"{cls.__qualname__}.")
    ]
    for fn in body_functions:
        code = fn.__code__
        lines = linecache.getlines(code.co_filename)
        if not lines:
            continue
        try:
            tree = ast.parse("".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ClassDef)
                and node.name == cls.__name__
                and node.end_lineno is not None
                and node.lineno <= code.co_firstlineno <= node.end_lineno
            ):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                source = textwrap.dedent("".join(lines[first - 1 : node.end_lineno]))
                # a method of the statement: same cell, first line inside the class
                same_cell = {
                    f.__code__
                    for f in body_functions
                    if f.__code__.co_filename == code.co_filename
                    and node.lineno <= f.__code__.co_firstlineno <= node.end_lineno
                }
                return source, same_cell
    raise SourceError(
        f"the source of {described} cannot be found; run its cell again, then this one."
    )


def installed_methods(cls: type[Any], body: set[types.CodeType]) -> list[tuple[str, Any]]:
    """The functions on `cls` that its class statement did not define (`body`, from
    `class_source`): those put on it afterwards, `Value.backward = backward`, as
    (attribute, function) in the class's order."""
    return [
        (attribute, fn)
        for attribute, fn in vars(cls).items()
        if inspect.isfunction(fn) and fn.__code__ not in body
    ]


def function_source(fn: Any) -> str:
    """The source of a function defined at the top of a cell (or a file), dedented."""
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as error:
        raise SourceError(
            f"the source of {fn.__name__} cannot be found ({error}); run its cell again."
        ) from None


def global_names(code: types.CodeType) -> set[str]:
    """The global names `code` and the functions nested in it (the rules) read."""
    names: set[str] = set()
    pending = [code]
    while pending:  # a stack, not recursion
        current = pending.pop()
        for instruction in dis.get_instructions(current):
            if instruction.opname in {"LOAD_GLOBAL", "LOAD_NAME"}:
                names.add(str(instruction.argval))
        pending.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return names


def importable(obj: object) -> bool:
    """`obj` can be imported by name from a module that is a file (not a notebook's
    `__main__`): `from module import name` gives `obj` itself."""
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    qualname = getattr(obj, "__qualname__", "")
    return (
        module is not None
        and module.__name__ != "__main__"
        and bool(getattr(module, "__file__", None))
        and "." not in qualname
        and getattr(module, qualname, None) is obj
    )


def write_module(path: str | os.PathLike[str], text: str) -> Path:
    """Write the module's text to `path` atomically (a reader never sees half of it)."""
    target = Path(path)
    write_atomic(target, text)
    return target


def import_fresh(
    path: str | os.PathLike[str], scratch_name: str, register: bool = False
) -> types.ModuleType:
    """Run the file at `path` as a new module, never one cached from an earlier import.

    It runs under `scratch_name`, which is in `sys.modules` only while it runs (as an
    import would put it); with `register` it runs under its file's stem instead and stays
    there, so that tracebacks and `inspect` find it, unless that name is taken by another
    module (then the scratch name again). A file that raises is never left registered."""
    resolved = Path(path).resolve()
    taken = sys.modules.get(resolved.stem)
    keep = register and (taken is None or getattr(taken, "__file__", None) == str(resolved))
    name = resolved.stem if keep else scratch_name
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {resolved}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    if not keep:
        sys.modules.pop(name, None)
    return module
