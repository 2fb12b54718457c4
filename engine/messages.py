"""Quoting user input in error messages, kept short: `quote`.

An error names what was wrong, but a message must not grow with the input: a 200 MB class
name in a model file would otherwise make a 200 MB message.
"""

from __future__ import annotations

__all__ = ["quote", "QUOTE_LIMIT"]

QUOTE_LIMIT = 200


def quote(x: object, limit: int = QUOTE_LIMIT) -> str:
    """`repr(x)`, cut after `limit` characters with a note saying so."""
    if isinstance(x, (str, bytes)) and len(x) > 2 * limit:
        x = x[: 2 * limit]  # the repr of a huge string is never built
    try:
        text = repr(x)
    except Exception as error:  # a broken __repr__ must not hide the real error
        return f"<{type(x).__name__} whose repr fails: {type(error).__name__}>"
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... (cut at {limit} characters)"
