r"""The multiclass (Weston–Watkins) SVM of the CS231n assignment: its subgradient, matrix form, kink, initial loss.

Samples :math:`x_i \in \mathbb{R}^D` as the rows of :math:`X` (N, D), weights :math:`W` (D, C),
scores :math:`s_{ij} = x_i^\top w_j`, margins :math:`m_{ij} = s_{ij} - s_{i y_i} + \Delta`, and

.. math::

    L(W) = \frac{1}{N} \sum_{i=1}^{N} \sum_{j \ne y_i} \max(0, m_{ij}) + \lambda \|W\|_F^2 .

:func:`derivation` derives, for symbolic :math:`N, D, C`, the subgradient

.. math::

    \frac{\partial L}{\partial W_{dk}} = \frac{1}{N} \sum_{i=1}^{N} x_{id} \Big(
        (1 - \mathbb{1}\{y_i = k\})\, \mathbb{1}\{m_{ik} > 0\}
        - \mathbb{1}\{y_i = k\} \sum_{j \ne y_i} \mathbb{1}\{m_{ij} > 0\} \Big) + 2 \lambda W_{dk},

its matrix form :math:`\frac1N X^\top M + 2\lambda W` with the mask :math:`M`, the
subdifferential of one term at its kink (:math:`m_{ij} = 0`), and the loss at
:math:`W = 0`, :math:`(C - 1)\Delta`.  The sum over :math:`j \ne y_i` is written with the
factor :math:`1 - \mathbb{1}\{j = y_i\}`.  SymPy differentiates :math:`\max(0, u)` to
``Heaviside(u)``; the value at the kink is made an explicit parameter :math:`h` (as for the
binary hinge, :mod:`derive.hinge.maths`): the assignment's ``margin > 0`` is :math:`h = 0`,
``margin >= 0`` is :math:`h = 1`, and both are subgradients.

Examples
--------
>>> d = derivation()
>>> d.step("initial-loss").rhs
Delta*(C - 1)
>>> d.step("dW").rhs
(2*lambda)*W + 1/N*X.T*M
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sympy as sp

from derive.core import Derivation, Step
from derive.matrix_forms import canonical_sums, index_normaliser, linear_sums
from derive.notation import Grad, W, X
from derive.notation import Y as LABEL
from derive.zero import collapse_deltas, drop_range_guards

__all__ = [
    "derivation", "margin", "score", "mask_entry", "Score", "Margin", "SvmLoss", "AtZero", "Entry", "PairSubdiff",
    "MATRICES", "N", "D", "C", "DELTA", "LAM", "H_KINK", "i", "j", "k", "d",
]

N, D, C = sp.symbols("N D C", integer=True, positive=True)
i, j, k, d, e = sp.symbols("i j k d e", integer=True)
#: the margin Δ (1 in the assignment), the regularisation strength λ, the kink value h, a segment parameter t
DELTA = sp.Symbol("Delta", positive=True)
LAM = sp.Symbol("lambda", nonnegative=True)
H_KINK = sp.Symbol("h", real=True)
t = sp.Symbol("t", real=True)

#: the matrix symbols of the matrix form
MATRICES: dict[str, sp.MatrixSymbol] = {
    "X": sp.MatrixSymbol("X", N, D), "W": sp.MatrixSymbol("W", D, C), "M": sp.MatrixSymbol("M", N, C),
}


class Score(sp.Function):
    r"""``Score(i, j)`` is the score :math:`s_{ij} = x_i^\top w_j`."""

    nargs = 2

    def _homework_latex(self, printer: Any) -> str:
        a, b = (printer._print(x) for x in self.args)
        return rf"s_{{{a},{b}}}"


class Margin(sp.Function):
    r"""``Margin(i, j)`` is the margin :math:`m_{ij} = s_{ij} - s_{i y_i} + \Delta`."""

    nargs = 2

    def _homework_latex(self, printer: Any) -> str:
        a, b = (printer._print(x) for x in self.args)
        return rf"m_{{{a},{b}}}"


class SvmLoss(sp.Function):
    r"""The label :math:`L(W)` (never evaluates)."""

    nargs = 1

    @classmethod
    def eval(cls, *args: Any) -> None:  # noqa: D102 - a label
        return None

    def _homework_latex(self, printer: Any) -> str:
        return "L(W)"


class AtZero(sp.Function):
    r"""``AtZero(e)``: :math:`e` at :math:`W = 0` (a left-hand side label)."""

    nargs = 1

    def _homework_latex(self, printer: Any) -> str:
        return rf"\left. {printer._print(self.args[0])} \right|_{{W = 0}}"


class Entry(sp.Function):
    r"""``Entry(A, r, c)``: the entry :math:`[A]_{r,c}` of the matrix expression ``A`` (unevaluated)."""

    nargs = 3

    def _homework_latex(self, printer: Any) -> str:
        a, r, c = (printer._print(x) for x in self.args)
        return rf"\left[{a}\right]_{{{r},{c}}}"


class PairSubdiff(sp.Function):
    r"""``PairSubdiff(i, j)``: :math:`\partial_{W_{dk}} \ell_{ij}` at its kink :math:`m_{ij} = 0`."""

    nargs = 2

    @classmethod
    def eval(cls, *args: Any) -> None:  # noqa: D102 - a label
        return None

    def _homework_latex(self, printer: Any) -> str:
        a, b = (printer._print(x) for x in self.args)
        return rf"\partial_{{w_{{d,k}}}} \ell_{{{a},{b}}}\big|_{{m_{{{a},{b}}} = 0}}"


class Active(sp.Function):
    r"""A name for the step function of margin :math:`m_{ij}`: ``Active(i, j, *value_at_0)`` (checks only)."""


def score(ii: Any, jj: Any) -> sp.Expr:
    r""":math:`s_{ij} = \sum_e x_{ie} W_{ej}`."""
    return sp.Sum(X[ii, e] * W[e, jj], (e, 0, D - 1))


def margin(ii: Any, jj: Any) -> sp.Expr:
    r""":math:`m_{ij} = s_{ij} - s_{i y_i} + \Delta`."""
    return score(ii, jj) - score(ii, LABEL[ii]) + DELTA


def _other(jj: Any, ii: Any) -> sp.Expr:
    """1 − 1{j = y_i}: the factor that drops the true class from a sum over j."""
    return 1 - sp.KroneckerDelta(jj, LABEL[ii])


def _step_fn(ii: Any, jj: Any, value: Any) -> sp.Expr:
    return sp.Heaviside(margin(ii, jj)) if value is None else sp.Heaviside(margin(ii, jj), value)


def mask_entry(ii: Any, kk: Any, value: Any = 0) -> sp.Expr:
    r"""The mask :math:`M_{ik}`: the step of :math:`m_{ik}` off the true class, minus the row's count on it."""
    count = sp.Sum(_other(j, ii) * _step_fn(ii, j, value), (j, 0, C - 1))
    return _other(kk, ii) * _step_fn(ii, kk, value) - sp.KroneckerDelta(kk, LABEL[ii]) * count


