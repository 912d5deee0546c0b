r"""The scripts of the LaTeX subset: superscripts ``^``, subscripts ``_`` and the limits of ``\sum``.

``^{(j)}`` is the sample superscript, ``^T``/``^\top`` a transpose, ``^{-1}`` an
inverse, anything else a power; ``_j``/``_{j,i}`` index, ``\|v\|_2`` names the
2-norm and ``\|A\|_F`` the Frobenius norm; ``\sum_{j=a}^{b}`` takes any bounds (1-based,
or 0-based when the lower bound is 0), and an excluded value as the homework writes the
SVM loss: ``\sum_{j \ne y_i}``, ``\sum_{j=1, j \neq y_i}^{C}``.  :class:`LatexScripts` is the base class of the parser in
:mod:`derive.answers.latex_input`; the grammar rules these rules call (``expr``,
``term``, ``atom_from``, ``starts_factor``) are declared here and defined there, so
this module does not import that one.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.answers.ast_nodes import Bin, Call, Compare, Index, Indicator, Name, Node, Num, SumOver, Transpose
from derive.answers.errors import RefusedInput
from derive.answers.latex_lexer import Tok, TokenStream
from derive.answers.limits import MAX_EXPONENT, constant_value
from derive.answers.vocabulary import Vocabulary

__all__ = ["LatexScripts", "PendingSum"]

_TRANSPOSE = {"T", r"\top", r"\intercal"}


class LatexScripts(TokenStream):
    """The ``^``, ``_`` and ``\\sum`` rules of the LaTeX grammar (the base class of its parser)."""

    vocab: Vocabulary

    # -- the grammar rules these rules call (defined by the parser) ------------------------
    def expr(self, depth: int) -> Node:
        """A sum of terms."""
        raise NotImplementedError

    def term(self, depth: int) -> Node:
        """A signed product."""
        raise NotImplementedError

    def atom_from(self, t: Tok) -> Node:
        """The node of a single-token exponent."""
        raise NotImplementedError

    def starts_factor(self) -> bool:
        """Whether the next token starts a factor of a product."""
        raise NotImplementedError

    def superscript(self, base: Node, caret: Tok, depth: int) -> Node:
        lo, hi = self._group_tokens()
        braced = self.at("{")
        toks = self.toks[lo:hi]
        values = [t.value for t in toks]
        if not toks or toks[0].kind == "end":
            raise self.fail("'^' needs an exponent", caret)
        # ^{(j)} sample superscript, optionally followed by a transpose sign
        index = (self.index_name(values[1]) or values[1]) if len(values) >= 3 else None
        if len(values) >= 3 and values[0] == "(" and values[2] == ")" and index in self.vocab.indices:
            node: Node = Index(base, (Name(index),))
            if len(values) == 4 and values[3] in _TRANSPOSE:
                node = Transpose(node)
            elif len(values) != 3:
                raise self.fail("expected ^{(j)} or ^{(j)\\top}", toks[3])
            self.k = hi + (1 if braced else 0)
            return node
        if len(values) == 1 and values[0] in _TRANSPOSE:
            self.k = hi + (1 if braced else 0)
            return Transpose(base)
        if values == ["-", "1"]:
            self.k = hi + 1
            return Call("inv", (base,)) if self.node_ndim(base) >= 1 else Bin("/", Num(1), base)
        if braced:
            self.take()
            exponent = self.expr(depth + 1)
            self.expect("}")
        else:
            t = self.take()
            if t.kind == "num" and len(t.value) > 1:  # x^23 means x^2 · 3 in LaTeX
                raise self.fail("write multi-digit exponents in braces, e.g. ^{23}", t)
            exponent = self.atom_from(t)
        value = constant_value(exponent)
        if value is not None and not abs(value) <= MAX_EXPONENT:
            raise RefusedInput(f"the exponent {value:g} is too large (limit {MAX_EXPONENT})",
                               text=self.text, position=caret.pos)
        return Bin("**", base, exponent)

    def subscript(self, base: Node, under: Tok, depth: int) -> Node:
        lo, hi = self._group_tokens()
        braced = self.at("{")
        toks = [t for t in self.toks[lo:hi] if t.value != ","]
        if isinstance(base, Call) and base.func == "norm":  # \|v\|_2, \|A\|_F
            written = "".join(t.value for t in toks)
            if written not in ("2", "F"):
                raise self.fail(f"expected the 2-norm \\|v\\|_2 or the Frobenius norm \\|A\\|_F, got \\|...\\|_{written}",
                                under)
            if written == "2" and self.node_ndim(base.args[0]) == 2:
                raise self.fail("\\|A\\|_2 of a matrix is ambiguous (the spectral norm, or the Frobenius norm?): "
                                "write \\|A\\|_F for the Frobenius norm", under)
            self.k = hi + (1 if braced else 0)
            return base
        if (len(toks) == 3 and toks[1].value == r"\times" and toks[0].value == toks[2].value
                and isinstance(base, Name) and base.id == "I"):
            toks = toks[:1]  # I_{d \times d} is I_d
        if (isinstance(base, Name) and self.vocab.ndims.get(base.id) == 2 and len(toks) == 1
                and toks[0].kind == "letter" and toks[0].value not in self.vocab.indices
                and self.index_name(toks[0].value) is None  # not a sum's letter (x_n in \sum_{n=1}^{K})
                and self.vocab.ndims.get(str(self.vocab.resolve(toks[0].value))) == 0):
            # I_N: the identity of a given size
            self.k = hi + (1 if braced else 0)
            return Call("eye", (Name(str(self.vocab.resolve(toks[0].value))),))
        items: list[Node] = []
        for t in toks:
            renamed = self.index_name(t.value) if t.kind == "letter" else None
            if renamed is not None:
                items.append(Name(renamed))
            elif t.kind == "letter" and t.value in self.vocab.indices:
                items.append(Name(t.value))
            elif t.kind == "num" and t.value.isdigit():
                items.append(Num(int(t.value)))
            else:
                raise self.fail(f"a subscript must be an index ({', '.join(sorted(self.vocab.indices))}) "
                                "or a number", t)
        if not items:
            raise self.fail("empty subscript", under)
        self.k = hi + (1 if braced else 0)
        return Index(base, tuple(items))

    def sum_limits(self, sum_tok: Tok, depth: int) -> PendingSum:
        r"""The limits of ``\sum_{j=a}^{b}`` (or ``\sum^{b}_{j=a}``): 1-based (``j = 1..N`` is every sample), or 0-based
        when the lower bound is 0 (``j = 0..N-1``); no limits is the whole range.  One value may be
        excluded: ``\sum_{j \ne y_i}`` or ``\sum_{j=1, j \neq y_i}^{C}`` (the summand times 1{j ≠ y_i})."""
        upper_first: tuple[int, int] | None = None
        if self.at("^"):  # \sum^{N}_{i=1}
            caret = self.take()
            if self.tok.kind == "end":
                raise self.fail("'^' needs the sum's upper bound", caret)
            upper_first = self._group_tokens()
            self.k = upper_first[1] + (1 if self.at("{") else 0)
        self.expect("_")
        lo, hi = self._group_tokens()
        braced = self.at("{")
        toks = self.toks[lo:hi]
        if not toks or toks[0].kind != "letter":
            raise self.fail("\\sum needs a letter below it, e.g. \\sum_{j=1}^{N}", toks[0] if toks else sum_tok)
        written = var = toks[0].value
        lower: Node | None = None
        excluded: tuple[int, int] | None = None  # token range of the excluded value
        rest = lo + 1
        if rest < hi and toks[1].value == "=":
            comma = next((k for k in range(lo + 2, hi) if self.toks[k].value == "," and self._level(lo, k) == 0), hi)
            if comma == lo + 2:
                raise self.fail(f"expected {var}=<lower bound> below the \\sum", toks[1])
            lower = self._bound(lo + 2, comma, depth)
            rest = comma
            if comma < hi:  # , j \neq y_i
                if comma + 1 >= hi or self.toks[comma + 1].value != written:
                    raise self.fail(f"expected {written} \\neq <value> after the comma below the \\sum",
                                    self.toks[min(comma + 1, hi - 1)])
                rest = comma + 2
        if rest < hi:
            if self.toks[rest].value not in (r"\neq", r"\ne") or rest + 1 >= hi:
                raise self.fail(f"expected {var}=<lower bound> or {var} \\neq <value> below the \\sum", self.toks[rest])
            excluded = (rest + 1, hi)
        self.k = hi + (1 if braced else 0)
        upper: Node | None = None
        if upper_first is not None:
            upper = self._bound(*upper_first, depth)
        elif self.at("^"):
            self.take()
            lo2, hi2 = self._group_tokens()
            braced = self.at("{")
            upper = self._bound(lo2, hi2, depth)
            self.k = hi2 + (1 if braced else 0)
        var = self._summed_index(written, lower, upper, sum_tok)
        skip = None
        if excluded is not None:
            skip = self._bound(*excluded, depth)
        return PendingSum(var, *_zero_based(lower, upper, self.vocab.ranges.get(var)), written=written, skip=skip)

    def _level(self, lo: int, k: int) -> int:
        """Bracket depth of token k counted from token lo."""
        level = 0
        for t in self.toks[lo:k]:
            if t.kind == "op" and t.value in ("(", "[", "{"):
                level += 1
            elif t.kind == "op" and t.value in (")", "]", "}"):
                level -= 1
        return level

    def node_ndim(self, node: Node) -> int:
        """Number of dimensions of ``node`` (defined by the parser)."""
        raise NotImplementedError

    def index_name(self, letter: str) -> str | None:
        """The question's index a sum letter stands for (innermost sum first), or None."""
        for written, canonical in reversed(getattr(self, "renamed", [])):
            if written == letter:
                return canonical
        return None

    def _summed_index(self, written: str, lower: Node | None, upper: Node | None, sum_tok: Tok) -> str:
        """Any letter may be a sum's index: it stands for the question's index over the same range."""
        size = None
        if upper is not None:
            top = upper.left if isinstance(upper, Bin) and upper.op == "-" and upper.right == Num(1) else upper
            size = top.id if isinstance(top, Name) else None
        elif written in self.vocab.indices:
            return written
        if size is None and written in self.vocab.ranges:
            return written
        active = {c for _, c in getattr(self, "renamed", [])}
        if written in self.vocab.ranges and self.vocab.ranges[written] == size and written not in active:
            return written
        for index, over in self.vocab.ranges.items():
            if over == size and index not in active:
                return index
        if not self.vocab.ranges:
            raise self.fail(f"\\sum_{{{written}}}: this question has no index to sum over (write the sum's value)",
                            sum_tok)
        raise self.fail(f"\\sum_{{{written}}}: this question sums over "
                        + ", ".join(f"{i} = 1..{n}" for i, n in sorted(self.vocab.ranges.items()))
                        + " (write the upper bound)", sum_tok)

    def _bound(self, lo: int, hi: int, depth: int) -> Node:
        """Parse the tokens lo..hi as a whole expression (a limit of a sum)."""
        saved_toks, saved_k = self.toks, self.k
        self.toks, self.k = [*self.toks[lo:hi], Tok("end", "", self.toks[hi].pos)], 0
        try:
            node = self.expr(depth + 1)
            self.expect_end()
        finally:
            self.toks, self.k = saved_toks, saved_k
        return node


