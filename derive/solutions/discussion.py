r"""Answers to the homework's discussion questions, written from derived facts and measured numbers.

Each answer quotes the result steps of a derivation (rendered from its SymPy
expressions, never typed) and the numbers the experiments measured; where the
answer depends on the numbers (which norm won, whether the error rises with k,
which learning rate is too small), the sentence is chosen from the numbers.

Every function returns a LaTeX fragment for the body of the document.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.core import Derivation
from derive.latex import to_latex
from derive.solutions.results import Experiments
from derive.solutions.steps_tex import PRINTER_SETTINGS, equation_latex
from derive.solutions.texttex import text_to_latex

__all__ = ["eq", "noisy_answers", "knn_answers", "hinge_answers", "softmax_answers", "fmt", "NORM_NAMES"]

#: how norms are written in the text
NORM_NAMES: dict[str, str] = {"l1": "$L_1$", "l2": "$L_2$", "linf": r"$L_\infty$"}


def fmt(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` decimals (a plain, deterministic rendering)."""
    return f"{x:.{digits}f}"


def pct(x: float, digits: int = 2) -> str:
    r"""``x`` (a fraction) as a percentage: ``4.04\,\%``."""
    return f"{100 * x:.{digits}f}\\,\\%"


def eq(d: Derivation, label: str) -> str:
    r"""The equation of step ``label`` of ``d`` as a ``\fiteq`` display."""
    s = d.step(label)
    return f"\\fiteq{{{equation_latex(d, s.lhs, s.rhs)}}}"


def said(d: Derivation, label: str) -> str:
    """The sentence of step ``label`` as LaTeX text, without a leading question letter such as ``(b)``."""
    return text_to_latex(re.sub(r"^\([a-z]\)\s*", "", d.step(label).text))


def sci(x: float) -> str:
    r"""``x`` for maths mode: ``1e-05`` -> ``10^{-5}``, ``2e-05`` -> ``2 \cdot 10^{-5}``, ``0.5`` -> ``0.5``."""
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:g}"
    mant, exp = f"{x:.2e}".split("e")
    m = f"{float(mant):g}"
    return f"10^{{{int(exp)}}}" if m == "1" else f"{m} \\cdot 10^{{{int(exp)}}}"


def noisy_answers(d: Derivation, ex: Experiments) -> str:
    """Problem 1 (a)-(d): R, the regulariser, and the two limits with the measured path."""
    from derive.noisy import lam, sigma

    nz = ex.noisy
    lam_is = to_latex(sp.Eq(lam, sigma**2, evaluate=False), **PRINTER_SETTINGS)
    (s0, n0), (s1, r1) = nz.small_sigma, nz.large_sigma
    rows = "\n".join(f"{s:g} & {fmt(c)} & {fmt(m)} & {fmt(se)} & {(m - c) / se:+.2f} \\\\"
                     for s, c, m, se in nz.monte_carlo)
    return f"""\\paragraph{{(a) The data-free term.}} The derivation ends in
{eq(d, "expected")}
so $\\mathbb{{E}}_\\delta[\\tilde L(\\theta)] = L(\\theta) + R$ with
{eq(d, "R")}
Its derivatives with respect to every $x^{{(j)}}_k$ and $y^{{(j)}}$ vanish (step {_n(d, "R_data_free")}),
so $R$ does not depend on the data $D$.

\\emph{{Measured.}} On a synthetic problem ($N = {nz.n_samples}$ samples, $d = {nz.n_features}$ standard normal
features, $y = X\\theta_0 + {nz.noise_std:g}\\,\\varepsilon$, evaluated at $\\theta_0$), a Monte-Carlo average of
$\\tilde L(\\theta_0)$ over {nz.n_draws} noise draws agrees with $L + \\sigma^2\\|\\theta\\|_2^2$ within its standard
error:
\\begin{{center}}
\\begin{{tabular}}{{rrrrr}}
\\toprule
$\\sigma$ & $L + \\sigma^2\\|\\theta\\|_2^2$ & Monte Carlo & std.\\ error & $z$ \\\\
\\midrule
{rows}
\\bottomrule
\\end{{tabular}}
\\end{{center}}

\\paragraph{{(b) The regularisation.}} {said(d, "ridge")}
{eq(d, "ridge")}
that is, ridge regression: the mean squared error plus $\\lambda\\|\\theta\\|_2^2$ with ${lam_is}$. Its
minimiser (step {_n(d, "minimiser")}, where the gradient vanishes by step {_n(d, "stationary")}) is
{eq(d, "minimiser")}

\\paragraph{{(c) $\\sigma \\to 0$.}} {said(d, "sigma_to_0")}
{eq(d, "sigma_to_0")}
\\emph{{Measured}} (Figure~\\ref{{fig:shrinkage}}): at $\\sigma = {s0:g}$, $\\|\\theta^*\\| = {fmt(n0)}$ against the
least-squares norm {fmt(nz.least_squares_norm)}.

\\paragraph{{(d) $\\sigma \\to \\infty$.}} {said(d, "sigma_to_inf")}
{eq(d, "sigma_to_inf")}
{said(d, "rate")}
{eq(d, "rate")}
\\emph{{Measured}}: at $\\sigma = {s1:g}$, $\\sigma^2\\|\\theta^*\\| = {fmt(r1)}$ against
$\\|X^\\top y\\|/N = {fmt(nz.asymptote_coefficient)}$; the path in Figure~\\ref{{fig:shrinkage}} falls
monotonically from the least-squares norm to the $1/\\sigma^2$ asymptote.
"""


