r"""The index-form pre-pass: rewrite sums, indicators and subscripts to Python syntax.

The index form reads like the homework's per-sample formulas::

    sum_j (1{y_j = i} - P[j, i]) * x_j

and is rewritten, before :func:`ast.parse`, to text our whitelisting walker reads:

* ``1{cond}`` becomes ``ind(cond)``, and a single ``=`` inside it becomes ``==``;
* ``sum_j`` becomes the marker ``Σ_j *``: the parser turns the rest of the
  product term after the marker into the summand, so ``sum_j`` binds like
  :math:`\sum_j` does on paper — up to the next ``+`` or ``-`` at the same level
  (write ``sum_j (a + b)`` to sum a sum);
* ``x_j`` / ``y_j`` (a symbol, an underscore, an index) becomes ``X[j]`` / ``y[j]``.

Each character of the output remembers its column in the input, so a parse error
points at what the user typed.

Examples
--------
>>> rewrite_index_form("sum_j (1{y_j = i} - P[j, i]) * x_j", {"x": "X", "y": "y", "P": "P"}, {"i", "j"}).text
'Σ_j * (ind(y[j] == i) - P[j, i]) * X[j]'
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from derive.answers.errors import AnswerParseError

__all__ = ["Rewritten", "rewrite_index_form", "SUM_MARKER"]

#: Prefix of the name that marks an index sum in the rewritten text.
SUM_MARKER = "Σ_"

_SUM = re.compile(r"(?<![A-Za-z0-9_.])(?:sum|Σ)_([A-Za-z])(?![A-Za-z0-9_])\s*")
_SUBSCRIPT = re.compile(r"(?<![A-Za-z0-9_.])([A-Za-z]+)_([A-Za-z])(?![A-Za-z0-9_(])")
_INDICATOR = re.compile(r"(?<![A-Za-z0-9_.])1\s*\{")


@dataclass(frozen=True)
class Rewritten:
    """Rewritten text and, for each of its characters, the column in the original."""

    text: str
    columns: tuple[int, ...]

    def original_column(self, position: int) -> int:
        """The input column of output ``position`` (clamped to the text)."""
        if not self.columns:
            return 0
        if position >= len(self.columns):
            return self.columns[-1] + 1
        return self.columns[max(position, 0)]


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.cols: list[int] = []

    def add(self, s: str, col: int) -> None:
        self.chars.extend(s)
        self.cols.extend([col] * len(s))

    def result(self) -> Rewritten:
        return Rewritten("".join(self.chars), tuple(self.cols))


def _matching_brace(text: str, open_at: int) -> int:
    depth = 0
    for k in range(open_at, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    raise AnswerParseError("indicator '1{' is never closed with '}'", text=text, position=open_at)


def _indicators(text: str) -> Rewritten:
    b = _Builder()
    k = 0
    while k < len(text):
        m = _INDICATOR.match(text, k) if text[k] == "1" else None
        if m:
            close = _matching_brace(text, m.end() - 1)
            b.add("ind(", k)
            inner = _indicators(text[m.end():close])
            for ch, col in zip(inner.text, inner.columns):
                b.add(ch, col + m.end())
            b.add(")", close)
            k = close + 1
            continue
        b.add(text[k], k)
        k += 1
    out = b.result()
    return _equals_to_eq(out)


def _equals_to_eq(r: Rewritten) -> Rewritten:
    """Inside ``ind(...)``, a lone ``=`` is a comparison."""
    b = _Builder()
    depth_ind: list[int] = []  # paren depths at which an ind( was opened
    depth = 0
    t = r.text
    for k, ch in enumerate(t):
        if ch == "(":
            depth += 1
            if t[max(0, k - 3):k] == "ind":
                depth_ind.append(depth)
        elif ch == ")":
            if depth_ind and depth_ind[-1] == depth:
                depth_ind.pop()
            depth -= 1
        lone = ch == "=" and (k == 0 or t[k - 1] not in "=<>!") and (k + 1 >= len(t) or t[k + 1] != "=")
        b.add("==" if lone and depth_ind else ch, r.columns[k])
    return b.result()


def _regex_rewrite(r: Rewritten, pattern: re.Pattern[str], replace) -> Rewritten:
    b = _Builder()
    pos = 0
    for m in pattern.finditer(r.text):
        new = replace(m)
        if new is None:
            continue
        for k in range(pos, m.start()):
            b.add(r.text[k], r.columns[k])
        b.add(new, r.columns[m.start()])
        pos = m.end()
    for k in range(pos, len(r.text)):
        b.add(r.text[k], r.columns[k])
    return b.result()


def rewrite_index_form(text: str, subscriptable: Mapping[str, str], indices: Collection[str]) -> Rewritten:
    """Rewrite the index-form shorthands of ``text`` to Python syntax.

    Parameters
    ----------
    text : str
        The user's answer.
    subscriptable : mapping
        Names that may take an index subscript ``name_j``, mapped to the symbol
        they mean (e.g. ``{"x": "X", "y": "y"}``).
    indices : collection of str
        Index names (``i``, ``j``, ``k``, ...) of the question.

    Raises
    ------
    AnswerParseError
        On an indicator ``1{`` without its closing brace.
    """
    r = _indicators(text)
    r = _regex_rewrite(r, _SUM, lambda m: f"{SUM_MARKER}{m.group(1)} * ")

    def subscript(m: re.Match[str]) -> str | None:
        base, idx = m.group(1), m.group(2)
        if base in subscriptable and idx in indices:
            return f"{subscriptable[base]}[{idx}]"
        return None

    return _regex_rewrite(r, _SUBSCRIPT, subscript)