# -- normalisers of the checks ------------------------------------------------------------------

def _margin_pair(a: Any) -> tuple[Any, Any] | None:
    """``(i, j)`` when ``a`` is the margin :math:`m_{ij}` built by :func:`margin` (None otherwise)."""
    for x in a.atoms(sp.Indexed):
        if x.base == W:
            jj = x.indices[1]
            rows = [z.indices[0] for z in a.atoms(sp.Indexed) if z.base == X]
            if rows and jj != LABEL[rows[0]] and sp.expand(a - margin(rows[0], jj)) == 0:
                return rows[0], jj
    return None


def _name_steps(off_the_kink: bool) -> Callable[[Any], Any]:
    r"""Rename each step function of a margin :math:`m_{ij}` to ``Active(i, j, ...)``.

    The margins' sums over features are then opaque, so the Kronecker deltas can be collapsed
    without SymPy expanding them.  With ``off_the_kink`` the value at 0 is dropped (``Active(i, j)``
    for every value): that identifies the step functions off the kink only, for the step that makes
    the kink value explicit (as :func:`derive.hinge.maths.off_kink` does for the binary hinge).
    """
    def rename(x: Any) -> Any:
        if isinstance(x, sp.Heaviside):
            pair = _margin_pair(x.args[0])
            if pair is not None:
                return Active(*pair) if off_the_kink or len(x.args) == 1 else Active(*pair, x.args[1])
        return x

    def normalise(ex: Any) -> Any:
        return ex.replace(lambda x: isinstance(x, sp.Heaviside), rename)

    return normalise


