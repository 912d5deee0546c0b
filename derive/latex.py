r"""LaTeX in the homework's notation, through a printer of ours.

SymPy's default printer writes ``X_{j,k}``, ``\delta_{i k}`` and ``\theta^{T}``;
the homework writes :math:`x^{(j)}_k`, :math:`\mathbb{1}\{y^{(j)} = i\}` and
:math:`\theta^\top`.  :class:`HomeworkPrinter` prints the homework's way:

* indexed samples as :math:`x^{(j)}_k`, parameters as :math:`w_{i,k}`;
* sums with 0-based indices shown 1-based (:math:`\sum_{j=1}^{N}`);
* a sum of two indexed vectors over their last index as a dot product
  (:math:`w_i^\top x^{(j)}`), of a squared one as :math:`\|\theta\|_2^2`;
* Kronecker deltas as indicators :math:`\mathbb{1}\{y^{(j)} = i\}` and
  Heaviside steps as :math:`\mathbb{1}\{\cdot\}`;
* transposes as :math:`^\top`, expectations as :math:`\mathbb{E}_\delta[\cdot]`.

Examples
--------
>>> import sympy as sp
>>> from derive.notation import X, THETA, Y
>>> j, k = sp.symbols("j k", integer=True)
>>> d, N = sp.symbols("d N", integer=True, positive=True)
>>> to_latex(sp.Sum(THETA[k] ** 2, (k, 0, d - 1)))
'\\|\\theta\\|_2^2'
>>> to_latex(sp.Sum((Y[j] - sp.Sum(X[j, k] * THETA[k], (k, 0, d - 1))) ** 2, (j, 0, N - 1)))
'\\sum_{j=1}^{N} \\left(y^{(j)} - x^{(j)\\top} \\theta\\right)^{2}'
>>> i = sp.Symbol("i", integer=True)
>>> to_latex(sp.KroneckerDelta(i, Y[j]))
'\\mathbb{1}\\{y^{(j)} = i\\}'
>>> to_latex(sp.Transpose(sp.MatrixSymbol("X", N, d)))
'X^\\top'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from derive.notation import DEFAULT_NOTATION

if TYPE_CHECKING:
    from derive.core import Derivation, StepResult

__all__ = ["HomeworkPrinter", "to_latex", "derivation_latex", "derivation_markdown", "derivation_display", "escape_text"]

#: parameters written after the sample in a dot product (x^{(j)T} theta), as the homework does.
_DOT_LAST = {"theta"}

#: symbol name -> LaTeX, for names SymPy would print poorly.
DEFAULT_SYMBOLS: dict[str, str] = {
    "L": "L(\\theta)",
    "Ltilde": "\\tilde{L}(\\theta)",
    "LL": "\\mathcal{L}",
    "R": "R",
    "sigma": "\\sigma",
    "lambda": "\\lambda",
}


class HomeworkPrinter(LatexPrinter):
    """A SymPy LaTeX printer that writes the homework's notation.

    Parameters
    ----------
    notation : mapping, optional
        ``{indexed base name: (latex name, style)}`` overriding
        :data:`derive.notation.DEFAULT_NOTATION`.
    symbols : mapping, optional
        ``{symbol name: latex}`` overriding :data:`DEFAULT_SYMBOLS`.
    """

    printmethod = "_homework_latex"

    def __init__(self, notation: Mapping[str, tuple[str, str]] | None = None,
                 symbols: Mapping[str, str] | None = None, **settings: Any) -> None:
        super().__init__(settings)
        self.notation = {**DEFAULT_NOTATION, **(notation or {})}
        self.symbol_names = {**DEFAULT_SYMBOLS, **(symbols or {})}

    def _print(self, expr: Any, **kwargs: Any) -> str:
        # Our printmethod replaces SymPy's ``_latex``; keep the objects that print
        # themselves that way (oo, -oo, zoo, nan, ...) unless they define ours.
        if not isinstance(expr, type) and not hasattr(expr, self.printmethod) and hasattr(expr, "_latex"):
            return expr._latex(self, **kwargs)
        return super()._print(expr, **kwargs)

    # -- names ---------------------------------------------------------------
    def _base(self, base: sp.IndexedBase) -> tuple[str, str]:
        name = str(base.label)
        return self.notation.get(name, (self._print(base.label), "param"))

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr.name in self.symbol_names:
            return self.symbol_names[expr.name]
        return super()._print_Symbol(expr)

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        name, style = self._base(expr.base)
        idx = [self._print(i) for i in expr.indices]
        if style == "sample":
            sup = f"^{{({idx[0]})}}"
            return f"{name}{sup}" + (f"_{{{','.join(idx[1:])}}}" if len(idx) > 1 else "")
        return f"{name}_{{{','.join(idx)}}}"

    def _vector(self, x: sp.Indexed, transposed: bool) -> str:
        """Name of the vector an indexed element belongs to (all indices but the last)."""
        name, style = self._base(x.base)
        rest = [self._print(i) for i in x.indices[:-1]]
        t = "\\top" if transposed else ""
        if style == "sample" and rest:
            return f"{name}^{{({rest[0]}){t}}}" + (f"_{{{','.join(rest[1:])}}}" if len(rest) > 1 else "")
        sub = f"_{{{','.join(rest)}}}" if rest else ""
        return f"{name}{sub}" + (f"^{t}" if t else "")

    # -- arithmetic layout -----------------------------------------------------
    def _needs_mul_brackets(self, expr: Any, first: bool = False, last: bool = False) -> bool:
        if isinstance(expr, (sp.Heaviside, sp.KroneckerDelta, sp.Indexed)):
            return False  # printed as 1{...} or x^{(j)}_k: self-delimiting
        if isinstance(expr, sp.Sum) and self._dot(expr) is not None:
            return False  # a dot product, not a big operator
        return super()._needs_mul_brackets(expr, first=first, last=last)

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        # Constants first, as the homework writes them: 1 - p, not -p + 1.
        terms = list(self._as_ordered_terms(expr, order=order))
        consts = [t for t in terms if t.is_Number and t > 0]
        if consts and len(terms) > 1:
            rest = [t for t in terms if t not in consts]
            tex = self._print(consts[0])
            for t in consts[1:] + rest:
                if t.could_extract_minus_sign():
                    tex += " - "
                    t = -t
                else:
                    tex += " + "
                tt = self._print(t)
                tex += f"\\left({tt}\\right)" if self._needs_add_brackets(t) else tt
            return tex
        return super()._print_Add(expr, order=order)

    def _print_Mul(self, expr: sp.Mul) -> str:
        # (1/K) * Sum(...) prints as \frac{1}{K} \sum ..., not \frac{\sum ...}{K}.
        factors = sp.Mul.make_args(expr)
        if any(isinstance(f, sp.Sum) for f in factors):
            num, den = sp.fraction(sp.Mul(*[f for f in factors if not isinstance(f, sp.Sum)]))
            if den != 1:
                sums = [f for f in factors if isinstance(f, sp.Sum)]
                sign = ""
                if num.could_extract_minus_sign():
                    sign, num = "- ", -num
                if num.is_Number:  # (2/N) * Sum prints as \frac{2}{N} \sum ...
                    head, rest = self._print(num), sp.Mul(*sums, evaluate=False)
                else:
                    head, rest = "1", sp.Mul(num, *sums, evaluate=False)
                return f"{sign}\\frac{{{head}}}{{{self._print(den)}}} {self._print(rest)}"
        # y^{(i)} (w^T x^{(i)} + b): labels before the bracket, as the homework writes the margin.
        if all(isinstance(f, (sp.Indexed, sp.Add)) for f in factors) and any(isinstance(f, sp.Add) for f in factors):
            idx = [self._print(f) for f in factors if isinstance(f, sp.Indexed)]
            adds = [f"\\left({self._print(f)}\\right)" for f in factors if isinstance(f, sp.Add)]
            return " ".join(idx + adds)
        return super()._print_Mul(expr)

    # -- operators -----------------------------------------------------------
    def _print_Pow(self, expr: sp.Pow) -> str:
        base, exp = expr.args
        if isinstance(base, sp.Indexed) and exp.is_Integer and exp > 0 and self._base(base.base)[1] == "sample":
            return f"\\left({self._print(base)}\\right)^{{{self._print(exp)}}}"
        return super()._print_Pow(expr)

    def _dot(self, expr: sp.Sum) -> str | None:
        """Print ``Sum(a[..., l] * b[..., l])`` over a full range as a dot product."""
        if len(expr.limits) != 1:
            return None
        var, lo, _hi = expr.limits[0]
        if lo != 0:
            return None
        f = expr.function
        if isinstance(f, sp.Pow) and f.exp == 2 and isinstance(f.base, sp.Indexed) and f.base.indices[-1] == var \
                and not any(var in i.free_symbols for i in f.base.indices[:-1]):
            return f"\\|{self._vector(f.base, False)}\\|_2^2"
        if isinstance(f, sp.Mul) and len(f.args) == 2 and all(isinstance(a, sp.Indexed) for a in f.args):
            a, b = f.args
            if a.indices[-1] == var and b.indices[-1] == var and not any(
                    var in i.free_symbols for x in (a, b) for i in x.indices[:-1]):
                first, second = (a, b) if self._order_key(a) <= self._order_key(b) else (b, a)
                return f"{self._vector(first, True)} {self._vector(second, False)}"
        return None

    def _order_key(self, x: sp.Indexed) -> int:
        name = str(x.base.label)
        style = self._base(x.base)[1]
        if name in _DOT_LAST:
            return 2
        return 0 if style == "param" else 1

    def _print_Sum(self, expr: sp.Sum) -> str:
        dot = self._dot(expr)
        if dot is not None:
            return dot
        heads = []
        for var, lo, hi in expr.limits:
            if lo == 0:
                heads.append(f"\\sum_{{{self._print(var)}=1}}^{{{self._print(hi + 1)}}}")
            else:
                heads.append(f"\\sum_{{{self._print(var)}={self._print(lo)}}}^{{{self._print(hi)}}}")
        body = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            body = f"\\left({body}\\right)"
        return " ".join(heads) + " " + body

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta, exp: Any = None) -> str:
        a, b = expr.args
        if isinstance(a, sp.Indexed) and not isinstance(b, sp.Indexed):
            a, b = b, a
        tex = f"\\mathbb{{1}}\\{{{self._print(b)} = {self._print(a)}\\}}"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Heaviside(self, expr: sp.Heaviside, exp: Any = None) -> str:
        arg = expr.args[0]
        h0 = expr.args[1] if len(expr.args) > 1 else sp.Rational(1, 2)
        # Heaviside(c - p) is 1{p < c} (1{p <= c} when the kink value is 1).
        const, rest = arg.as_coeff_Add()
        if const != 0 and rest.could_extract_minus_sign():
            lhs, rhs = self._print(-rest), self._print(const)
            op = {0: "<", 1: "\\le"}.get(h0)
        else:
            lhs, rhs = self._print(arg), "0"
            op = {0: ">", 1: "\\ge"}.get(h0)
        if op is None:
            tex = f"H_{{{self._print(h0)}}}\\left({self._print(arg)}\\right)"
        else:
            tex = f"\\mathbb{{1}}\\{{{lhs} {op} {rhs}\\}}"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        arg = expr.arg
        inner = self._print(arg)
        if not isinstance(arg, sp.MatrixSymbol):
            inner = f"\\left({inner}\\right)"
        return f"{inner}^\\top"

    def _print_Expect(self, expr: Any) -> str:
        body, over = expr.args
        sub = self._print(over.label) if isinstance(over, sp.IndexedBase) else self._print(over)
        name = self.notation.get(sub, (sub, ""))[0]
        return f"\\mathbb{{E}}_{{{name}}}\\left[{self._print(body)}\\right]"

    def _print_Grad(self, expr: Any) -> str:
        body, wrt = expr.args
        return f"\\nabla_{{{self._print(wrt)}}} {self._print(body)}"

    def _print_OneMatrix(self, expr: Any) -> str:
        return "\\mathbf{1}"

    def _print_Identity(self, expr: Any) -> str:
        return "I"


def to_latex(expr: Any, **kwargs: Any) -> str:
    """Render ``expr`` in the homework's notation (keyword arguments go to :class:`HomeworkPrinter`)."""
    if isinstance(expr, sp.Equality):
        return f"{to_latex(expr.lhs, **kwargs)} = {to_latex(expr.rhs, **kwargs)}"
    return HomeworkPrinter(**kwargs).doprint(expr)


