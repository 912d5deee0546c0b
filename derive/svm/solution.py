r"""Problem 6's section of the worked solutions: the multiclass SVM's derivation, its kink, the trained classifier."""

from __future__ import annotations

from typing import Any

from derive.core import Derivation
from derive.registry import SectionContext
from derive.solutions.discussion import W70, eq, fmt, pct, said, sci, step_number
from derive.solutions.steps_tex import derivation_steps_latex
from derive.solutions.texttex import text_to_latex

__all__ = ["sections", "svm_answers"]


def _sweep_table(sv: dict[str, Any]) -> str:
    best = sv["best"]
    rows = "\n".join(
        f"${sci(c['learning_rate'])}$ & ${sci(c['reg'])}$ & {fmt(c['final_loss'])}{' (diverged)' if c['diverged'] else ''}"
        f" & {pct(c['train_accuracy'], 1)} & {pct(c['val_accuracy'], 1)}"
        f"{' (best)' if (c['learning_rate'], c['reg']) == (best['learning_rate'], best['reg']) else ''} \\\\"
        for c in sv["sweep"])
    return f"""\\begin{{center}}
\\begin{{tabular}}{{rrrrr}}
\\toprule
learning rate & regularisation & final loss & train accuracy & validation accuracy \\\\
\\midrule
{rows}
\\bottomrule
\\end{{tabular}}
\\end{{center}}"""


def initial_loss_text(sv: dict[str, Any]) -> str:
    """The measured initial loss: at the notebook's dev-set weights, and shrunk to near 0 when those are not."""
    C, nz, gap = sv["n_classes"], sv["near_zero"], sv["initial_max_score_gap"]
    notebook = (f"On the dev set with $W \\sim {sci(sv['initial_w_std'])}\\,\\mathcal{{N}}(0, 1)$ the largest score gap\n"
                f"$|s_{{i,j}} - s_{{i,y_i}}|$ is ${sci(gap)}$")
    if nz["scale"] == 1.0:
        return (f"{notebook}, below $\\Delta = 1$, so every margin is positive and\nthe loss without the regulariser is "
                f"{fmt(sv['initial_data_loss'], 6)}, against $C - 1 = {C - 1}$.")
    return (f"{notebook}{', above' if gap >= 1 else ', below'} $\\Delta = 1$: the loss without the regulariser is "
            f"{fmt(sv['initial_data_loss'], 6)}, against $C - 1 = {C - 1}$, and these weights are not yet near 0 "
            f"for this data's scale. Shrunk by ${sci(nz['scale'])}$, the largest gap is ${sci(nz['max_score_gap'])}$, "
            f"every margin is positive, and the loss is {fmt(nz['data_loss'], 6)}.")