def _n(d: Derivation, label: str) -> int:
    """The 1-based number of step ``label``."""
    return 1 + [s.label for s in d.steps].index(label)


def knn_answers(ex: Experiments) -> str:
    """Problem 2: the training step's pros and cons, and what the cross-validation shows."""
    r = ex.knn
    cv = r["cv"]
    ks, norms = cv["ks"], cv["norms"]
    mean, std = cv["mean"], cv["std"]
    a2 = norms.index("l2")
    best_k, best_norm = r["best_k"], r["best"]["norm"]
    b = ks.index(best_k)
    n_tr, n_te, D = r["n_train"], r["n_test"], r["n_features"]
    order = sorted(range(len(ks)), key=lambda i: mean[a2][i])
    runner = ks[order[1]]
    gap = mean[a2][order[1]] - mean[a2][order[0]]
    spread = std[a2][b]
    if gap < spread:
        sharp = (f"The runner-up, $k = {runner}$, is only {pct(gap)} behind, less than the spread over folds "
                 f"({pct(spread)}), so the folds do not separate the best few values of $k$ sharply.")
    else:
        sharp = (f"The runner-up, $k = {runner}$, is {pct(gap)} behind, more than the spread over folds "
                 f"({pct(spread)}).")
    last = mean[a2][-1]
    trend = (f"For large $k$ the vote pools neighbours from other classes and the error rises, to {pct(last)} at "
             f"$k = {ks[-1]}$." if last > mean[a2][b] else
             f"The error does not rise at large $k$ on this dataset ({pct(last)} at $k = {ks[-1]}$).")
    per_norm = ", ".join(f"{NORM_NAMES[n]} {pct(r['error_per_norm_at_best_k'][n]['mean'])}" for n in norms)
    imp = r["improvement_over_k1_l2"]
    better = ("lower" if imp > 0 else "higher" if imp < 0 else "the same")
    table = "\n".join(f"{k} & " + " & ".join(f"{fmt(mean[a][i])} $\\pm$ {fmt(std[a][i])}" for a in range(len(norms)))
                      + " \\\\" for i, k in enumerate(ks))
    return f"""\\paragraph{{The training step.}} \\texttt{{train}} only stores the {n_tr} training rows
({n_tr}~$\\times$~{D} values). \\emph{{Pros:}} training costs nothing, there is nothing to tune but $k$ and the
distance, and adding data is free. \\emph{{Cons:}} the whole training set is kept in memory, and all the work moves
to prediction: each test image is compared with every training image, here {n_te}~$\\times$~{n_tr} distances over
{D} features ({n_te * n_tr * D:,} differences) for {n_te} predictions; the cost grows with the training set,
which is the opposite of what a deployed classifier needs. The vectorised $L_2$ distance (the derivation above)
replaces the double loop by one matrix product.

\\paragraph{{Results.}} With $k = 1$ and the $L_2$ distance the test error is {pct(r["k1_l2_test_error"])}
({r["k1_l2_test_wrong"]} of {n_te} wrong). {cv["n_folds"]}-fold cross-validation on the training set (validation
error, mean $\\pm$ standard deviation over folds):
\\begin{{center}}
\\begin{{tabular}}{{r{"c" * len(norms)}}}
\\toprule
$k$ & {" & ".join(NORM_NAMES[n] for n in norms)} \\\\
\\midrule
{table}
\\bottomrule
\\end{{tabular}}
\\end{{center}}

\\paragraph{{What the cross-validation shows.}} With $L_2$ the validation error is lowest at $k = {best_k}$
({pct(mean[a2][b])}; Figure~\\ref{{fig:error-vs-k}}). {sharp} {trend} At $k = {best_k}$ the norms give {per_norm}
(Figure~\\ref{{fig:error-vs-norm}}), so the best pair is $(k, \\text{{norm}}) = ({best_k}$, {NORM_NAMES[best_norm]}$)$.
On the test set it errs on {pct(r["best_test_error"])} ({r["best_test_wrong"]} of {n_te}), {better} than
$k = 1$ with $L_2$ by {abs(100 * imp):.2f} percentage points.
"""


