r"""Split an answer in the LaTeX subset into tokens, and walk them.

:func:`tokenize` turns the text into :class:`Tok` tokens.  It reads notation as
students write it: spacing and sizing commands (``\,``, ``\left``, ``\big``, ``~``)
are dropped; ``\dfrac``/``\tfrac`` are ``\frac``; ``\lVert``/``\rVert``/``\Vert``
and ``‖`` are the norm bar ``\|``; a function name wrapped in ``\text{...}``,
``\operatorname{...}``, ``\mathrm{...}`` or ``\mathit{...}`` (and a few bare
names such as ``softmax``) becomes one ``word`` token; and the Unicode letters
and signs a student may paste (σ θ δ λ ∑ ∇ ∂ · × − ≤ ≥ ≠ ᵀ ² 𝔼 𝓛 …) become the
commands they stand for, at their own column.  :class:`TokenStream` is the
cursor the parsers read them with.

Examples
--------
>>> [t.value for t in tokenize(r"\operatorname{softmax}_i(x) \cdot σ²")][:-1]
['softmax', '_', 'i', '(', 'x', ')', '\\cdot', '\\sigma', '^', '2']
>>> [t.value for t in tokenize(r"\dfrac{1}{N}\left\lVert\theta\right\rVert")][:-1]
['\\frac', '{', '1', '}', '{', 'N', '}', '\\|', '\\theta', '\\|']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.answers.errors import AnswerParseError

__all__ = ["looks_like_latex", "tokenize", "Tok", "TokenStream", "WORDS", "UNICODE"]

#: function names read as one token when written as bare letters
WORDS = ("softmax", "Softmax", "diag", "sign", "max", "min", "log", "ln", "exp", "tr")

_TOKEN = re.compile(r"""
    (?P<space>\s+|~|\\[,;:!\ >]|\\(?:quad|qquad|limits|nolimits|displaystyle|textstyle)(?![A-Za-z]))
  | (?P<word>\\(?:text|textrm|textit|operatorname\*?|mathrm|mathit|rm|it)\s*\{\s*(?P<wordname>[A-Za-z]+)\s*\})
  | (?P<normbar>\|\|)
  | (?P<rowsep>\\\\)
  | (?P<cmd>\\[A-Za-z]+|\\[|{}])
  | (?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)
  | (?P<bare>(?:softmax|Softmax|diag|sign)(?![A-Za-z]))
  | (?P<letter>[A-Za-z])
  | (?P<op>[-+*/=<>,()\[\]{}^_|'&;:!])
  | (?P<uni>[^\x00-\x7f])
""", re.VERBOSE)

_SKIP = {r"\left", r"\right", r"\middle", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr", r"\Bigl",
         r"\Bigr", r"\biggl", r"\biggr", r"\Biggl", r"\Biggr", r"\bigm", r"\Bigm", r"\displaystyle"}
_RENAME = {r"\lVert": r"\|", r"\rVert": r"\|", r"\Vert": r"\|", r"\dfrac": r"\frac", r"\tfrac": r"\frac",
           r"\cfrac": r"\frac", r"\intercal": r"\top", r"\transpose": r"\top", r"\vert": "|", r"\lvert": "|",
           r"\rvert": "|", r"\lbrack": "[", r"\rbrack": "]", r"\lbrace": r"\{", r"\rbrace": r"\}",
           r"\varsigma": r"\sigma", r"\vartheta": r"\theta", r"\leqslant": r"\le", r"\geqslant": r"\ge"}

#: Unicode characters -> (token kind, value)
UNICODE: dict[str, tuple[str, str]] = {
    "σ": ("cmd", r"\sigma"), "θ": ("cmd", r"\theta"), "δ": ("cmd", r"\delta"), "λ": ("cmd", r"\lambda"),
    "μ": ("cmd", r"\mu"), "ε": ("cmd", r"\epsilon"), "α": ("cmd", r"\alpha"), "β": ("cmd", r"\beta"),
    "η": ("cmd", r"\eta"), "ℓ": ("cmd", r"\ell"), "Σ": ("cmd", r"\sum"), "∑": ("cmd", r"\sum"),
    "∇": ("cmd", r"\nabla"), "∂": ("cmd", r"\partial"), "·": ("cmd", r"\cdot"), "⋅": ("cmd", r"\cdot"),
    "×": ("cmd", r"\times"), "∘": ("cmd", r"\circ"), "⊙": ("cmd", r"\odot"), "‖": ("cmd", r"\|"),
    "−": ("op", "-"), "–": ("op", "-"), "≤": ("cmd", r"\le"), "≥": ("cmd", r"\ge"), "≠": ("cmd", r"\neq"),
    "∼": ("cmd", r"\sim"), "∈": ("cmd", r"\in"), "∣": ("cmd", r"\mid"), "⊤": ("cmd", r"\top"),
    "𝔼": ("cmd", r"\E"), "𝓛": ("cmd", r"\calL"), "ℒ": ("cmd", r"\calL"), "𝟙": ("cmd", r"\one"),
    "𝒩": ("cmd", r"\calN"), "∞": ("cmd", r"\infty"), "→": ("cmd", r"\to"),
}
_SUPERSCRIPTS = {"ᵀ": r"\top", "²": "2", "³": "3", "⁴": "4", "⁻": "-", "¹": "1"}


def looks_like_latex(text: str) -> bool:
    """Whether ``text`` is meant as LaTeX (a backslash command, or maths signs such as ‖, ², ᵀ, ∑)."""
    if re.search(r"\\[A-Za-z|{]", text) is not None:
        return True
    # signs the numpy-like syntax cannot read (‖ ² ᵀ ∑ ·); Greek letters alone are Python names (σ**2 * θ @ θ)
    return any((ch in UNICODE or ch in _SUPERSCRIPTS) and not ch.isidentifier() for ch in text)


@dataclass(frozen=True)
class Tok:
    kind: str
    value: str
    pos: int


def _unicode(ch: str, k: int, text: str) -> list[Tok]:
    if ch in UNICODE:
        kind, value = UNICODE[ch]
        return [Tok(kind, value, k)]
    if ch in _SUPERSCRIPTS:  # x² is x^2, xᵀ is x^\top
        value = _SUPERSCRIPTS[ch]
        kind = "cmd" if value.startswith("\\") else ("num" if value.isdigit() else "op")
        return [Tok("op", "^", k), Tok(kind, value, k)]
    raise AnswerParseError(f"unexpected character {ch!r}", text=text, position=k)


def tokenize(text: str) -> list[Tok]:
    """The tokens of ``text`` (see the module docstring), ending with an ``end`` token."""
    out: list[Tok] = []
    k = 0
    while k < len(text):
        m = _TOKEN.match(text, k)
        if m is None:
            raise AnswerParseError(f"unexpected character {text[k]!r}", text=text, position=k)
        kind = m.lastgroup or ""
        value = m.group()
        if kind == "normbar":  # ||v|| typed with two bars is the norm
            kind, value = "cmd", r"\|"
        if kind == "rowsep":  # \\\\ between the rows of cases
            kind, value = "cmd", r"\cr"
        if kind == "wordname":
            kind = "word"
        if kind == "word":
            value = m.group("wordname")
        elif kind == "bare":
            kind = "word"
        elif kind == "cmd":
            value = _RENAME.get(value, value)
            if value in _SKIP:
                kind = "space"
            elif value in ("|", "[", "]"):
                kind = "op"
        if kind == "uni":
            out.extend(_unicode(value, k, text))
        elif kind != "space":
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

    def peek(self, ahead: int = 1) -> Tok:
        return self.toks[min(self.k + ahead, len(self.toks) - 1)]

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