def svm_answers(d: Derivation, sv: dict[str, Any]) -> str:
    """The discussion: reading the subgradient, the mask, the kink, the initial loss, and the measured numbers."""
    C, s, sgd, best, g = sv["n_classes"], sv["sizes"], sv["sgd"], sv["best"], sv["grad_check"]
    worst = max([e for name in ("naive", "vectorised")
                 for e, kink in zip(g[name], g["kink_probes"][name], strict=True) if not kink], default=0.0)
    kinks = g["kinks"]["naive"] + g["kinks"]["vectorised"]
    probes, were = ("probe", "was") if kinks == 1 else ("probes", "were")
    kink_note = "" if not kinks else f" ({kinks} {probes} whose interval crossed a kink {were} set aside)"
    nf = sv["naive_vs_vectorised"]
    return f"""\\paragraph{{Reading the subgradient.}} Step~{step_number(d, "grad")} says, for the column $w_k$ of
class $k$: every sample $i$ of another class ($y_i \\ne k$) whose margin $m_{{i,k}}$ is positive adds $x_i/N$, and
every sample of class $k$ subtracts $x_i/N$ once per other class whose margin is positive (its count); the
regulariser adds $2\\lambda w_k$ (the factor 2 of $\\partial \\lambda\\|W\\|_F^2 / \\partial W = 2\\lambda W$).
{said(d, "margin-true")}
Step~{step_number(d, "dW")} collects the entries into the matrix form with the mask $M$ ($N \\times C$): one
product $X^\\top M$, as the vectorised code computes it.
{eq(d, "dW")}

\\paragraph{{The kink.}} Where a margin is exactly 0 the loss has no derivative. One pair's subdifferential is the
segment of step~{step_number(d, "subdiff")},
{eq(d, "subdiff")}
and with several pairs at their kinks the subdifferential is the sum of their segments (every term is convex).
The assignment's \\texttt{{margin > 0}} takes $h = 0$ (the segment's start); \\texttt{{margin >= 0}} takes $h = 1$ (its
end): both are subgradients, and the experiment's check builds an exact kink and tests both, and a point past the
segment, against the derived set.

\\paragraph{{Why the initial loss is about $C - 1$.}} {said(d, "margin-zero")} {said(d, "near-zero")}
{eq(d, "near-zero")}
{said(d, "initial-loss")}
{eq(d, "initial-loss")}
{initial_loss_text(sv)}

\\paragraph{{Gradients.}} The naive (loops) and vectorised subgradients agree with central differences
($h = {sci(g["h"])}$, $\\lambda = {sci(g["reg"])}$) at {g["num_checks"]} random entries each, with relative errors
below ${sci(worst) if worst > 0 else "0"}${kink_note}; naive and vectorised differ by at most
${sci(nf["grad_max_abs_difference"])}$ (largest entry ${sci(nf["grad_max_abs"])}$). Both equal the derived
$\\frac1N X^\\top M + 2\\lambda W$.

\\paragraph{{SGD.}} Data: {s["train"]} training, {s["val"]} validation, {s["test"]} test rows and a {s["dev"]}-row dev
set, mean image subtracted, bias column appended ($D = {sv["n_features"]}$, $C = {C}$). With learning rate
${sci(sgd["learning_rate"])}$, $\\lambda = {sci(sgd["reg"])}$, {sgd["num_iters"]} iterations and batches of
{sgd["batch_size"]} drawn with replacement, the batch loss falls from {fmt(sgd["first_loss"])} to a mean of
{fmt(sgd["mean_last_100"])} over the last 100 iterations (Figure~\\ref{{fig:svm-loss-curve}}); training accuracy
{pct(sgd["train_accuracy"], 1)}, validation accuracy {pct(sgd["val_accuracy"], 1)}.

\\paragraph{{Learning rate $\\times$ regularisation}} (Figure~\\ref{{fig:svm-sweep}}):
{_sweep_table(sv)}
The best pair, learning rate ${sci(best["learning_rate"])}$ and $\\lambda = {sci(best["reg"])}$, reaches a validation
accuracy of {pct(best["val_accuracy"], 1)}; on the test set {pct(best["test_accuracy"], 1)} (test error
{pct(best["test_error"], 1)}). Its weights, one image per class (Figure~\\ref{{fig:svm-weights}}), are templates:
each class's column is large where its images are bright and the others' dark.
"""


def sections(ctx: SectionContext, sv: dict[str, Any]) -> list[tuple[int, str]]:
    """Problem 6: the derivation and the classifier (answers and three figures)."""
    d = ctx.derivation
    scale = ("" if ctx.experiments.dataset != "digits" else
             " The learning rates and regularisation strengths are those of \\texttt{gradproof svm} for digits: its "
             "pixels (0--16 over 64 features) are far smaller than CIFAR-10's, so the assignment's rates are scaled "
             "up and its regularisation down.")
    return [(6, f"""\\section{{Problem 6: {text_to_latex(d.title)}}}
The multiclass (Weston--Watkins) SVM of the CS231n assignment: scores $S = XW$ with $X$ of shape $(N, D)$ and $W$ of
shape $(D, C)$, margin $\\Delta = 1$.{scale}
{derivation_steps_latex(d, ctx.step_results)}

\\subsection{{Discussion}}
{svm_answers(d, sv)}
{ctx.figure("svm_loss_curve", W70)}
{ctx.figure("svm_sweep")}
{ctx.figure("svm_weights")}""")]