def _index_form(assume: dict[Any, tuple[Any, Any]], *, off_the_kink: bool = False,
                entries: Callable[[Any], Any] | None = None) -> Callable[[Any], Any]:
    """Normaliser: (matrix entries ->) named step functions, collapsed deltas, sums by linearity, canonical indices."""
    name = _name_steps(off_the_kink)

    def normalise(ex: Any) -> Any:
        if entries is not None:
            ex = entries(ex)
        ex = sp.expand(name(ex))
        ex = sp.expand(collapse_deltas(ex, assume))
        return sp.expand(linear_sums(canonical_sums(ex)))

    return normalise


def _entries(ex: Any) -> Any:
    """``Entry(A, r, c)`` -> the entry of ``A`` in indexed form (X, W, and the mask M by its definition)."""
    ex = ex.replace(lambda x: isinstance(x, Entry), lambda x: x.args[0][x.args[1], x.args[2]])
    M = MATRICES
    return index_normaliser({M["X"]: lambda r, s: X[r, s], M["W"]: lambda r, s: W[r, s],
                             M["M"]: lambda r, s: mask_entry(r, s)})(ex)


def _zero_weights(ex: Any) -> Any:
    """Every weight W_{e,j} set to 0."""
    return ex.replace(lambda x: isinstance(x, sp.Indexed) and x.base == W, lambda x: sp.Integer(0))


def _all_active(ex: Any) -> Any:
    """max(0, m) -> m: the loss while every margin is positive (small W)."""
    return ex.replace(lambda x: isinstance(x, sp.Max), lambda x: next(a for a in x.args if not a.is_zero))


def _pair_term(ex: Any) -> Any:
    r"""Pair (i, j)'s term of ``(1/N) Σ_i Σ_j f_ij``, for j ≠ y_i (1{j = y_i} = 0) and at its kink (m_ij = 0)."""
    data = next(a for a in sp.Add.make_args(ex) if a.has(sp.Heaviside))  # the regulariser has no pairs
    s = next(a for a in sp.Mul.make_args(data) if isinstance(a, sp.Sum))
    outside = sp.Mul(*[a for a in sp.Mul.make_args(data) if a is not s])
    term = (outside * s.function).subs(sp.KroneckerDelta(j, LABEL[i]), 0)
    return term.replace(lambda x: isinstance(x, sp.Heaviside) and _margin_pair(x.args[0]) == (i, j),
                        lambda x: sp.Heaviside(0, *x.args[1:]))


def _pair_subdifferential(ex: Any) -> Any:
    r"""Rule: the subdifferential of pair (i, j)'s term :math:`\frac1N \max(0, m_{ij})` at its kink, from the loss.

    At a tie of :math:`\max(0, m)` both branches are convex and differentiable: the
    subdifferential is the segment between their gradients.  The branches are taken from the
    loss's own ``Max`` and differentiated here.
    """
    data = next(a for a in sp.Add.make_args(ex) if a.has(sp.Max))
    s = next(a for a in sp.Mul.make_args(data) if isinstance(a, sp.Sum))
    outside = sp.Mul(*[a for a in sp.Mul.make_args(data) if a is not s])
    summand = (outside * s.function).subs(sp.KroneckerDelta(j, LABEL[i]), 0)  # j ≠ y_i: the pair has a term
    mx = next(a for a in sp.Mul.make_args(summand) if isinstance(a, sp.Max))
    rest = sp.Mul(*[a for a in sp.Mul.make_args(summand) if a is not mx])
    flat, slope = sorted(mx.args, key=lambda a: not a.is_zero)
    g0, g1 = (rest * sp.diff(f, W[d, k]) for f in (flat, slope))
    return sp.ImageSet(sp.Lambda(t, (1 - t) * g0 + t * g1), sp.Interval(0, 1))


def _stack(ex: Any) -> Any:
    """The rule 'stack the entries': ``Entry(A, d, k)`` for every (d, k) is the matrix ``A``."""
    if not isinstance(ex, Entry):
        raise ValueError(f"stack: expected an Entry(matrix, row, column), got {ex}")
    return ex.args[0]


