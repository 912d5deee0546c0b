r"""Read one line of a hand derivation — ``A = B`` (or ``A = B = C``) in LaTeX — into trees.

The grammar is the LaTeX subset of :mod:`derive.answers.latex_input` grown to the
way students write derivations: any letter as an index (scoped to its sum, or free
and then checked for each of its values), sums with 0- or 1-based bounds, the
problem's names in their usual spellings (``x^{(i)}``, ``x_i``, ``x^{(i)\top}``,
``(x^{(i)})^\top``, ``\tilde{L}``, ``\mathcal{L}``, ``C`` for ``c``), the
homework's definitions applied to arguments (``L(\theta)``,
``\operatorname{softmax}_i(x^{(j)})``, ``P(y^{(j)} \mid x^{(j)}, \theta)``),
expectations ``\mathbb{E}_\delta[\cdot]``, derivatives ``\nabla_w``,
``\frac{\partial}{\partial w_i}``, ``\frac{\partial L}{\partial b}``, indicators
``\mathbb{1}\{\cdot\}``, ``1_{\{\cdot\}}``, ``\mathbb{I}[\cdot]``, norms
``\|v\|``, ``\|v\|_2^2``, ``e^{\cdot}``, ``\exp``, ``\log``, ``\ln``.

Nothing of the text is evaluated: the result is our own tree
(:mod:`derive.answers.ast_nodes` and :mod:`derive.answers.derivation.nodes`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from derive.answers.ast_nodes import (
    Bin, Call, Compare, Index, Indicator, Name, Neg, NewAxis, Node, Num, Slice, SumOver, Transpose, walk,
)
from derive.answers.derivation.context import Context
from derive.answers.derivation.nodes import (
    At, BoundedSum, Concat, Deriv, Expect, Limit, Named, Outer, SetOf, Subdiff, map_children,
)
from derive.answers.errors import AnswerParseError, RefusedInput
from derive.answers.latex_input import LatexParser
from derive.answers.latex_lexer import Tok, TokenStream, tokenize
from derive.answers.latex_scripts import PendingSum
from derive.answers.vocabulary import Vocabulary
from derive.answers.limits import MAX_CONSTANT, MAX_EXPONENT, check_limits, constant_value

__all__ = ["ONES", "Scope", "UserName", "parse_claim", "parse_side", "split_sides", "NewName", "ndim_of", "rename",
           "bounded", "as_values"]

_RELATIONS = {"=": "==", "<": "<", ">": ">", r"\neq": "!=", r"\ne": "!=", r"\le": "<=", r"\leq": "<=",
              r"\ge": ">=", r"\geq": ">="}
_TRANSPOSE = {"T", r"\top", r"\intercal", r"\mathsf"}
_DECORATIONS = {r"\tilde": "tilde", r"\widetilde": "tilde", r"\hat": "hat", r"\widehat": "hat", r"\bar": "bar",
                r"\overline": "bar"}
_CASE_WORDS = {"if", "for", "when", "otherwise", "else"}
_BOLD = {r"\mathbf", r"\boldsymbol", r"\bm", r"\vec", r"\pmb"}
_PRODUCT = {"*", r"\cdot", r"\times", r"\circ", r"\odot"}
_FUNCS = {r"\log": "log", r"\ln": "log", r"\exp": "exp", "log": "log", "ln": "log", "exp": "exp"}
#: the all-ones vector written without its size (its length is read off its neighbour in a product)
ONES = "__ones"
_GREEK_OK = {r"\theta", r"\sigma", r"\delta", r"\lambda", r"\mu", r"\alpha", r"\beta", r"\eta", r"\epsilon",
             r"\ell", r"\gamma", r"\phi", r"\psi", r"\omega", r"\tau", r"\rho", r"\xi", r"\zeta", r"\nu",
             r"\kappa", r"\pi", r"\Theta", r"\Delta", r"\Lambda", r"\Phi", r"\Omega"}


@dataclass(frozen=True)
class UserName:
    """A name a derivation line defined (``R = ...``), for the lines after it."""

    key: str
    tree: Node
    subscripts: tuple[str, ...] = ()


@dataclass
class Scope:
    """What names mean while reading a line: the problem's context and the derivation's own names."""

    context: Context
    names: dict[str, UserName] = field(default_factory=dict)
    fresh: int = 0

    def new_var(self, base: str) -> str:
        self.fresh += 1
        return f"{base}_{self.fresh}"


class NewName(Exception):
    """The left-hand side is a name nobody defined yet: the line defines it."""

    def __init__(self, key: str, subscripts: tuple[str, ...]) -> None:
        super().__init__(key)
        self.key, self.subscripts = key, subscripts


def split_sides(text: str) -> list[tuple[str, int]]:
    """The sides of ``A = B = C`` at top-level ``=`` signs, with their start columns."""
    check_limits(text)
    out, depth, start = [], 0, 0
    k = 0
    while k < len(text):
        ch = text[k]
        if text.startswith(r"\begin", k) or text.startswith(r"\end", k):  # an environment's '=' is its own
            depth += 1 if text.startswith(r"\begin", k) else -1
            k += 4
            continue
        if text.startswith(r"\{", k):
            depth += 1
            k += 2
            continue
        if text.startswith(r"\}", k):
            depth -= 1
            k += 2
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth <= 0:
            out.append((text[start:k], start))
            start = k + 1
        k += 1
    out.append((text[start:], start))
    return out


def parse_side(text: str, scope: Scope, offset: int = 0, *, full_text: str | None = None) -> Node:
    """Parse one side of a claim (an expression) in ``scope``."""
    parser = _ClaimParser(full_text if full_text is not None else text, scope, offset, len(text))
    try:
        node = parser.expr(0)
    except RecursionError:
        raise RefusedInput("the expression is nested too deeply", text=parser.text) from None
    parser.expect_end()
    for n in walk(node):
        if isinstance(n, _Prefix):
            raise AnswerParseError(f"{n.kind} without an operand here", text=parser.text, position=offset)
    return node


def parse_claim(text: str, scope: Scope) -> list[Node]:
    """Every side of the claim ``A = B [= C ...]`` (at least two; a single side is an error)."""
    sides = split_sides(text)
    if len(sides) < 2:
        raise AnswerParseError("expected a claim A = B (no '=' at the top level of this line)", text=text,
                               position=len(text.rstrip()))
    out = []
    for k, (side, start) in enumerate(sides):
        if not side.strip():
            raise AnswerParseError("expected an expression on this side of '='", text=text, position=start)
        if k == 0:
            new = _new_name(side, start, text, scope)
            if new is not None:
                raise new
        out.append(parse_side(side, scope, start, full_text=text))
    return out


def _new_name(side: str, start: int, text: str, scope: Scope) -> NewName | None:
    """A NewName when ``side`` is a single, not yet known name (optionally with index subscripts)."""
    toks = tokenize(side)[:-1]
    if not toks:
        return None
    parser = _ClaimParser(text, scope, start, len(side))
    try:
        key, used = parser.name_key()
    except AnswerParseError:
        return None
    if key is None or parser.known(key) or key in ("e", "E"):
        return None
    rest = toks[used:]
    subs: list[str] = []
    if rest and rest[0].value == "_":
        inner = [t for t in rest[1:] if t.value not in ("{", "}", ",", ";", "_")]
        if not inner or not all(t.kind in ("letter", "num") for t in inner):
            return None
        if rest[1].value != "{" and len(inner) > 1:
            return None
        # g_{w_k,i}: the unknown letters are its subscripts; a known symbol (w) names which g it is
        for t in inner:
            if t.kind == "letter" and not parser.known(t.value) and t.value not in subs:
                subs.append(t.value)
        rest = []
    if rest:
        return None
    return NewName(key, tuple(subs))


def rename(node: Node, mapping: Mapping[str, Node]) -> Node:
    """``node`` with every ``Name`` in ``mapping`` replaced (sum variables shadow)."""
    if isinstance(node, Name):
        return mapping.get(node.id, node)
    if isinstance(node, SumOver | BoundedSum) and node.var in mapping:
        mapping = {k: v for k, v in mapping.items() if k != node.var}
    return map_children(node, lambda child: rename(child, mapping))


def ndim_of(node: Node, ctx: Context, names: Mapping[str, UserName]) -> int:
    """The number of dimensions of ``node`` (for reading juxtaposition)."""
    if isinstance(node, Num):
        return 0
    if isinstance(node, Name):
        if node.id == ONES:
            return 1
        s = ctx.by_name.get(node.id)
        return len(s.shape) if s is not None else 0
    if isinstance(node, Neg | Transpose):
        return ndim_of(node.operand, ctx, names)
    if isinstance(node, Named):
        return ndim_of(node.tree, ctx, names)
    if isinstance(node, Index):
        dropped = sum(not isinstance(i, Slice | NewAxis) for i in node.items)
        added = sum(isinstance(i, NewAxis) for i in node.items)
        return max(0, ndim_of(node.base, ctx, names) - dropped + added)
    if isinstance(node, Outer):
        return 2
    if isinstance(node, Concat):
        return ndim_of(node.left, ctx, names)
    if isinstance(node, Bin):
        a, b = ndim_of(node.left, ctx, names), ndim_of(node.right, ctx, names)
        if node.op == "@":
            return max(0, a + b - 2) if a and b else max(a, b)
        return a if node.op == "**" else max(a, b)
    if isinstance(node, SumOver | BoundedSum | Expect):
        return ndim_of(node.body, ctx, names)
    if isinstance(node, Deriv):
        return ndim_of(node.body, ctx, names) + ndim_of(node.wrt, ctx, names)
    if isinstance(node, Call):
        if node.func in ("sum", "mean", "logsumexp") and node.kwargs:
            return max(0, ndim_of(node.args[0], ctx, names) - 1)
        if node.func in ("norm", "sum", "mean", "trace", "logsumexp"):
            return 0
        if node.func == "inv":
            return 2
        if node.func == "ones":
            return 1
        if node.func == "stack":
            return 1 + max((ndim_of(a, ctx, names) for a in node.args), default=0)
        if node.func == "diag":
            return 1 if ndim_of(node.args[0], ctx, names) == 2 else 2
        return max((ndim_of(a, ctx, names) for a in node.args), default=0)
    return 0


@dataclass(frozen=True)
class _Prefix(PendingSum):
    """An operator that takes the rest of its product term: a sum, an expectation, a derivative, ...

    A :class:`~derive.answers.latex_scripts.PendingSum` to the inherited grammar, which finishes it
    with the rest of the product term.
    """

    kind: str = ""
    payload: tuple[Any, ...] = ()

    def finish(self, parser: Any, depth: int) -> Node:
        return parser.finish(self, depth)


class _ClaimParser(LatexParser):
    """check-answer's LaTeX reader (its expression/term/product grammar) grown to derivation lines.

    The rules it adds or replaces: names from the problem's context, the prefix operators (sums,
    expectations, derivatives, limits, subdifferentials — :class:`_Prefix`, finished with the rest
    of the product term by the inherited ``product``), evaluation at a point, sets, matrices.
    """

    PRODUCT_OPS = ("*", r"\cdot", r"\times", r"\circ", r"\odot", "/")

    def __init__(self, text: str, scope: Scope, offset: int, length: int) -> None:
        toks = [Tok(t.kind, t.value, t.pos + offset) for t in tokenize(text[offset:offset + length])]
        ctx = scope.context
        super().__init__(text, toks, Vocabulary(ctx.ndims(), frozenset(), {}, {}))
        self.scope, self.ctx = scope, scope.context
        self.spelled = self.ctx.spelled()
        self.in_norm = 0
        self.eval_open = 0  # inside \left. ... \right|: the bar closes the group, not the last factor
        self.index_mode = 0
        self.bound: list[str] = []  # sum variables in scope, innermost last

    # -- names --------------------------------------------------------------------------
    def name_key(self) -> tuple[str | None, int]:
        """The written name at the cursor (``x``, ``\\theta``, ``\\tilde{L}``, ``\\mathcal{L}``) and its token count."""
        t = self.tok
        if t.kind == "letter" or (t.kind == "cmd" and t.value in _GREEK_OK):
            after = [x.value for x in self.toks[self.k + 1:self.k + 5]]
            if after[:2] == ["^", "*"] or after[:4] == ["^", "{", "*", "}"]:  # θ^*: its own name
                return t.value + "^*", 3 if after[1] == "*" else 5
            return t.value, 1
        if t.kind == "cmd" and t.value in (r"\calL",):
            return r"\mathcal{L}", 1
        if t.kind == "cmd" and (t.value in _DECORATIONS or t.value in (r"\mathcal", r"\mathscr") or t.value in _BOLD):
            toks = self.toks[self.k + 1:]
            if toks and toks[0].value == "{" and len(toks) >= 3 and toks[2].value == "}":
                inner = toks[1].value
                used = 4
            elif toks and toks[0].kind in ("letter", "cmd"):
                inner, used = toks[0].value, 2
            else:
                raise self.fail(f"{t.value} needs a letter")
            if t.value in _BOLD:
                return inner, used
            if t.value in (r"\mathcal", r"\mathscr"):
                return rf"\mathcal{{{inner}}}", used
            return rf"\{_DECORATIONS[t.value]}{{{inner}}}", used
        return None, 0

    def known(self, key: str) -> bool:
        return key in self.scope.names or key in self.spelled or self._case_size(key) is not None

    def _case_size(self, key: str) -> str | None:
        if len(key) == 1 and key.isalpha():
            other = key.swapcase()
            target = self.spelled.get(other, "")
            if target.startswith("size:") and key not in self.spelled:
                return target
        return None

    # -- grammar (expr, term and product are check-answer's) -------------------------------
    def starts_factor(self) -> bool:
        t = self.tok
        if t.kind == "word":
            return t.value not in _CASE_WORDS
        if t.kind in ("num", "letter"):
            return True
        if t.kind == "cmd":
            if t.value == r"\|" and self.in_norm:
                return False
            return (t.value not in _RELATIONS and t.value not in _PRODUCT and t.value not in (r"\}", r"\mid", r"\in",
                                                                                           r"\sim", r"\to", r"\cr",
                                                                                           r"\end", r"\evalat"))
        return t.value in ("(", "[", "{")

    def finish(self, pre: _Prefix, depth: int) -> Node:
        """The operand of a prefix operator: the rest of the product term."""
        if not self.starts_factor() and not self.at("-"):
            raise self.fail(f"{pre.kind} needs an operand")
        if pre.kind == "sum":
            var, size, upper, base, excluded, start = pre.payload
            self.bound.append(var)
            try:
                body = self.term(depth + 1)
            finally:
                self.bound.pop()
            if excluded is not None:  # \sum_{j \neq y_i}: every j but one
                body = Bin("*", Bin("-", Num(1), Indicator(Compare("==", Name(var), excluded))), body)
            return BoundedSum(var, as_values(body, var, base), size, upper, base, start)
        operand = self.term(depth + 1)
        if pre.kind == "expectation":
            return Expect(operand)
        if pre.kind == "limit":
            return Limit(operand, *pre.payload)
        if pre.kind == "subdifferential":
            if not isinstance(operand, At):
                raise self.fail("a subdifferential \\partial_{w} f is read at a kink: \\partial_{w} f\\big|_{g = c}")
            return Subdiff(operand.body, pre.payload[0], operand.target, operand.value)
        return self._derivative(operand, pre.payload)

    def _derivative(self, operand: Node, wrts: tuple[Node, ...]) -> Node:
        for wrt in reversed(wrts):
            operand = Deriv(operand, wrt)
        return operand

    def ndim(self, node: Node) -> int:
        return ndim_of(node, self.ctx, self.scope.names)

    def product_of(self, a: Node, b: Node, op: str) -> Node:
        return Bin("*", a, b) if op in (r"\circ", r"\odot") else self.mul(a, b)

    def mul(self, a: Node, b: Node) -> Node:
        """Juxtaposition: a matrix product between arrays (``a b^T`` an outer product), else a plain product."""
        na, nb = self.ndim(a), self.ndim(b)
        if na == 1 and nb == 1 and isinstance(b, Transpose) and not isinstance(a, Transpose):
            return Outer(a, b.operand)
        if na >= 1 and nb >= 1:
            return Bin("@", a, b)
        return Bin("*", a, b)

    def power(self, depth: int) -> Node:
        self._guard(depth)
        node = self.primary(depth + 1)
        if isinstance(node, _Prefix):
            return node
        while self.at("^", "_", "'") or (self.at(r"\evalat") and not self.eval_open):
            t = self.take()
            if t.value == r"\evalat":
                node = self.evaluated_at(node, depth)
            elif t.value == "'":
                node = Transpose(node)
            elif t.value == "_":
                node = self.subscript(node, t, depth + 1)
            else:
                node = self.superscript(node, t, depth + 1)
        return node

    def evaluated_at(self, node: Node, depth: int) -> Node:
        """``f|_{W = 0}`` (after ``\\right|`` or ``\\big|``): ``f`` with the parameter set to the value."""
        self.expect("_")
        self.expect("{")
        self.index_mode += 1
        try:
            target = self.power(depth + 1)
        finally:
            self.index_mode -= 1
        self.expect("=")
        value = self.expr(depth + 1)
        self.expect("}")
        return At(node, target, value)

    def group_end(self) -> int:
        lo, hi = self._group_tokens()
        return hi + (1 if self.at("{") else 0)

    def superscript(self, base: Node, caret: Tok, depth: int) -> Node:
        lo, hi = self._group_tokens()
        braced = self.at("{")
        toks = self.toks[lo:hi]
        values = [t.value for t in toks]
        if not toks or toks[0].kind == "end":
            raise self.fail("'^' needs an exponent", caret)
        if values and values[0] == "(" and ")" in values and self.ndim(base) >= 1:  # ^{(j)}: a sample
            close = values.index(")")
            self.k = lo + 1
            self.index_mode += 1
            try:
                item = self.expr(depth + 1)
            finally:
                self.index_mode -= 1
            if self.k != lo + close:
                raise self.fail("expected ^{(j)}: one index in parentheses", self.tok)
            node: Node = Index(base, (item,))
            rest = values[close + 1:]
            if rest and rest[0] in _TRANSPOSE and len(rest) == 1:
                node = Transpose(node)
            elif rest:
                raise self.fail("expected ^{(j)} or ^{(j)\\top}", toks[close + 1])
            self.k = hi + (1 if braced else 0)
            return node
        if len(values) == 1 and values[0] in _TRANSPOSE:
            self.k = hi + (1 if braced else 0)
            return Transpose(base)
        if values == ["-", "1"] and self.ndim(base) == 2:
            self.k = hi + 1
            return Call("inv", (base,))
        if braced:
            self.take()
            exponent = self.expr(depth + 1)
            self.expect("}")
        else:
            t = self.take()
            if t.kind == "num" and len(t.value) > 1:
                raise self.fail("write multi-digit exponents in braces, e.g. ^{23}", t)
            exponent = self.atom(t)
        value = constant_value(exponent)
        if value is not None and not abs(value) <= MAX_EXPONENT:
            raise RefusedInput(f"the exponent {value:g} is too large (limit {MAX_EXPONENT})",
                               text=self.text, position=caret.pos)
        return Bin("**", base, exponent)

    def atom(self, t: Tok) -> Node:
        if t.kind == "num":
            return _number(t, self)
        if t.kind == "letter" or t.kind == "cmd":
            self.k -= 1
            return self.primary(0)
        raise self.fail(f"unexpected {t.value!r}", t)

    def sub_items(self) -> list[Node]:
        """The comma-separated items of a subscript, read with unknown letters as indices."""
        braced = self.at("{")
        self.index_mode += 1
        try:
            if not braced:
                t = self.take()
                if t.kind == "num":
                    return [Num(int(t.value) - 1) if t.value.isdigit() else _number(t, self)]
                self.k -= 1
                return [self.primary(0)]
            lo, hi = self._group_tokens()
            group = self.toks[lo:hi]
            if len(group) > 1 and all(t.kind in ("letter", "num") for t in group):  # P_{ji}: one index per letter
                items = [self.primary(0) if t.kind == "letter" and not self._rewind(t) else _sub_number(t, self)
                         for t in group]
                self.k = hi + 1
                return items
            self.take()
            items = [self.expr(1)]
            while self.at(","):
                self.take()
                items.append(self.expr(1))
            self.expect("}")
            return [_one_based(i) for i in items]
        finally:
            self.index_mode -= 1

    def _rewind(self, t: Tok) -> bool:
        """Point the cursor at ``t`` (to read it on its own); always False."""
        self.k = self.toks.index(t)
        return False

    def subscript(self, base: Node, under: Tok, depth: int) -> Node:
        if isinstance(base, Call) and base.func == "norm":  # \|v\|_2
            lo, hi = self._group_tokens()
            if [t.value for t in self.toks[lo:hi]] not in (["2"], ["F"]):
                raise self.fail("only the 2-norm \\|v\\|_2 (and \\|W\\|_F) is supported", under)
            self.k = hi + (1 if self.at("{") else 0)
            return base
        if self.ndim(base) == 0:
            raise self.fail("a subscript on a scalar: only vectors and matrices take index subscripts", under)
        items = self.sub_items()
        return Index(base, tuple(items))

    # -- primaries ----------------------------------------------------------------------
    def primary(self, depth: int) -> Node:
        t = self.tok
        if t.kind == "end":
            raise self.fail("the expression ends too early")
        if t.kind == "num":
            self.take()
            if t.value == "1" and self.at(r"\{"):
                return self.indicator(depth, r"\{", r"\}")
            if t.value == "1" and self.at("_") and self.peek().value == "{" and self.peek(2).value == r"\{":
                self.take()
                self.take()
                node = self.indicator(depth, r"\{", r"\}")
                self.expect("}")
                return node
            return _number(t, self)
        if t.value in ("(", "["):
            self.take()
            inner = self.expr(depth + 1)
            self.expect(")" if t.value == "(" else "]")
            return inner
        if t.value == "{":
            self.take()
            inner = self.expr(depth + 1)
            self.expect("}")
            return inner
        if t.kind == "word":
            return self.word(t, depth)
        if t.value == r"\evalopen":  # \left. f \right|_{x = a}
            self.take()
            self.eval_open += 1
            try:
                inner = self.expr(depth + 1)
            finally:
                self.eval_open -= 1
            if not self.at(r"\evalat"):
                raise self.fail("expected \\right|_{x = a} closing \\left.")
            self.take()
            return self.evaluated_at(inner, depth)
        if t.kind == "letter" and t.value == "e" and self.peek().value == "^" and not self.known("e"):
            self.take()
            self.take()
            return Call("exp", (self.script_group(depth),))
        if t.kind == "letter" and t.value == "E" and not self.known("E") and self.peek().value in ("_", "[", "("):
            self.take()
            return self.expectation(t, depth)
        if t.kind == "letter" or (t.kind == "cmd" and (t.value in _GREEK_OK or t.value in _DECORATIONS
                                                       or t.value in (r"\mathcal", r"\mathscr", r"\calL")
                                                       or (t.value in _BOLD and self.peek(2).value != "1"))):
            if t.value == r"\sigma" and self.ctx.sigma_means_softmax:
                self.take()
                return self.definition_use("softmax", t, depth)
            return self.named(t, depth)
        if t.kind == "cmd":
            return self.command(t, depth)
        raise self.fail(f"unexpected {t.value!r}")

    def script_group(self, depth: int) -> Node:
        if self.at("{"):
            self.take()
            inner = self.expr(depth + 1)
            self.expect("}")
            return inner
        return self.atom(self.take())

    def named(self, t: Tok, depth: int) -> Node:
        key, used = self.name_key()
        assert key is not None
        self.k += used
        if self.at("'") and key + "'" in self.bound:  # c' bound by a sum
            self.take()
            return Name(key + "'")
        if key in self.scope.names:
            user = self.scope.names[key]
            if user.subscripts:
                if not self.at("_"):
                    raise self.fail(f"{key} was defined with subscripts {', '.join(user.subscripts)}", t)
                self.take()
                items = self.sub_items()
                if len(items) != len(user.subscripts):
                    raise self.fail(f"{key} takes {len(user.subscripts)} subscripts", t)
                return Named(key, rename(user.tree, dict(zip(user.subscripts, items))))
            return Named(key, user.tree)
        if len(key) == 1 and key in self.bound:  # a sum variable shadows a symbol of the same letter
            return Name(key)
        target = self.spelled.get(key) or self._case_size(key)
        if target is None or (self.index_mode and len(key) == 1 and target.startswith("size:")
                              and key not in self.ctx.sizes):
            if len(key) == 1 and key.isalpha() and self.index_mode:
                return Name(key)
            raise self.fail(f"unknown symbol {key!r}; this problem knows: {self.known_names()}", t)
        if target.startswith("size:"):
            return Name(target[5:])
        if target.startswith("def:") and self.index_mode and len(key) == 1 and not self.at("_", "("):
            return Name(key)
        if target.startswith("def:"):
            return self.definition_use(target[4:], t, depth)
        if key in self.ctx.bare and not self._sample_script_follows():
            return Name(self.ctx.bare[key])
        return Name(target)

    def _sample_script_follows(self) -> bool:
        return (self.at("_") and self.ctx.sample_subscript) or (
            self.at("^") and self.peek().value == "{" and self.peek(2).value == "(")

    def known_names(self) -> str:
        return ", ".join(sorted(set(self.spelled) | set(self.scope.names)))

    def definition_use(self, name: str, t: Tok, depth: int) -> Node:
        if name not in {d.name for d in self.ctx.definitions}:
            raise self.fail(f"{t.value} is not defined in the {self.ctx.key} problem", t)
        d = self.ctx.definition(name)
        if d.applied is not None and self.at("("):
            d = self.ctx.definition(d.applied)
            name = d.name
        subs: list[Node] = []
        if d.subscripts:
            if not self.at("_"):
                raise self.fail(f"{t.value} needs its subscript ({', '.join(d.subscripts)})", t)
            self.take()
            subs = self.sub_items()
            alias = self.ctx.definition_tree(name)
            if (len(subs) != len(d.subscripts) and isinstance(alias, Index) and isinstance(alias.base, Name)
                    and len(subs) == len(self.ctx.by_name[alias.base.id].shape)):  # w_{d,k}: the entry W_{d,k}
                return Index(alias.base, tuple(subs))
            if len(subs) != len(d.subscripts):
                raise self.fail(f"{t.value} takes {len(d.subscripts)} subscript(s)", t)
        args: list[Node] = []
        if d.params:
            if self.at("(", "["):
                close = ")" if self.take().value == "(" else "]"
                args.append(self.argument(depth))
                while self.at(",", "|", r"\mid", ";"):
                    self.take()
                    args.append(self.argument(depth))
                self.expect(close)
                if len(args) != len(d.params):
                    raise self.fail(f"{t.value} takes {len(d.params)} argument(s) "
                                    f"({', '.join(d.params)}), got {len(args)}", t)
            else:
                args = [Name(p) for p in d.params]
        elif self.at("(") and d.name in ("L", "Ltilde", "Lsoft", "Lhinge"):
            self._skip_arguments()
        label = self.text[t.pos:self.tok.pos].strip() if self.tok.kind != "end" else self.text[t.pos:].strip()
        tree = self.ctx.definition_tree(name)
        fresh = {v: (self.scope.new_var(v.rstrip("_")), size) for v, size in d.bound.items()}
        mapping: dict[str, Node] = dict(zip(d.params, args))
        mapping.update(zip(d.subscripts, subs))
        mapping.update({v: Name(new) for v, (new, _) in fresh.items()})
        return Named(label, rename(bounded(tree, fresh), mapping))

    def argument(self, depth: int) -> Node:
        """One argument; ``y = y^{(j)}`` (as in P(y = y^{(j)} | x^{(j)})) is the value on the right."""
        node = self.expr(depth + 1)
        if self.at("="):
            self.take()
            node = self.expr(depth + 1)
        return node

    def _skip_arguments(self) -> None:
        """``L(\\theta)``, ``L(w, b)``: the loss's own parameters, as written."""
        self.expect("(")
        level = 1
        while level:
            t = self.take()
            if t.kind == "end":
                raise self.fail("'(' is never closed", t)
            level += (t.value == "(") - (t.value == ")")

    def word(self, t: Tok, depth: int) -> Node:
        self.take()
        v = t.value
        if v.lower() == "softmax":
            return self.definition_use("softmax", t, depth)
        if v in _FUNCS:
            return Call(_FUNCS[v], (self.function_argument(depth),))
        if v in ("max", "min"):
            return self.max_min(v, depth)
        if v == "diag":
            return Call("diag", (self.function_argument(depth),))
        if v in ("tr", "trace"):
            return Call("trace", (self.function_argument(depth),))
        if v == "E" and not self.known("E"):  # \mathrm{E}[...]: the expectation
            return self.expectation(t, depth)
        if len(v) == 1:  # \mathit{L}, \mathrm{x}: a letter in a font is the letter
            self.k -= 1
            self.toks[self.k] = Tok("letter", v, t.pos)
            return self.named(self.tok, depth)
        raise self.fail(f"unsupported function {v!r}", t)

    def function_argument(self, depth: int) -> Node:
        if self.at("(", "["):
            t = self.take()
            inner = self.expr(depth + 1)
            self.expect(")" if t.value == "(" else "]")
            return inner
        if self.at("{"):
            return self.script_group(depth)
        node = self.power(depth + 1)
        return self.finish(node, depth) if isinstance(node, _Prefix) else node

    def max_min(self, v: str, depth: int) -> Node:
        closing = {"(": ")", "[": "]", r"\{": r"\}", "{": "}"}
        if not self.at(*closing):
            raise self.fail(f"\\{v} needs its arguments: \\{v}(a, b)")
        close = closing[self.take().value]
        a = self.expr(depth + 1)
        self.expect(",")
        b = self.expr(depth + 1)
        self.expect(close)
        return Call("maximum" if v == "max" else "minimum", (a, b))

    def command(self, t: Tok, depth: int) -> Node:
        v = t.value
        self.take()
        if v == r"\frac":
            if self.at("{") and self.peek().value in (r"\partial", "d") and self._is_derivative():
                return self.derivative_frac(t, depth)
            num = self.script_group(depth)
            den = self.script_group(depth)
            return Bin("/", num, den)
        if v == r"\sqrt":
            return Call("sqrt", (self.script_group(depth),))
        if v == r"\|":
            if self.in_norm:
                raise self.fail("nested norms are not supported", t)
            self.in_norm += 1
            inner = self.expr(depth + 1)
            self.in_norm -= 1
            self.expect(r"\|")
            return Call("norm", (inner,))
        if v in _BOLD and self.at("{") and self.peek().value == "1" and self.peek(2).value == "}":
            self.take()
            self.take()
            self.take()
            if self.at("_"):
                self.take()
                self.index_mode += 1
                try:
                    size = self.script_group(depth)
                finally:
                    self.index_mode -= 1
                return Call("ones", (size,))
            return Name(ONES)
        if v in (r"\mathbb", r"\mathbf", r"\mathrm", r"\one", r"\E"):
            letter = v[1:] if v in (r"\E",) else ("1" if v == r"\one" else None)
            if letter is None:
                self.expect("{")
                letter = self.take().value
                self.expect("}")
            if letter in ("1", "I"):
                if self.at(r"\{"):
                    return self.indicator(depth, r"\{", r"\}")
                if self.at("["):
                    return self.indicator(depth, "[", "]")
                if self.at("("):
                    return self.indicator(depth, "(", ")")
                if self.at("_"):
                    self.take()
                    self.expect("{")
                    node = self.indicator(depth, r"\{", r"\}") if self.at(r"\{") else self._bare_condition(depth)
                    self.expect("}")
                    return node
                raise self.fail("an indicator needs its condition: \\mathbb{1}\\{a = b\\}", t)
            if letter == "E":
                return self.expectation(t, depth)
            raise self.fail(f"unsupported \\mathbb{{{letter}}}", t)
        if v in _FUNCS:
            return Call(_FUNCS[v], (self.function_argument(depth),))
        if v in (r"\max", r"\min"):
            return self.max_min(v[1:], depth)
        if v == r"\sum":
            return self.sum_limits(t)
        if v == r"\lim":
            return self.limit(t)
        if v == r"\partial" and not self.at("_"):  # ∂L/∂b written inline
            operand = self.power(depth + 1)
            self.expect("/")
            self.expect(r"\partial")
            wrt = self.variable_group()
            return Deriv(operand, wrt)
        if v == r"\partial" and self.at("_"):  # \partial_{w} f|_{g = c}: a subdifferential at a kink
            self.take()
            return _Prefix("", kind="subdifferential", payload=(self.variable_group(),))
        if v == r"\{" and self._set_variable() is not None:
            return self.set_of(t, depth)
        if v == r"\nabla":
            if self.at("_"):
                self.take()
                wrts: tuple[Node, ...] = (self.variable_group(),)
            else:
                wrts = (self.default_variable(t),)
            return _Prefix("", kind="derivative", payload=wrts)
        if v == r"\begin" and self.environment() in ("matrix", "bmatrix", "pmatrix"):
            return self.column(t, depth)
        if v == r"\begin" and self.environment() == "cases":
            return self.cases(t, depth)
        if v == r"\operatorname":
            raise self.fail("\\operatorname needs a name in braces", t)
        raise self.fail(f"unsupported LaTeX command {v}", t)

    def _set_variable(self) -> str | None:
        """In ``\\{ f(t) | t \\in [a, b] \\}`` (cursor after ``\\{``): the letter t, found ahead."""
        level = 0
        for k in range(self.k, len(self.toks) - 2):
            v = self.toks[k].value
            if v in ("(", "[", "{", r"\{"):
                level += 1
            elif v in (")", "]", "}", r"\}"):
                if level == 0:
                    return None
                level -= 1
            elif level == 0 and v in ("|", r"\mid") and self.toks[k + 1].kind == "letter" \
                    and self.toks[k + 2].value == r"\in":
                return self.toks[k + 1].value
        return None

    def set_of(self, t: Tok, depth: int) -> Node:
        r"""``\{ f(t) \mid t \in [a, b] \}``: the values of f over an interval."""
        var = self._set_variable()
        assert var is not None
        self.bound.append(var)
        try:
            body = self.expr(depth + 1)
        finally:
            self.bound.pop()
        self.take()  # | or \mid
        self.take()  # the letter
        self.expect(r"\in")
        self.expect("[")
        lo = self.expr(depth + 1)
        self.expect(",")
        hi = self.expr(depth + 1)
        self.expect("]")
        self.expect(r"\}")
        return SetOf(body, var, lo, hi)

    def column(self, t: Tok, depth: int) -> Node:
        r"""``\begin{bmatrix} a \\ b \end{bmatrix}``: a column of values (one per row)."""
        name = self.environment()
        self.skip_environment_name()
        entries = [self.expr(depth + 1)]
        while self.at(r"\cr"):
            self.take()
            if self.at(r"\end"):
                break
            entries.append(self.expr(depth + 1))
        self.expect(r"\end")
        if self.environment() != name:
            raise self.fail(f"expected \\end{{{name}}} (one entry per row: only columns are read)", t)
        self.skip_environment_name()
        return Call("stack", tuple(entries))

    def environment(self) -> str:
        """The name in ``{...}`` at the cursor (``\\begin{cases}``), without moving."""
        if not self.at("{"):
            return ""
        lo, hi = self._group_tokens()
        return "".join(x.value for x in self.toks[lo:hi])

    def skip_environment_name(self) -> None:
        lo, hi = self._group_tokens()
        self.k = hi + 1

    def cases(self, t: Tok, depth: int) -> Node:
        r"""``\begin{cases} a & \text{if } c \\ b & \text{otherwise} \end{cases}``: a piecewise value."""
        self.skip_environment_name()
        rows: list[tuple[Node, Node | None]] = []
        while True:
            value = self.expr(depth + 1)
            if self.at(","):
                self.take()
            condition: Node | None = None
            if self.tok.kind == "word" and self.tok.value in ("if", "for", "when"):
                self.take()
                condition = self._bare_condition(depth)
            elif self.tok.kind == "word" and self.tok.value in ("otherwise", "else"):
                self.take()
            elif not self.at(r"\cr", r"\end"):
                raise self.fail("expected \\text{if} <comparison> or \\text{otherwise} in a case")
            rows.append((value, condition))
            if self.at(r"\cr"):
                self.take()
                continue
            break
        self.expect(r"\end")
        if self.environment() != "cases":
            raise self.fail("expected \\end{cases}", t)
        self.skip_environment_name()
        if rows[-1][1] is not None:
            raise self.fail("the last case must be \\text{otherwise}", t)
        node = rows[-1][0]
        for value, condition in reversed(rows[:-1]):
            if condition is None:
                raise self.fail("only the last case may be \\text{otherwise}", t)
            node = Call("where", (condition, value, node))
        return node

    def default_variable(self, t: Tok) -> Node:
        if self.ctx.default_variable is None:
            raise self.fail("\\nabla needs the variable below it, e.g. \\nabla_w", t)
        return Name(self.ctx.default_variable)

    def variable_group(self) -> Node:
        if self.at("{"):
            self.take()
            self.index_mode += 1
            try:
                node = self.power(1)
            finally:
                self.index_mode -= 1
            self.expect("}")
        else:
            self.index_mode += 1
            try:
                node = self.primary(1)
            finally:
                self.index_mode -= 1
        self._check_variable(node)
        return node

    def _check_variable(self, node: Node, scalars: bool = False) -> None:
        base = node
        while isinstance(base, Index) or (isinstance(base, Named) and isinstance(base.tree, Index)):
            base = base.tree if isinstance(base, Named) else base.base
        if isinstance(base, Named) and isinstance(base.tree, Concat):  # \tilde{W} = [W b]
            base = base.tree.left
        kinds = ("input", "scale") if scalars else ("input",)
        if not isinstance(base, Name) or base.id not in self.ctx.by_name or self.ctx.by_name[base.id].kind not in kinds:
            raise self.fail("expected a parameter to differentiate with respect to (a symbol or one of its entries)")

    def _is_derivative(self) -> bool:
        # \frac{\partial ...}{\partial ...} or \frac{d ...}{d ...}
        lo, hi = self._group_tokens()
        first = self.toks[lo]
        after = self.toks[hi + 1] if hi + 1 < len(self.toks) else None
        if first.value == "d" and (hi - lo > 1 and self.toks[lo + 1].value not in ("{", "^")
                                   and not self.toks[lo + 1].kind == "letter"):
            return False
        return after is not None and after.value == "{" and self.toks[hi + 2].value == first.value

    def derivative_frac(self, t: Tok, depth: int) -> Node:
        self.expect("{")
        mark = self.take().value  # \partial or d
        order = 1
        if self.at("^"):  # \partial^2 or \partial^{2}: the order, which the denominator repeats
            self.take()
            braced = self.at("{")
            if braced:
                self.take()
            if self.tok.kind != "num":
                raise self.fail("expected the order of the derivative, e.g. \\partial^2")
            order = int(self.take().value)
            if braced:
                self.expect("}")
        operand = None
        if not self.at("}"):
            operand = self.expr(depth + 1)
        self.expect("}")
        self.expect("{")
        wrts: list[Node] = []
        while self.at(mark):
            self.take()
            self.index_mode += 1
            try:
                var = self.power(depth + 1)
            finally:
                self.index_mode -= 1
            if isinstance(var, Bin) and var.op == "**" and isinstance(var.right, Num):
                wrts.extend([var.left] * int(var.right.value))
            else:
                wrts.append(var)
        self.expect("}")
        if not wrts:
            raise self.fail("expected \\partial w in the denominator", t)
        if len(wrts) != order:
            raise self.fail(f"a derivative of order {order} needs {order} variables below it, got {len(wrts)}", t)
        for w in wrts:
            self._check_variable(w)
        if operand is None:
            return _Prefix("", kind="derivative", payload=tuple(wrts))
        return self._derivative(operand, tuple(wrts))

    def expectation(self, t: Tok, depth: int) -> Node:
        noise = [s for s in self.ctx.symbols if s.kind == "noise"]
        if not noise:
            raise self.fail("this problem has no noise to take an expectation over", t)
        if self.at("_"):
            self.take()
            lo, hi = self._group_tokens()
            inner = self.toks[lo:hi]
            spelled = {sp for s in noise for sp in (s.spellings or (s.name,))}
            if not inner or inner[0].value not in spelled:
                raise self.fail("expected the expectation over the noise: \\mathbb{E}_{\\delta}", inner[0] if inner
                                else t)
            self.k = hi + (1 if self.at("{") else 0)
        if self.at("[", "("):
            opening = self.take().value
            inner_node = self.expr(depth + 1)
            self.expect("]" if opening == "[" else ")")
            return Expect(inner_node)
        if self.at("{"):
            return Expect(self.script_group(depth))
        return _Prefix("", kind="expectation", payload=())

    def indicator(self, depth: int, opening: str, closing: str) -> Node:
        self.expect(opening)
        node = self._bare_condition(depth)
        self.expect(closing)
        return node

    def _bare_condition(self, depth: int) -> Node:
        self.index_mode += 1
        try:
            left = self.expr(depth + 1)
            if not (self.tok.value in _RELATIONS and self.tok.kind in ("op", "cmd")):
                raise self.fail("expected a comparison (=, \\neq, <, \\le, >, \\ge) in the indicator")
            op = _RELATIONS[self.take().value]
            right = self.expr(depth + 1)
        finally:
            self.index_mode -= 1
        return Indicator(Compare(op, left, right))

    def limit(self, t: Tok) -> _Prefix:
        """``\\lim_{\\sigma \\to 0}`` or ``\\to \\infty``: over a scalar parameter."""
        self.expect("_")
        self.expect("{")
        key, used = self.name_key()
        target = self.spelled.get(key or "")
        if target is None or not target or target.startswith(("def:", "size:")) or self.ctx.by_name[target].shape:
            raise self.fail("\\lim needs a scalar parameter below it, e.g. \\lim_{\\sigma \\to 0}")
        self.k += used
        self.expect(r"\to")
        if self.at(r"\infty"):
            self.take()
            to = "inf"
        elif self.at("+") and self.peek().value == r"\infty":
            self.take()
            self.take()
            to = "inf"
        elif self.tok.value == "0":
            self.take()
            to = "0"
        else:
            raise self.fail("only limits to 0 and to \\infty are read")
        self.expect("}")
        return _Prefix("", kind="limit", payload=(target, to))

    def sum_limits(self, sum_tok: Tok) -> _Prefix:
        if not self.at("_"):
            raise self.fail("\\sum needs its index below it, e.g. \\sum_{j=1}^{N}", sum_tok)
        self.take()
        lo, hi = self._group_tokens()
        toks = self.toks[lo:hi]
        if not toks or toks[0].kind != "letter":
            raise self.fail("\\sum needs a single-letter index below it", toks[0] if toks else sum_tok)
        var = toks[0].value
        if len(toks) > 1 and toks[1].value == "'":  # c' : a primed letter is its own index
            var += "'"
            toks = toks[1:]
        excluded: Node | None = None
        if len(toks) > 2 and toks[1].value in (r"\neq", r"\ne"):  # \sum_{j \neq y_i}
            after = hi + (1 if self.at("{") else 0)
            self.k = lo + 2
            self.bound.append(var)
            self.index_mode += 1
            try:
                excluded = self.expr(1)
            finally:
                self.index_mode -= 1
                self.bound.pop()
            if self.k != hi:
                raise self.fail(f"expected \\sum_{{{var} \\neq ...}} with one expression after \\neq", self.tok)
            self.k = after
            lower = ""
        else:
            lower = "".join(t.value for t in toks[1:])
            self.k = hi + (1 if self.at("{") else 0)
        start: int | None = None
        if re.fullmatch(r"=[0-9]{1,3}", lower) and lower not in ("=0", "=1"):  # \sum_{i=2}^{N}: terms left out
            start, lower = int(lower[1:]) - 1, "=1"
        if lower not in ("", "=1", "=0"):
            raise self.fail(f"the sum over {var} must start at 1 (or 0)", toks[1])
        base = 0 if lower == "=0" else 1
        upper: Node | None = None
        if self.at("^"):
            self.take()
            upper = self.script_group(1)
        return _Prefix("", kind="sum", payload=(var, "", upper, base, excluded, start))


