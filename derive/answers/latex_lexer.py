r"""Split an answer in the LaTeX subset into tokens, and walk them.

:func:`tokenize` turns the text into :class:`Tok` tokens (spacing and sizing
commands such as ``\,`` or ``\left`` dropped); :class:`TokenStream` is the cursor
the parser in :mod:`derive.answers.latex_input` reads them with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.answers.errors import AnswerParseError

__all__ = ["looks_like_latex", "tokenize", "Tok", "TokenStream"]

_TOKEN = re.compile(r"""
    (?P<space>\s+|\\[,;:!\ ]|\\quad\b|\\qquad\b)
  | (?P<cmd>\\[A-Za-z]+|\\[|{}])
  | (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<letter>[A-Za-z])
  | (?P<op>[-+*/=<>,()\[\]{}^_|'])
""", re.VERBOSE)

_SKIP = {r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr", r"\displaystyle"}


def looks_like_latex(text: str) -> bool:
    """Whether ``text`` is meant as LaTeX (it contains a backslash command)."""
    return re.search(r"\\[A-Za-z|{]", text) is not None


@dataclass(frozen=True)
class Tok:
    kind: str
    value: str
    pos: int


def tokenize(text: str) -> list[Tok]:
    out: list[Tok] = []
    k = 0
    while k < len(text):
        m = _TOKEN.match(text, k)
        if m is None:
            raise AnswerParseError(f"unexpected character {text[k]!r}", text=text, position=k)
        kind = m.lastgroup or ""
        value = m.group()
        if kind == "cmd" and value in _SKIP:
            kind = "space"
        if kind == "cmd" and value == r"\lVert":
            value = r"\|"
        if kind == "cmd" and value == r"\rVert":
            value = r"\|"
        if kind != "space":
            out.append(Tok(kind, value, k))
        k = m.end()
    out.append(Tok("end", "", len(text)))
    return out


class TokenStream:
    """A cursor over the tokens of ``text``: look at, take and expect tokens."""

    def __init__(self, text: str, toks: list[Tok]) -> None:
        self.text, self.toks, self.k = text, toks, 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.k]

    def at(self, *values: str) -> bool:
        return self.tok.value in values and self.tok.kind != "end"

    def take(self) -> Tok:
        t = self.toks[self.k]
        self.k += 1
        return t

    def fail(self, message: str, tok: Tok | None = None) -> AnswerParseError:
        tok = tok or self.tok
        return AnswerParseError(message, text=self.text, position=tok.pos)

    def expect(self, value: str) -> Tok:
        if not self.at(value):
            got = "the end of the answer" if self.tok.kind == "end" else repr(self.tok.value)
            raise self.fail(f"expected {value!r}, got {got}")
        return self.take()

    def expect_end(self) -> None:
        if self.tok.kind != "end":
            raise self.fail(f"unexpected {self.tok.value!r}")

    def _group_tokens(self) -> tuple[int, int]:
        """Token range of the next ``{...}`` group or single token."""
        if self.at("{"):
            start, level = self.k, 0
            for k in range(self.k, len(self.toks)):
                if self.toks[k].value == "{" and self.toks[k].kind == "op":
                    level += 1
                elif self.toks[k].value == "}" and self.toks[k].kind == "op":
                    level -= 1
                    if level == 0:
                        return start + 1, k
            raise self.fail("'{' is never closed")
        return self.k, self.k + 1
