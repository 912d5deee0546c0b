"""The size limits every answer parser enforces, and the guarded constant folding they use.

Limits: :data:`MAX_LENGTH` characters, :data:`MAX_DEPTH` nesting, :data:`MAX_NODES`
syntax nodes, exponents up to :data:`MAX_EXPONENT`, constants up to
:data:`MAX_CONSTANT`, constant allocations up to :data:`MAX_ALLOCATION` entries.
"""

from __future__ import annotations

import math

from derive.answers.ast_nodes import Bin, Neg, Node, Num
from derive.answers.errors import RefusedInput

__all__ = [
    "check_limits", "constant_value",
    "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES", "MAX_EXPONENT", "MAX_CONSTANT", "MAX_ALLOCATION", "MAX_ELEMENTS",
]

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_NODES = 600
MAX_EXPONENT = 64
MAX_CONSTANT = 1e12
MAX_ALLOCATION = 100_000
#: Largest number of entries of any value built while evaluating an answer (checked before it is built).
MAX_ELEMENTS = 1_000_000


def check_limits(text: str, opening: str = "([{", closing: str = ")]}") -> None:
    """Refuse over-long or too deeply nested text before any parser sees it."""
    if not isinstance(text, str):
        raise RefusedInput(f"expected the answer as text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise RefusedInput(f"the answer is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if "\x00" in text:
        raise RefusedInput("the answer contains a NUL character", text=text, position=text.index("\x00"))
    depth = 0
    for k, ch in enumerate(text):
        if ch in opening:
            depth += 1
            if depth > MAX_DEPTH:
                raise RefusedInput(f"brackets nested more than {MAX_DEPTH} deep", text=text, position=k)
        elif ch in closing:
            depth -= 1


def constant_value(node: Node) -> float | None:
    """The value of a constant sub-expression (floats, guarded), else None."""
    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Neg):
        v = constant_value(node.operand)
        return None if v is None else -v
    if isinstance(node, Bin):
        a, b = constant_value(node.left), constant_value(node.right)
        if a is None or b is None:
            return None
        try:
            if node.op == "**":
                if abs(b) > MAX_EXPONENT:
                    return math.inf
                return float(a ** b) if not (a == 0 and b < 0) else math.inf
            return {"+": a + b, "-": a - b, "*": a * b, "@": a * b,
                    "/": a / b if b else math.inf}[node.op]
        except (OverflowError, TypeError):  # TypeError: complex result of a negative base
            return math.inf
    return None
