r"""Problem 3 (and problem 5's maths): the softmax log-likelihood and its gradients.

Classes :math:`i = 0..c-1`, samples :math:`x^{(j)} \in \mathbb{R}^n`, :math:`j = 0..m-1`,
scores :math:`a_i(x) = w_i^\top x + b_i` and the model
:math:`P(y \mid x, \theta) = \operatorname{softmax}_y(x) = e^{a_y(x)} / \sum_k e^{a_k(x)}`.
:func:`derivation` derives, for symbolic :math:`m, n, c`,

.. math::

    \nabla_{w_{i,p}} \mathcal{L} = \sum_j \left(\mathbb{1}\{y^{(j)} = i\}
        - \operatorname{softmax}_i(x^{(j)})\right) x^{(j)}_p, \qquad
    \nabla_{b_i} \mathcal{L} = \sum_j \left(\mathbb{1}\{y^{(j)} = i\}
        - \operatorname{softmax}_i(x^{(j)})\right),

their matrix forms :math:`(Y - P)^\top X` and :math:`(Y - P)^\top \mathbf{1}`, the bias
trick, the classifier's mean loss :math:`-\mathcal{L}/m` with gradient
:math:`(P - Y)^\top \tilde{X} / m`, and the initial loss :math:`\log c` at
:math:`\tilde{W} = 0`.  The numpy functions lambdified from these results are in
:mod:`derive.softmax.functions`.

Examples
--------
>>> from derive.latex import to_latex
>>> d = derivation()
>>> d.step("dw").rhs
Sum((KroneckerDelta(i, y[j]) - softmax(i, j))*X[j, p], (j, 0, m - 1))
>>> d.step("db").rhs
Sum(KroneckerDelta(i, y[j]) - softmax(i, j), (j, 0, m - 1))
>>> d.step("dW").rhs  # (Y - P)^T X, printed by SymPy
(-P + Y).T*X
>>> print(to_latex(d.step("loss-grad").rhs))
\frac{1}{m} \left(P - Y\right)^\top \tilde{X}
>>> d.step("initial-loss").rhs
log(c)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sympy as sp

from derive.core import Derivation, Step
from derive.notation import B, Grad, W, X
from derive.notation import Y as LABEL
from derive.matrix_forms import EntryMatrix, InOrder, OnesRow, explicit_entries
from derive.zero import collapse_deltas

__all__ = [
    "derivation", "softmax", "Likelihood", "Score", "AtZero", "MATRICES",
]

m, n, c = sp.symbols("m n c", integer=True, positive=True)
i, j, k, l, p = sp.symbols("i j k l p", integer=True)
XT = sp.IndexedBase("Xt", real=True)  # x~^(j)_l: x^(j) with a 1 appended as entry l = n
WT = sp.IndexedBase("Wt", real=True)  # w~_{i,l}: w_i with b_i appended as entry l = n
PE = sp.IndexedBase("P", real=True)   # P[j, i]: a name for softmax_i(x^(j)) in the exact checks
LL, LOSS = sp.Symbol("LL"), sp.Symbol("L")

#: The matrix symbols of the matrix forms (LaTeX names; see :func:`derive.softmax.functions.numpy_names`).
MATRICES: dict[str, sp.MatrixSymbol] = {
    "X": sp.MatrixSymbol("X", m, n), "W": sp.MatrixSymbol("W", c, n), "b": sp.MatrixSymbol("b", c, 1),
    "Y": sp.MatrixSymbol("Y", m, c), "P": sp.MatrixSymbol("P", m, c), "ell": sp.MatrixSymbol("ell", m, 1),
    "Xt": sp.MatrixSymbol(r"\tilde{X}", m, n + 1), "Wt": sp.MatrixSymbol(r"\tilde{W}", c, n + 1),
}


class softmax(sp.Function):  # noqa: N801 - prints as the homework's lower-case name
    r"""``softmax(i, j)`` is :math:`\operatorname{softmax}_i(x^{(j)})` (a name; see :func:`softmax_of`)."""

    nargs = 2

    def _homework_latex(self, printer: Any) -> str:
        ii, jj = (printer._print(a) for a in self.args)
        return rf"\operatorname{{softmax}}_{{{ii}}}\left(x^{{({jj})}}\right)"


class Likelihood(sp.Function):
    r"""``Likelihood(y_j, j)`` is :math:`P(y^{(j)} \mid x^{(j)}, \theta)`."""

    nargs = 2

    def _homework_latex(self, printer: Any) -> str:
        label, jj = (printer._print(a) for a in self.args)
        return rf"P\left({label} \mid x^{{({jj})}}, \theta\right)"


class Score(sp.Function):
    r"""``Score(i, j)`` is the score :math:`a_i(x^{(j)})`."""

    nargs = 2

    def _homework_latex(self, printer: Any) -> str:
        ii, jj = (printer._print(a) for a in self.args)
        return rf"a_{{{ii}}}\left(x^{{({jj})}}\right)"


class AtZero(sp.Function):
    r"""``AtZero(e)`` is :math:`e` evaluated at :math:`\tilde{W} = 0` (a left-hand side label)."""

    nargs = 1

    def _homework_latex(self, printer: Any) -> str:
        return rf"\left. {printer._print(self.args[0])} \right|_{{\tilde{{W}} = 0}}"


def score(ii: Any, jj: Any) -> sp.Expr:
    r""":math:`a_i(x^{(j)}) = w_i^\top x^{(j)} + b_i`."""
    return sp.Sum(W[ii, l] * X[jj, l], (l, 0, n - 1)) + B[ii]


def score_tilde(ii: Any, jj: Any) -> sp.Expr:
    r""":math:`\tilde{w}_i^\top \tilde{x}^{(j)}` (bias trick: one more entry)."""
    return sp.Sum(WT[ii, l] * XT[jj, l], (l, 0, n))


def softmax_of(ii: Any, jj: Any, a: Callable[[Any, Any], sp.Expr] = score) -> sp.Expr:
    r""":math:`e^{a_i(x^{(j)})} / \sum_k e^{a_k(x^{(j)})}`."""
    return sp.exp(a(ii, jj)) / sp.Sum(sp.exp(a(k, jj)), (k, 0, c - 1))


# -- normalisers used by the step checks ----------------------------------------------------

def _chain(*fs: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Apply ``fs`` in turn, then expand (a compact difference keeps the generic checks fast)."""
    return lambda e: sp.expand(functools.reduce(lambda acc, f: f(acc), fs, e))


