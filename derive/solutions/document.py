r"""Assemble the worked-solutions LaTeX document.

The text depends only on the derivations, their check results and the measured
numbers: no dates, timings or absolute paths, so regenerating with the same seed
gives the same file.  The preamble uses packages of Debian's
``texlive-latex-base`` / ``-recommended`` / ``-extra`` only (amsmath, graphicx,
booktabs, geometry, hyperref, placeins), and the body is pure ASCII, so pdfLaTeX, LuaLaTeX
and XeLaTeX all compile it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from derive.core import Derivation, StepResult
from derive.solutions.discussion import hinge_answers, knn_answers, noisy_answers, softmax_answers
from derive.solutions.results import Check, Experiments
from derive.solutions.steps_tex import derivation_steps_latex
from derive.solutions.texttex import text_to_latex

__all__ = ["PREAMBLE", "build_document", "figure_latex", "checks_table"]

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{booktabs}
\usepackage[section]{placeins}
\usepackage[hidelinks]{hyperref}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5ex plus 0.2ex}
% the indicator 1{...}: a double-struck one (amssymb's \mathbb has no digits)
\let\gporigmathbb\mathbb
\newcommand{\gpindicator}{\mathrm{1\mkern-6.5mu 1}}
\renewcommand{\mathbb}[1]{\ifx1#1\gpindicator\else\gporigmathbb{#1}\fi}
% one derivation step: number, sentence, (justification), and how it was checked, flush right
\newcommand{\gpstep}[4]{\par\medskip\noindent\textbf{#1.}~#2%
  \ifx\relax#3\relax\else\ \emph{(#3)}\fi
  {\unskip\nobreak\hfil\penalty50\hskip1.5em\hbox{}\nobreak\hfil
   \textsf{\small[#4]}\parfillskip=0pt\finalhyphendemerits=0\par}\nopagebreak}
% a display that is shrunk to the line width only when it is wider
\newsavebox{\gpfitbox}
\newcommand{\fiteq}[1]{\sbox{\gpfitbox}{$\displaystyle #1$}%
  \ifdim\wd\gpfitbox>\linewidth\typeout{gradproof: fiteq shrank a display of width \the\wd\gpfitbox}\fi
  \[\ifdim\wd\gpfitbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\gpfitbox}}\else\usebox{\gpfitbox}\fi\]}
"""

#: (figure key, label, caption) in the order they appear
_CAPTIONS: dict[str, tuple[str, str]] = {
    "samples": ("fig:samples", "Sample training images, one column per class."),
    "error_vs_k": ("fig:error-vs-k", "Cross-validation error against $k$ ($L_2$): every fold, and the mean "
                                     "$\\pm$ standard deviation over folds."),
    "error_vs_norm": ("fig:error-vs-norm", "Cross-validation error of each norm at the best $k$."),
    "loss_curve": ("fig:loss-curve", "Softmax classifier: SGD batch loss against iteration, with $\\log C$."),
    "lr_sweep": ("fig:lr-sweep", "Learning-rate sweep: accuracies and final training loss."),
    "shrinkage": ("fig:shrinkage", "Shrinkage path $\\|\\theta^*(\\sigma)\\|$ of the synthetic regression problem, "
                                   "with its two limits."),
    "hinge": ("fig:hinge", "The hinge loss $\\max(0, 1 - p)$ of one sample against its margin $p$, and its "
                           "subgradient, with the subdifferential $[-1, 0]$ at the kink and the value chosen there "
                           "(0, as in the homework)."),
}


W60, W70 = r"0.6\linewidth", r"0.7\linewidth"


def figure_latex(ex: Experiments, key: str, width: str = "0.8\\linewidth") -> str:
    """A figure environment for figure ``key`` of ``ex`` (path relative to the document)."""
    label, caption = _CAPTIONS[key]
    return (f"\\begin{{figure}}[htbp]\n\\centering\n\\includegraphics[width={width}]{{{ex.figures[key]}}}\n"
            f"\\caption{{{caption} Dataset: {ex.dataset}.}}\n\\label{{{label}}}\n\\end{{figure}}")


def checks_table(checks: Sequence[Check]) -> str:
    """The checks as a two-column table (name, passed); details and timings stay out of the document."""
    failed = r"\textbf{FAILED}"
    rows = "\n".join(f"{text_to_latex(c.name)} & {'passed' if c.passed else failed} \\\\" for c in checks)
    return f"""\\begin{{center}}
\\begin{{tabular}}{{lr}}
\\toprule
check & result \\\\
\\midrule
{rows}
\\bottomrule
\\end{{tabular}}
\\end{{center}}"""


