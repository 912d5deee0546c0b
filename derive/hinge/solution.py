r"""Problem 4's section of the worked solutions: the derivation, the kink, the trained SVM."""

from __future__ import annotations

from derive.core import Derivation
from derive.hinge.experiment import HingeNumbers
from derive.registry import SectionContext
from derive.solutions.discussion import eq, fmt, pct, step_number
from derive.solutions.steps_tex import derivation_steps_latex
from derive.solutions.texttex import text_to_latex

__all__ = ["sections", "hinge_answers"]


def hinge_answers(d: Derivation, h: HingeNumbers) -> str:
    """Problem 4: the kink and the homework's choice, and the trained SVM."""
    return f"""\\paragraph{{The kink.}} At a margin of exactly 1 the loss has no derivative. Every point of the
segment
{eq(d, "subdiff_w")}
is a subgradient (the same holds for $b$); the homework's choice, $h = 0$, gives the indicator
$\\mathbb{{1}}\\{{p < 1\\}}$ of steps {step_number(d, "grad_w")} and {step_number(d, "grad_b")}, and SymPy's default $h = \\tfrac12$ is
just as valid. Figure~\\ref{{fig:hinge}} shows the loss of one sample and its subgradient.

\\emph{{Measured.}} A linear SVM trained by full-batch subgradient descent (kink value 0, learning rate
{h.learning_rate:g}, {h.num_iters} steps) on the classes ``{h.classes[0]}'' ($-1$) and ``{h.classes[1]}'' ($+1$)
of the dataset ({h.n_train} training, {h.n_test} test images, pixels scaled to $[0, 1]$) lowers the mean hinge loss
from {fmt(h.first_loss)} to {fmt(h.final_loss)}; {h.n_margin_below_1} training samples still have a margin below 1.
Training accuracy {pct(h.train_accuracy, 1)}, test accuracy {pct(h.test_accuracy, 1)}.
"""


def sections(ctx: SectionContext, hinge: HingeNumbers) -> list[tuple[int, str]]:
    """Problem 4: the derivation, the discussion, the hinge figure."""
    d = ctx.derivation
    return [(4, f"""\\section{{Problem 4: {text_to_latex(d.title)}}}
{derivation_steps_latex(d, ctx.step_results)}

\\subsection{{Discussion}}
{hinge_answers(d, hinge)}
{ctx.figure("hinge")}""")]