def _expand_names(e: Any) -> Any:
    """Substitute the definitions of the named softmax, likelihood and score."""
    e = e.replace(softmax, lambda ii, jj: softmax_of(ii, jj))
    e = e.replace(Likelihood, lambda label, jj: softmax_of(label, jj))
    return e.replace(Score, lambda ii, jj: score(ii, jj))


def _untilde(e: Any, *, free: bool = False) -> Any:
    """Undo the bias trick: split entry ``l = n`` off sums over ``0..n``; x~_n = 1, w~_{i,n} = b_i.

    The other entries x~_l, w~_{i,l} are x_l, w_{i,l} when ``l`` is a summation index of
    the split sums (so ``l <= n - 1``), or, with ``free=True``, also the free index
    ``p`` (the step then assumes ``p <= n - 1``).
    """
    def peel(s: Any) -> Any:
        var, lo, hi = s.limits[0]
        head, last = type(s)(s.function, (var, lo, hi - 1)), s.function.xreplace({var: hi})
        return head + last if isinstance(s, sp.Sum) else head * last

    def plain(x: Any) -> Any:
        if x.indices[1] == n:
            return sp.Integer(1) if x.base == XT else B[x.indices[0]]
        if x.indices[1] == p and not free:
            return x
        return (X if x.base == XT else W)[x.indices]

    e = e.replace(lambda x: isinstance(x, (sp.Sum, sp.Product)) and len(x.limits) == 1
                  and x.limits[0][2] == n and (x.has(XT) or x.has(WT)), peel)
    return e.replace(lambda x: isinstance(x, sp.Indexed) and x.base in (XT, WT), plain)


