"""Errors raised while reading and evaluating an answer.

Reading: parse errors and refused (hostile) input.  Evaluating:
:class:`EvaluationError` (shapes, indices), its subclass :class:`TooExpensive` (a
time, work or memory budget would be exceeded), and :class:`NotSymbolic` (the
SymPy translation does not cover a construct).

Both are :class:`ValueError` subclasses carrying the offending column, and render
the answer with a caret under that column.

Examples
--------
>>> err = AnswerParseError("unexpected '\\\\foo'", text=r"\\frac{1}{N} \\foo", position=12)
>>> print(err)
parse error at column 13: unexpected '\\foo'
  \\frac{1}{N} \\foo
              ^
"""

from __future__ import annotations

__all__ = [
    "AnswerError", "AnswerParseError", "RefusedInput", "caret_display",
    "EvaluationError", "ShapeMismatch", "TooExpensive", "NotSymbolic",
]

#: Longest excerpt of the answer shown under an error message.
_SHOW = 76


def caret_display(text: str, position: int | None) -> str:
    """Two indented lines: (an excerpt of) ``text`` and a caret under ``position``."""
    if position is None:
        return ""
    one_line = text.replace("\n", " ").replace("\t", " ")
    position = max(0, min(position, len(one_line)))
    start = max(0, position - _SHOW // 2) if len(one_line) > _SHOW else 0
    excerpt = one_line[start:start + _SHOW]
    prefix = "..." if start > 0 else ""
    return f"  {prefix}{excerpt}\n  {' ' * (len(prefix) + position - start)}^"


class AnswerError(ValueError):
    """An answer that cannot be checked; ``position`` is a 0-based column or None."""

    kind = "error"

    def __init__(self, message: str, *, text: str = "", position: int | None = None) -> None:
        self.reason = message
        self.text = text
        self.position = position
        super().__init__(self._render())

    def _render(self) -> str:
        where = f" at column {self.position + 1}" if self.position is not None else ""
        head = f"{self.kind}{where}: {self.reason}"
        shown = caret_display(self.text, self.position) if self.text else ""
        return f"{head}\n{shown}" if shown else head

    def __reduce__(self) -> tuple[object, ...]:  # keeps the fields across a process boundary
        return (_rebuild, (type(self), self.reason, self.text, self.position))

    def with_text(self, text: str, shift: int = 0) -> AnswerError:
        """A copy located in ``text`` (``shift`` added to the position)."""
        pos = None if self.position is None else self.position + shift
        return type(self)(self.reason, text=text, position=pos)


def _rebuild(cls: type[AnswerError], reason: str, text: str, position: int | None) -> AnswerError:
    return cls(reason, text=text, position=position)


class AnswerParseError(AnswerError):
    """The answer is not in the accepted syntax."""

    kind = "parse error"


class RefusedInput(AnswerError):
    """The answer uses something that is never evaluated (hostile or too large)."""

    kind = "refused"


class EvaluationError(ValueError):
    """The answer could not be evaluated on an instance (shapes, indices, a missing name)."""


class ShapeMismatch(EvaluationError):
    """The answer's operands have shapes that do not fit together."""


class TooExpensive(EvaluationError):
    """Evaluating the answer would exceed a budget; ``budget`` names which ("work", "memory", "time")."""

    def __init__(self, message: str, *, budget: str = "work") -> None:
        super().__init__(message)
        self.budget = budget

    def __reduce__(self) -> tuple[object, ...]:
        return (_too_expensive, (str(self), self.budget))


def _too_expensive(message: str, budget: str) -> TooExpensive:
    return TooExpensive(message, budget=budget)


class NotSymbolic(ValueError):
    """The answer uses something the SymPy translation does not cover."""
