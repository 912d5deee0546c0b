r"""Problem 2's section of the worked solutions: the distance expansion, and the kNN experiments."""

from __future__ import annotations

from typing import Any

from derive.registry import SectionContext
from derive.solutions.discussion import NORM_NAMES, W60, W70, fmt, pct
from derive.solutions.steps_tex import derivation_steps_latex
from derive.solutions.texttex import text_to_latex

__all__ = ["sections", "knn_answers"]


def knn_answers(r: dict[str, Any]) -> str:
    """Problem 2: the training step's pros and cons, and what the cross-validation shows."""
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


def sections(ctx: SectionContext, knn: dict[str, Any]) -> list[tuple[int, str]]:
    """Problem 2: the distances derivation, then the experiments and the discussion with three figures."""
    d = ctx.derivation
    return [(2, f"""\\section{{Problem 2: \\texorpdfstring{{$k$}}{{k}}-nearest neighbours}}
\\subsection{{{text_to_latex(d.title)}}}
{derivation_steps_latex(d, ctx.step_results)}

\\subsection{{Experiments and discussion}}
{ctx.figure("samples", W60)}
{knn_answers(knn)}
{ctx.figure("error_vs_k", W70)}
{ctx.figure("error_vs_norm", W60)}""")]