def _collapse(assume: dict[Any, tuple[Any, Any]]) -> Callable[[Any], Any]:
    return lambda e: collapse_deltas(e, assume)


def _zero_weights(e: Any) -> Any:
    """Set every weight and bias (plain or bias-trick) to zero."""
    return e.replace(lambda x: isinstance(x, sp.Indexed) and x.base in (W, B, WT), lambda x: sp.Integer(0))


def _entries(**extra: Callable[[int, int], Any]) -> Callable[[Any], Any]:
    """Exact-check normaliser: matrix symbols -> explicit entries in the index forms' notation."""
    rules = {
        "X": lambda r, s: X[r, s], "W": lambda r, s: W[r, s], "b": lambda r, s: B[r],
        "Y": lambda r, s: sp.KroneckerDelta(s, LABEL[r]), "P": lambda r, s: PE[r, s],
        r"\tilde{X}": lambda r, s: XT[r, s], r"\tilde{W}": lambda r, s: WT[r, s], **extra,
    }
    shapes = {M.name: M.shape for M in MATRICES.values()}
    # softmax_i(x^(j)) -> P[j, i]: the matrix identities hold whatever the probabilities are.
    return explicit_entries(rules, shapes, rename=lambda e: e.replace(softmax, lambda ii, jj: PE[jj, ii]))


#: Concrete sizes for the exact checks (labels drawn in 0..c-1).
SIZES = ({m: 2, n: 2, c: 3, LABEL: ("int", 0, c - 1)}, {m: 3, n: 1, c: 2, LABEL: ("int", 0, c - 1)})


def _as_matrix(rows: Any, cols: Any, scale: Any = 1) -> Callable[[Any], Any]:
    """Rule: collect the entries (i, p) of an index form into a rows x cols matrix (times ``scale``)."""
    return lambda e: EntryMatrix(rows, cols, i, p, scale * e)