_TEXT_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "$": r"\$",
    "{": r"\{", "}": r"\}", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}


def escape_text(s: str) -> str:
    r"""Escape LaTeX's special characters in running text (one pass, so replacements are not re-escaped).

    >>> escape_text("1{p < 1} & 50% of x_i^2")
    '1\\{p \\textless{} 1\\} \\& 50\\% of x\\_i\\textasciicircum{}2'
    """
    return "".join(_TEXT_SPECIALS.get(ch, ch) for ch in s)


def derivation_latex(d: Derivation, results: list[StepResult] | None = None) -> str:
    """The derivation as LaTeX: one numbered paragraph and one display per step."""
    kw = {"notation": getattr(d, "notation", None)}
    lines = [f"% derivation: {d.key}", "\\begin{enumerate}"]
    for n, s in enumerate(d.steps):
        why = f" \\emph{{({escape_text(s.why)})}}" if s.why else ""
        status = ""
        if results is not None:
            r = results[n]
            status = f" \\hfill{{\\small [{r.status if r.ok else 'FAILED'}: {escape_text(r.method)}]}}"
        lines.append(f"\\item {escape_text(s.text)}{why}{status}")
        lines.append("\\begin{dmath*}")
        lines.append(f"{to_latex(s.lhs, **kw)} = {to_latex(s.rhs, **kw)}")
        lines.append("\\end{dmath*}")
    lines.append("\\end{enumerate}")
    return "\n".join(lines)