def _zero_based(lower: Node | None, upper: Node | None, size: str | None) -> tuple[Node | None, Node | None]:
    """(start, stop) of the 0-based half-open range for written limits; None where it is the default."""
    zero_based = lower is not None and constant_value(lower) == 0
    if zero_based:
        start: Node | None = None
        stop = None if upper is None else _plus(upper, 1)
    else:
        start = None if lower is None or constant_value(lower) == 1 else _plus(lower, -1)
        stop = upper
    if stop is not None and size is not None and stop == Name(size):
        stop = None
    return start, stop


def _plus(node: Node, k: int) -> Node:
    value = constant_value(node)
    if value is not None and float(value).is_integer():
        return Num(int(value) + k)
    if k == 1 and isinstance(node, Bin) and node.op == "-" and node.right == Num(1):
        return node.left
    return Bin("+", node, Num(k)) if k > 0 else Bin("-", node, Num(-k))


@dataclass(frozen=True)
class PendingSum(Node):
    """A ``\\sum`` whose summand is the rest of the product term."""

    var: str
    start: Node | None = None
    stop: Node | None = None
    written: str = ""  # the letter as written (it stands for ``var`` inside the summand)
    skip: Node | None = None  # the excluded value (\sum_{j \ne y_i}), read outside the sum

    def finish(self, parser: LatexScripts, depth: int) -> Node:
        if not parser.starts_factor() and not parser.at("-"):
            raise parser.fail(f"\\sum over {self.var} needs a summand")
        renamed = getattr(parser, "renamed", None)
        if renamed is not None:
            renamed.append((self.written or self.var, self.var))
        try:
            body = parser.term(depth + 1)
            if self.skip is not None:
                body = Bin("*", Indicator(Compare("!=", Name(self.var), self.skip)), body)
            return SumOver(self.var, body, self.start, self.stop)
        finally:
            if renamed is not None:
                renamed.pop()