def _sub_number(t: Tok, parser: TokenStream) -> Node:
    parser.k = parser.toks.index(t) + 1
    return Num(int(t.value) - 1) if t.value.isdigit() else _number(t, parser)


def _one_based(item: Node) -> Node:
    """A written number inside a subscript counts from 1."""
    if isinstance(item, Num) and isinstance(item.value, int):
        return Num(item.value - 1)
    return item


def as_values(node: Node, var: str, base: int) -> Node:
    """``node`` with the sum variable ``var`` read as its written value where it is used as a number.

    A sum's variable holds its 0-based position (what an index needs); where it is a number
    (``\\sum_{j=1}^{N} j``, ``\\sigma^j``, the bound of an inner sum) it is the position plus the
    written lower bound.  Indices and comparisons (with labels, other indices) keep the position.
    """
    if base == 0:
        return node
    if isinstance(node, Name):
        return Bin("+", node, Num(base)) if node.id == var else node
    if isinstance(node, Index):
        return Index(as_values(node.base, var, base), node.items)
    if isinstance(node, Compare | Indicator):
        return node
    if isinstance(node, BoundedSum | SumOver) and node.var == var:
        return node
    if isinstance(node, BoundedSum):
        upper = None if node.upper is None else as_values(node.upper, var, base)
        return replace(node, body=as_values(node.body, var, base), upper=upper)
    return map_children(node, lambda child: as_values(child, var, base))


def bounded(node: Node, fresh: Mapping[str, tuple[str, str]]) -> Node:
    """A definition's ``sum(j_, ...)`` as a :class:`BoundedSum` over a fresh variable and the definition's size."""
    if isinstance(node, SumOver) and node.var in fresh:
        new, size = fresh[node.var]
        return BoundedSum(new, bounded(node.body, fresh), size, None, 0)
    return map_children(node, lambda child: bounded(child, fresh))


def _number(t: Tok, parser: TokenStream) -> Num:
    value: int | float = float(t.value) if "." in t.value else int(t.value)
    if abs(value) > MAX_CONSTANT:
        raise RefusedInput(f"the number {t.value:.40} is too large", text=parser.text, position=t.pos)
    exact = isinstance(value, float) and Fraction(t.value) != Fraction(repr(value))
    return Num(value, t.value if exact else None)  # the decimal as typed, when the float loses some of it