def hinge_answers(d: Derivation, ex: Experiments) -> str:
    """Problem 4: the kink and the homework's choice, and the trained SVM."""
    h = ex.hinge
    return f"""\\paragraph{{The kink.}} At a margin of exactly 1 the loss has no derivative. Every point of the
segment
{eq(d, "subdiff_w")}
is a subgradient (the same holds for $b$); the homework's choice, $h = 0$, gives the indicator
$\\mathbb{{1}}\\{{p < 1\\}}$ of steps {_n(d, "grad_w")} and {_n(d, "grad_b")}, and SymPy's default $h = \\tfrac12$ is
just as valid. Figure~\\ref{{fig:hinge}} shows the loss of one sample and its subgradient.

\\emph{{Measured.}} A linear SVM trained by full-batch subgradient descent (kink value 0, learning rate
{h.learning_rate:g}, {h.num_iters} steps) on the classes ``{h.classes[0]}'' ($-1$) and ``{h.classes[1]}'' ($+1$)
of the dataset ({h.n_train} training, {h.n_test} test images, pixels scaled to $[0, 1]$) lowers the mean hinge loss
from {fmt(h.first_loss)} to {fmt(h.final_loss)}; {h.n_margin_below_1} training samples still have a margin below 1.
Training accuracy {pct(h.train_accuracy, 1)}, test accuracy {pct(h.test_accuracy, 1)}.
"""


def softmax_answers(d: Derivation, ex: Experiments) -> str:
    """Problem 5: initial loss, gradient checks, SGD and the learning-rate sweep."""
    from derive.softmax import initial_loss

    sm = ex.softmax
    C = sm["n_classes"]
    s, sgd, best = sm["sizes"], sm["sgd"], sm["best"]
    log_c = float(initial_loss(C))
    sweep = sm["sweep"]
    rows = "\n".join(f"{e['learning_rate']:g} & {fmt(e['final_loss'])} & {pct(e['train_accuracy'], 1)} & "
                     f"{pct(e['val_accuracy'], 1)}{' (best)' if e['learning_rate'] == best['learning_rate'] else ''} \\\\"
                     for e in sweep)
    slow, fast = sweep[0], sweep[-1]
    if fast["learning_rate"] == best["learning_rate"]:
        edge = (f"The largest rate tried, {fast['learning_rate']:g}, is still the best on validation, so the sweep "
                "could be extended upwards.")
    elif fast["val_accuracy"] < best["val_accuracy"]:
        edge = (f"The largest rate, {fast['learning_rate']:g}, reaches {pct(fast['val_accuracy'], 1)} on validation, "
                f"below the best: past a point larger steps overshoot.")
    else:
        edge = (f"The largest rate, {fast['learning_rate']:g}, ties with the best on validation "
                f"({pct(fast['val_accuracy'], 1)}); the sweep keeps the first of equal rates, and the gain from "
                f"larger steps has levelled off.")
    return f"""\\paragraph{{Why the initial loss is about 2.3.}} {said(d, "softmax-zero")}
{eq(d, "softmax-zero")}
{said(d, "initial-loss")}
{eq(d, "initial-loss")}
With $C = {C}$ classes that is $\\log {C} = {log_c:.6f}$. The weights start at $W \\sim 10^{{-4}}\\,\\mathcal{{N}}(0, 1)$,
close to 0, and the measured initial loss on the dev set is {sm["initial_loss"]:.6f}.

\\paragraph{{Gradients.}} The analytic gradients (loop and vectorised) agree with central differences
($h = {sci(sm["grad_check"]["h"])}$) at {sm["grad_check"]["num_checks"]} random entries each with relative errors
$|n - a| / (|n| + |a|)$ all below $10^{{-7}}$, the homework's expected level; the loop and the vectorised versions
agree to rounding. Both equal the derived mean loss gradient $\\frac1m(P - Y)^\\top\\tilde X$ of problem~3.

\\paragraph{{SGD.}} Data: {s["train"]} training, {s["val"]} validation, {s["test"]} test rows and a {s["dev"]}-row
dev set, mean image subtracted, bias column appended ($D = {sm["n_features"]}$). With learning rate
{sgd["learning_rate"]:g}, {sgd["num_iters"]} iterations and batches of {sgd["batch_size"]} drawn with
replacement, the batch loss falls from {fmt(sgd["first_loss"])} to a mean of {fmt(sgd["mean_last_100"])} over the
last 100 iterations (Figure~\\ref{{fig:loss-curve}}); training accuracy {pct(sgd["train_accuracy"], 1)},
validation accuracy {pct(sgd["val_accuracy"], 1)}.

\\paragraph{{Learning-rate sweep}} (Figure~\\ref{{fig:lr-sweep}}):
\\begin{{center}}
\\begin{{tabular}}{{rrrr}}
\\toprule
learning rate & final loss & train accuracy & validation accuracy \\\\
\\midrule
{rows}
\\bottomrule
\\end{{tabular}}
\\end{{center}}
The smallest rate, {slow["learning_rate"]:g}, is too slow: after {sgd["num_iters"]} iterations its loss is still
{fmt(slow["final_loss"])}. {edge} The best rate, {best["learning_rate"]:g}, reaches a validation accuracy of
{pct(best["val_accuracy"], 1)}; on the test set its accuracy is {pct(best["test_accuracy"], 1)}, a test error of
{pct(best["test_error"], 1)}.
"""