def _derivation(d: Derivation, results: Sequence[StepResult] | None) -> str:
    return derivation_steps_latex(d, results)


def build_document(derivations: Mapping[str, Derivation], results: Mapping[str, Sequence[StepResult]],
                   ex: Experiments, checks: Sequence[Check]) -> str:
    """The whole document as LaTeX.

    Parameters
    ----------
    derivations : mapping
        ``{"noisy", "distances", "softmax", "hinge"}`` -> Derivation.
    results : mapping
        Problem key -> the StepResults of its verification (one per step).
    ex : Experiments
        The measured numbers and figure paths.
    checks : sequence of Check
        Listed (name and outcome) in the appendix.
    """
    missing = {"noisy", "distances", "softmax", "hinge"} - set(derivations)
    if missing:
        raise ValueError(f"derivations: expected noisy, distances, softmax and hinge, missing {sorted(missing)}")
    dn, dd, ds, dh = (derivations[k] for k in ("noisy", "distances", "softmax", "hinge"))
    verified = all(r.ok for rs in results.values() for r in rs)
    status = ("Every step below verified." if verified else
              "\\textbf{Some steps FAILED their check; they are marked below.}")
    extra_lr = ("" if ex.dataset != "digits" else
                " The learning rates are those of \\texttt{gradproof softmax} for digits: its pixels (0--16 over 64 "
                "features) are far smaller than CIFAR-10's (0--255 over 3072), so the homework's rates "
                "($10^{-7}$, and $10^{-5}$ to $10^{-3}$ in the sweep) are scaled up.")
    return f"""{PREAMBLE}
\\title{{Linear models and simple classifiers:\\\\ worked solutions}}
\\author{{generated by gradproof}}
\\date{{}}
\\begin{{document}}
\\maketitle

\\section*{{How to read this document}}
Every equation in a derivation is printed from the SymPy expressions of \\texttt{{derive/}} and was machine-checked
to follow from the step before it (or from the step it names). The bracket on the right of each step says how:
\\emph{{checked symbolically}} means SymPy reduced the difference of the two sides to zero for symbolic sizes;
\\emph{{checked exactly}} means the difference was evaluated exactly (rational arithmetic) with random data at the
concrete sizes listed, where SymPy cannot decide for symbolic sizes; a \\emph{{definition}} is not checked.
{status}

The numbers and figures come from \\texttt{{numerics/}} on the dataset \\textbf{{{ex.dataset}}}: {text_to_latex(ex.description)}.
Every random choice is seeded (seed {ex.seed}); \\texttt{{gradproof solutions --dataset {ex.dataset} --seed {ex.seed}}}
regenerates this document, and \\texttt{{gradproof knn}} and \\texttt{{gradproof softmax}} with the same seed print
the same numbers.

\\section{{Problem 1: {text_to_latex(dn.title)}}}
{_derivation(dn, results.get("noisy"))}

\\subsection{{Answers}}
{noisy_answers(dn, ex)}
{figure_latex(ex, "shrinkage", W70)}

\\section{{Problem 2: \\texorpdfstring{{$k$}}{{k}}-nearest neighbours}}
\\subsection{{{text_to_latex(dd.title)}}}
{_derivation(dd, results.get("distances"))}

\\subsection{{Experiments and discussion}}
{figure_latex(ex, "samples", W60)}
{knn_answers(ex)}
{figure_latex(ex, "error_vs_k", W70)}
{figure_latex(ex, "error_vs_norm", W60)}

\\section{{Problem 3: {text_to_latex(ds.title)}}}
{_derivation(ds, results.get("softmax"))}

\\section{{Problem 4: {text_to_latex(dh.title)}}}
{_derivation(dh, results.get("hinge"))}

\\subsection{{Discussion}}
{hinge_answers(dh, ex)}
{figure_latex(ex, "hinge")}

\\section{{Problem 5: the softmax classifier}}
The loss is the mean negative log-likelihood of problem~3, $L = -\\mathcal{{L}}/m$, without a regulariser.{extra_lr}
{softmax_answers(ds, ex)}
{figure_latex(ex, "loss_curve", W70)}
{figure_latex(ex, "lr_sweep")}

\\appendix
\\section{{Experiment checks}}
Each experiment is also checked: \\texttt{{numerics/}} against the lambdified results of \\texttt{{derive/}}, and the
numbers against what the homework expects.
{checks_table(checks)}

\\end{{document}}
"""
