r"""Problems 3 and 5 in the worked solutions: the softmax derivation, and the classifier's experiments."""

from __future__ import annotations

from typing import Any

from derive.core import Derivation
from derive.registry import SectionContext
from derive.solutions.discussion import W70, eq, fmt, pct, said, sci
from derive.solutions.steps_tex import derivation_steps_latex
from derive.solutions.texttex import text_to_latex

__all__ = ["sections", "softmax_answers"]


def softmax_answers(d: Derivation, sm: dict[str, Any]) -> str:
    """Problem 5: initial loss, gradient checks, SGD and the learning-rate sweep."""
    from derive.softmax.functions import initial_loss

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


def sections(ctx: SectionContext, softmax: dict[str, Any]) -> list[tuple[int, str]]:
    """Problem 3 (the derivation) and problem 5 (the classifier: answers and two figures)."""
    d = ctx.derivation
    extra_lr = ("" if ctx.experiments.dataset != "digits" else
                " The learning rates are those of \\texttt{gradproof softmax} for digits: its pixels (0--16 over 64 "
                "features) are far smaller than CIFAR-10's (0--255 over 3072), so the homework's rates "
                "($10^{-7}$, and $10^{-5}$ to $10^{-3}$ in the sweep) are scaled up.")
    return [(3, f"""\\section{{Problem 3: {text_to_latex(d.title)}}}
{derivation_steps_latex(d, ctx.step_results)}"""),
            (5, f"""\\section{{Problem 5: the softmax classifier}}
The loss is the mean negative log-likelihood of problem~3, $L = -\\mathcal{{L}}/m$, without a regulariser.{extra_lr}
{softmax_answers(d, softmax)}
{ctx.figure("loss_curve", W70)}
{ctx.figure("lr_sweep")}""")]
