r"""Problem 1's section of the worked solutions: the derivation, then answers (a)-(d) with the measured path."""

from __future__ import annotations

import sympy as sp

from derive.core import Derivation
from derive.latex import to_latex
from derive.noisy.experiment import NoisyNumbers
from derive.registry import SectionContext
from derive.solutions.discussion import W70, eq, fmt, said, step_number
from derive.solutions.steps_tex import PRINTER_SETTINGS, derivation_steps_latex
from derive.solutions.texttex import text_to_latex

__all__ = ["sections", "noisy_answers"]


def noisy_answers(d: Derivation, nz: NoisyNumbers) -> str:
    """Problem 1 (a)-(d): R, the regulariser, and the two limits with the measured path."""
    from derive.noisy.maths import lam, sigma

    lam_is = to_latex(sp.Eq(lam, sigma**2, evaluate=False), **PRINTER_SETTINGS)
    (s0, n0), (s1, r1) = nz.small_sigma, nz.large_sigma
    rows = "\n".join(f"{s:g} & {fmt(c)} & {fmt(m)} & {fmt(se)} & {(m - c) / se:+.2f} \\\\"
                     for s, c, m, se in nz.monte_carlo)
    return f"""\\paragraph{{(a) The data-free term.}} The derivation ends in
{eq(d, "expected")}
so $\\mathbb{{E}}_\\delta[\\tilde L(\\theta)] = L(\\theta) + R$ with
{eq(d, "R")}
Its derivatives with respect to every $x^{{(j)}}_k$ and $y^{{(j)}}$ vanish (step {step_number(d, "R_data_free")}),
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
minimiser (step {step_number(d, "minimiser")}, where the gradient vanishes by step {step_number(d, "stationary")}) is
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


def sections(ctx: SectionContext, noisy: NoisyNumbers) -> list[tuple[int, str]]:
    """Problem 1: the derivation, the answers, the shrinkage figure."""
    d = ctx.derivation
    return [(1, f"""\\section{{Problem 1: {text_to_latex(d.title)}}}
{derivation_steps_latex(d, ctx.step_results)}

\\subsection{{Answers}}
{noisy_answers(d, noisy)}
{ctx.figure("shrinkage", W70)}""")]