def _steps() -> list[Step]:
    M = MATRICES
    yj, d_iy = LABEL[j], sp.KroneckerDelta(i, LABEL[j])
    A_w, A_wt = {i: (0, c - 1), p: (0, n - 1)}, {i: (0, c - 1), p: (0, n)}
    one_m, one_c, ones_row = sp.OneMatrix(m, 1), sp.OneMatrix(c, 1), OnesRow(1, m)
    y_minus_p, p_minus_y = sp.Transpose(InOrder(M["Y"], -M["P"])), sp.Transpose(InOrder(M["P"], -M["Y"]))
    lse = lambda a: lambda r, s: sp.log(sp.Sum(sp.exp(a(k, r)), (k, 0, c - 1)))  # noqa: E731
    ll_tilde = sp.Sum(score_tilde(yj, j) - sp.log(sp.Sum(sp.exp(score_tilde(k, j)), (k, 0, c - 1))), (j, 0, m - 1))
    dwt = sp.Sum((d_iy - softmax(i, j)) * XT[j, p], (j, 0, m - 1))
    return [
        Step("The model: the softmax of the scores.", softmax(i, j), softmax_of(i, j), check="definition",
             why="a_i(x), the score of class i, is w_i dot x plus b_i", label="softmax-def"),
        Step("The log-likelihood of the labels.", LL, sp.Sum(sp.log(Likelihood(yj, j)), (j, 0, m - 1)),
             check="definition", label="LL-def"),
        Step("Insert the softmax model.", LL, sp.Sum(sp.log(softmax_of(yj, j)), (j, 0, m - 1)),
             why="the model: the probability of label y given x is softmax_y(x)", simplify=_chain(_expand_names),
             label="LL-model"),
        Step("Split the logarithm.", LL, sp.Sum(score(yj, j) - sp.log(sp.Sum(sp.exp(score(k, j)), (k, 0, c - 1))),
                                                 (j, 0, m - 1)),
             why="log(u/v) = log u - log v and log exp(a) = a; the sum of exponentials is positive",
             simplify=_chain(lambda e: sp.expand_log(e, force=True)), label="LL"),
        Step("Differentiate with respect to w_(i,p).", Grad(LL, W[i, p]),
             sp.Sum((d_iy - softmax_of(i, j)) * X[j, p], (j, 0, m - 1)),
             why="the derivative of a_k by w_(i,p) is x_p if k = i and 0 otherwise; the Kronecker deltas collapse "
                 "the sums over k and l",
             rule=lambda e: sp.diff(e, W[i, p]), assume=A_w, simplify=_chain(_collapse(A_w)), label="dw-expanded"),
        Step("Name the softmax.", Grad(LL, W[i, p]), sp.Sum((d_iy - softmax(i, j)) * X[j, p], (j, 0, m - 1)),
             why="definition of softmax_i", simplify=_chain(_expand_names), label="dw"),
        Step("Differentiate with respect to b_i.", Grad(LL, B[i]), sp.Sum(d_iy - softmax_of(i, j), (j, 0, m - 1)),
             why="the derivative of a_k by b_i is 1 if k = i and 0 otherwise", rule=lambda e: sp.diff(e, B[i]),
             assume={i: (0, c - 1)}, simplify=_chain(_collapse({i: (0, c - 1)})), follows="LL", label="db-expanded"),
        Step("Name the softmax.", Grad(LL, B[i]), sp.Sum(d_iy - softmax(i, j), (j, 0, m - 1)),
             why="definition of softmax_i", simplify=_chain(_expand_names), label="db"),
        Step("Collect the entries (i, p) into a matrix: Y is the one-hot matrix of the labels, "
             "P the matrix of probabilities.", Grad(LL, M["W"]), sp.MatMul(y_minus_p, M["X"]),
             why="entry (i, p) of the transpose of Y - P times X is the sum over j of (Y_ji - P_ji) x_jp",
             check="exact", sizes=SIZES, rule=_as_matrix(c, n), simplify=_entries(), follows="dw", label="dW"),
        Step("The same for the biases.", Grad(LL, M["b"]), sp.MatMul(y_minus_p, one_m),
             why="1 is the vector of m ones", check="exact", sizes=SIZES, rule=_as_matrix(c, 1),
             simplify=_entries(), follows="db", label="db-matrix"),
        Step("The log-likelihood in matrix form: Y picks each sample's true-class score out of its row of "
             "scores; ell holds each row's log-sum-exp.", LL,
             sp.MatMul(ones_row, InOrder(sp.MatMul(sp.HadamardProduct(M["Y"], InOrder(
                 sp.MatMul(M["X"], M["W"].T), sp.MatMul(one_m, M["b"].T))), one_c), -M["ell"])),
             check="exact", sizes=SIZES, rule=_as_matrix(1, 1), simplify=_entries(ell=lse(score)),
             follows="LL", label="LL-matrix"),
        Step("The score of class i.", Score(i, j), score(i, j), check="definition", label="score"),
        Step("Bias trick: append a 1 to x and b_i to w_i.", Score(i, j), score_tilde(i, j),
             why="x-tilde is x with a 1 appended, w-tilde_i is w_i with b_i appended: the last term is b_i times 1",
             simplify=_chain(_untilde), label="bias-trick"),
        Step("The log-likelihood with the bias trick.", LL, ll_tilde, simplify=_chain(_untilde), follows="LL",
             label="LL-tilde"),
        Step("Differentiate with respect to w-tilde_(i,p), p = 0..n.", Grad(LL, WT[i, p]), dwt,
             why="the same computation as for w_(i,p)", rule=lambda e: sp.diff(e, WT[i, p]), assume=A_wt,
             simplify=_chain(_collapse(A_wt), _expand_names, _untilde), label="dwt"),
        Step("Its first n entries (p = 0..n - 1) are the gradient with respect to w_i.", Grad(LL, WT[i, p]),
             sp.Sum((d_iy - softmax(i, j)) * X[j, p], (j, 0, m - 1)), why="x-tilde_p is x_p for p = 0..n - 1",
             simplify=_chain(functools.partial(_untilde, free=True)), follows="dwt", label="dwt-w"),
        Step("Its last entry (p = n) is the gradient with respect to b_i.", Grad(LL, WT[i, n]),
             sp.Sum(d_iy - softmax(i, j), (j, 0, m - 1)), why="x-tilde_n is 1", rule=lambda e: e.subs(p, n),
             simplify=_chain(_untilde), follows="dwt", label="dwt-b"),
        Step("The classifier's loss (problem 5) is the mean negative log-likelihood.", LOSS,
             -ll_tilde / m, rule=lambda e: -e / m, simplify=_chain(), follows="LL-tilde", label="loss"),
        Step("Its gradient in matrix form, with W-tilde of shape (c, n + 1) as in problem 5 (scores: X-tilde times "
             "W-tilde transposed).",
             Grad(LOSS, M["Wt"]), sp.MatMul(1 / m, p_minus_y, M["Xt"]), check="exact", sizes=SIZES,
             rule=_as_matrix(c, n + 1, -1 / m), simplify=_entries(), follows="dwt", label="loss-grad"),
        Step("The loss in matrix form.", LOSS,
             sp.MatMul(-1 / m, ones_row, InOrder(sp.MatMul(sp.HadamardProduct(
                 M["Y"], sp.MatMul(M["Xt"], M["Wt"].T)), one_c), -M["ell"])),
             check="exact", sizes=SIZES, rule=_as_matrix(1, 1), simplify=_entries(ell=lse(score_tilde)),
             follows="loss", label="loss-matrix"),
        Step("At zero weights every class is equally likely.", AtZero(softmax(i, j)), 1 / c,
             why="exp(0) = 1 for each of the c classes", rule=lambda e: _zero_weights(e).doit(),
             follows="softmax-def", label="softmax-zero"),
        Step("So the initial loss is log c.", AtZero(LOSS), sp.log(c), why="-(1/m) sum_j log(1/c) = log c",
             rule=lambda e: _zero_weights(e).doit(), follows="loss", label="initial-loss"),
        Step("For CIFAR-10 (c = 10) that is log 10 = 2.302585...: why the first loss is about 2.3.",
             AtZero(LOSS), sp.log(10), rule=lambda e: e.subs(c, 10), label="cifar"),
    ]


@functools.cache
def derivation() -> Derivation:
    """The softmax derivation (problem 3, and problem 5's loss), every step machine-checked."""
    return Derivation(
        "softmax",
        "Softmax log-likelihood and its gradients",
        _steps(),
        symbols={
            "m, n, c": "numbers of samples, features and classes",
            "x^{(j)}_l": "feature l of sample j; X of shape (m, n)",
            "y^{(j)}": "label of sample j, an integer in 0..c-1",
            "w_{i,l}, b_i": "weight l and bias of class i; W of shape (c, n), b of shape (c,)",
            "Y, P": "one-hot labels and softmax probabilities, shape (m, c)",
            "ell": "log-sum-exp of each sample's scores, shape (m, 1)",
            "X~, W~": "X with a column of ones (m, n + 1); W with b as last column (c, n + 1)",
        },
        results=("dw", "db", "dW", "db-matrix", "loss-grad", "initial-loss"),
        notation={"Xt": (r"\tilde{x}", "sample"), "Wt": (r"\tilde{w}", "param")},
    )