def _steps() -> list[Step]:
    M = MATRICES
    yi = LABEL[i]
    A_dk = {d: (0, D - 1), k: (0, C - 1)}
    A_label = {yi: (0, C - 1)}
    loss = (sp.Sum(_other(j, i) * sp.Max(0, margin(i, j)), (j, 0, C - 1), (i, 0, N - 1)) / N
            + LAM * sp.Sum(W[e, j] ** 2, (e, 0, D - 1), (j, 0, C - 1)))
    dm = X[i, d] * (sp.KroneckerDelta(j, k) - sp.KroneckerDelta(k, yi))

    def grad_terms(value: Any) -> sp.Expr:
        return sp.Sum(_other(j, i) * _step_fn(i, j, value) * dm, (j, 0, C - 1), (i, 0, N - 1)) / N + 2 * LAM * W[d, k]

    def grad_split(value: Any) -> sp.Expr:
        return sp.Sum(X[i, d] * mask_entry(i, k, value), (i, 0, N - 1)) / N + 2 * LAM * W[d, k]

    L, Lg = SvmLoss(W), Grad(SvmLoss(W), W[d, k])
    kink_why = ("SymPy's Heaviside is ½ at 0, but at m_(i,j) = 0 the loss has a kink and no derivative: the "
                "value h there is a choice from the subdifferential (any h in [0, 1]). The two sides agree wherever "
                "no margin is 0, and that is what is checked: each step function is compared off its kink")
    grad_matrix = sp.MatAdd(sp.MatMul(1 / N, M["X"].T, M["M"]), 2 * LAM * M["W"])
    return [
        Step("The scores: s_(i,j) is sample i's score for class j.", Score(i, j), score(i, j), check="definition",
             why="x_i is row i of X (N × D), w_j column j of W (D × C): S = XW", label="score"),
        Step("The margins: how far class j's score comes within Δ of the true class's.", Margin(i, j),
             Score(i, j) - Score(i, yi) + DELTA, check="definition", label="margin-def"),
        Step("In terms of the weights.", Margin(i, j), margin(i, j),
             simplify=lambda ex: ex.replace(Score, score), why="definition of the scores", label="margin"),
        Step("The true class's own margin is always Δ: that is why the sum leaves j = y_i out (counting it would "
             "add Δ per sample to the loss, and nothing to the gradient).", Margin(i, yi), DELTA,
             rule=lambda ex: ex.subs(j, yi), label="margin-true"),
        Step("The loss: the mean over samples of the hinges of the other classes' margins, plus λ‖W‖²_F.", L, loss,
             check="definition", why="the sum over j ≠ y_i is written with the factor 1 − 1{j = y_i}",
             label="loss"),
        Step("Differentiate a margin with respect to W_(d,k).", Grad(Margin(i, j), W[d, k]), dm,
             rule=lambda ex: sp.diff(ex, W[d, k]), assume=A_dk, simplify=_index_form(A_dk), follows="margin",
             why="∂s_(i,j)/∂W_(d,k) = x_(i,d) 1{j = k}", label="dmargin"),
        Step("Differentiate the loss with respect to W_(d,k) (SymPy's rule for Max gives a Heaviside step).",
             Lg, grad_terms(None), rule=lambda ex: sp.diff(ex, W[d, k]), assume=A_dk,
             simplify=_index_form(A_dk), follows="loss",
             why="d max(0, u)/du = H(u) for u ≠ 0, the chain rule through the margin, and ∂λ‖W‖²/∂W_(d,k) = 2λW_(d,k)",
             label="grad-sympy"),
        Step("Make the value at the kink an explicit parameter h.", Lg, grad_terms(H_KINK), assume=A_dk,
             simplify=_index_form(A_dk, off_the_kink=True), why=kink_why, label="grad-h"),
        Step("One pair (i, j), j ≠ y_i, exactly at its kink: its term is h times x_(i,d)(1{j = k} − 1{y_i = k})/N.",
             sp.Symbol("g_{d,k;i,j}"), H_KINK * dm / N, rule=_pair_term,
             why="at m_(i,j) = 0 the step function takes the value h", label="kink-term"),
        Step("The subdifferential of pair (i, j)'s term at its kink: the segment from 0 to its gradient.",
             PairSubdiff(i, j), sp.ImageSet(sp.Lambda(t, t * dm / N), sp.Interval(0, 1)),
             rule=_pair_subdifferential, follows="loss", assume=A_dk, simplify=_index_form(A_dk),
             why="∂max(0, u) at u = 0 is [0, 1], through the affine margin; several pairs at a kink: the Minkowski "
                 "sum of their segments (every term is convex)", label="subdiff"),
        Step("Collect the terms by class: j = k where k is not the true class, and the count of active margins "
             "where it is.", Lg, grad_split(H_KINK), assume=A_dk, simplify=_index_form(A_dk), follows="grad-h",
             why="Σ_j 1{j = k} f_j = f_k; the term −1{y_i = k} x_(i,d) does not depend on j and multiplies the "
                 "number of j ≠ y_i with a positive margin", label="grad-split-h"),
        Step("Choose h = 0: the assignment's indicator 1{margin > 0}.", Lg, grad_split(0),
             rule=lambda ex: ex.subs(H_KINK, 0), why="h = 0; h = 1 (margin ≥ 0) is as valid a subgradient",
             label="grad"),
        Step("The gradient's entry (d, k) in matrix form, with the mask M: M_(i,k) = 1{m_(i,k) > 0} for k ≠ y_i and "
             "M_(i,y_i) = −(number of j ≠ y_i with m_(i,j) > 0).", Lg, Entry(grad_matrix, d, k), assume=A_dk,
             simplify=_index_form(A_dk, entries=_entries),
             why="entry (d, k) of XᵀM is Σ_i x_(i,d) M_(i,k)", label="grad-entry"),
        Step("Stack the entries d = 1..D, k = 1..C.", Grad(L, M["W"]), grad_matrix, rule=_stack, label="dW"),
        Step("At W = 0 every margin is Δ.", AtZero(Margin(i, j)), DELTA, rule=_zero_weights, follows="margin",
             label="margin-zero"),
        Step("While every margin is positive (W near 0) each hinge is its margin: the loss is (C − 1)Δ plus terms "
             "linear in W, and λ‖W‖²_F.", SvmLoss(W),
             (C - 1) * DELTA + sp.Sum(_other(j, i) * (score(i, j) - score(i, yi)), (j, 0, C - 1), (i, 0, N - 1)) / N
             + LAM * sp.Sum(W[e, j] ** 2, (e, 0, D - 1), (j, 0, C - 1)),
             rule=_all_active, assume=A_label, follows="loss",
             why="max(0, m) = m for m > 0; Σ_(j ≠ y_i) Δ = (C − 1)Δ", label="near-zero"),
        Step("So the loss at W = 0 is (C − 1)Δ.", AtZero(L), (C - 1) * DELTA,
             rule=lambda ex: drop_range_guards(_zero_weights(ex).doit(), A_label).doit(), assume=A_label,
             follows="loss", why="each of the C − 1 classes j ≠ y_i contributes max(0, Δ) = Δ", label="initial-loss"),
        Step("With the assignment's Δ = 1 it is C − 1; for CIFAR-10 (C = 10) that is 9: why the first loss is about 9.",
             AtZero(L), sp.Integer(9), rule=lambda ex: ex.subs({DELTA: 1, C: 10}), label="cifar"),
    ]


@functools.cache
def derivation() -> Derivation:
    """The multiclass SVM derivation, every step machine-checked for symbolic N, D, C."""
    return Derivation(
        "svm",
        "Multiclass SVM loss and its subgradient",
        _steps(),
        symbols={
            "N, D, C": "numbers of samples, features (bias included) and classes",
            "x_(i,d)": "feature d of sample i; X of shape (N, D)",
            "y_i": "label of sample i, an integer in 0..C-1",
            "W_(d,k)": "weight of feature d for class k; W of shape (D, C)",
            "s, m": "scores s_(i,j) = x_iᵀw_j and margins m_(i,j) = s_(i,j) − s_(i,y_i) + Δ",
            "M": "the mask, shape (N, C)",
            "Delta, lambda": "the margin Δ (1 in the assignment) and the regularisation strength λ ≥ 0",
            "h": "value of 1{m > 0} at m = 0 (kink value), in [0, 1]",
        },
        results=("grad", "dW", "subdiff", "initial-loss"),
        notation={"W": ("W", "param")},
    )