def _mathjax_text(s: str) -> str:
    return s.replace("\\", "").replace("{", "(").replace("}", ")").replace("$", "")


def derivation_display(d: Derivation) -> str:
    """The derivation as one ``aligned`` display that MathJax renders (Jupyter's ``text/latex``)."""
    kw = {"notation": getattr(d, "notation", None)}
    rows = [f"{to_latex(s.lhs, **kw)} &= {to_latex(s.rhs, **kw)} && \\text{{{n}. {_mathjax_text(s.text)} [{s.check}]}}"
            for n, s in enumerate(d.steps, 1)]
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"


def derivation_markdown(d: Derivation) -> str:
    """The derivation as Markdown with MathJax displays (for Jupyter)."""
    kw = {"notation": getattr(d, "notation", None)}
    out = [f"**{d.title}**", ""]
    if d.symbols:
        out += [f"- `{name}`: {desc}" for name, desc in d.symbols.items()] + [""]
    for n, s in enumerate(d.steps, 1):
        why = f" *({s.why})*" if s.why else ""
        out.append(f"{n}. {s.text}{why} — checked: {s.check}")
        out.append("")
        out.append(f"$$ {to_latex(s.lhs, **kw)} = {to_latex(s.rhs, **kw)} $$")
        out.append("")
    return "\n".join(out)
