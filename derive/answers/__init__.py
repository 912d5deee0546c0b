r"""Check a hand derivation: is a typed result equal to what :mod:`derive` derived?

The pieces, each in its own module: :mod:`~derive.answers.lexer` and
:mod:`~derive.answers.parser` (numpy-like and index-form syntax, via a whitelisting
walk of :func:`ast.parse`'s tree), :mod:`~derive.answers.latex_input` (a LaTeX
subset; tokens in :mod:`~derive.answers.latex_lexer`, scripts in
:mod:`~derive.answers.latex_scripts`), :mod:`~derive.answers.functions` (the one table
of the language's functions), :mod:`~derive.answers.vocabulary` and
:mod:`~derive.answers.limits` (what an answer may use, and how big it may be),
:mod:`~derive.answers.ast_nodes` (our tree), :mod:`~derive.answers.evaluate`
(numpy, sizes checked before anything is built), :mod:`~derive.answers.to_sympy`
(SymPy, exact numbers), :mod:`~derive.answers.catalogue` (the questions, collected
from the problem registry), :mod:`~derive.answers.gates` (case splits refused),
:mod:`~derive.answers.equivalence` (the numeric, symbolic and exact stages) run under
:mod:`~derive.answers.budget` (a time- and memory-limited child process),
:mod:`~derive.answers.result` (the verdict and its wording) and
:mod:`~derive.answers.diagnosis` (with :mod:`~derive.answers.outcomes` and
:mod:`~derive.answers.detectors`).  User text is never evaluated as Python and never
reaches ``sympify``.

Examples
--------
>>> r = check_answer("noisy.R", "sigma**2 * theta @ theta")
>>> r.equivalent, r.method
(True, 'exact')
>>> check_answer("softmax.initial_loss", "-log(1/c)").method
'symbolic'
>>> r = check_answer("noisy.ridge_gradient", "2 * X.T @ (X @ theta - y) + 2 * sigma**2 * theta")
>>> r.equivalent, r.mistake
(False, 'missing_1_over_size')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.ast_nodes import Node, render
from derive.answers.catalogue import all_questions, get_question, question_ids
from derive.answers.equivalence import DEFAULT_INSTANCES, CheckResult, check
from derive.answers.errors import AnswerError, AnswerParseError, RefusedInput, TooExpensive
from derive.answers.latex_input import looks_like_latex, parse_latex
from derive.answers.parser import parse_expression
from derive.answers.questions import SYNTAXES, Question

__all__ = [
    "check_answer", "parse_answer", "detect_syntax", "get_question", "question_ids", "QUESTIONS",
    "Question", "CheckResult", "AnswerError", "AnswerParseError", "RefusedInput", "TooExpensive", "SYNTAXES",
    "render", "check_derivation",
]


def __getattr__(name: str) -> Any:
    if name == "QUESTIONS":  # every question, collected from the registry on first use
        return all_questions()
    if name == "check_derivation":  # line by line (derive.answers.derivation), loaded on first use
        from derive.answers.derivation import check_derivation

        return check_derivation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def detect_syntax(text: str) -> str:
    """``"latex"`` when the answer contains a backslash command, else ``"numpy"`` (index form included)."""
    return "latex" if looks_like_latex(text) else "numpy"


def parse_answer(text: str, question: Question, syntax: str = "auto") -> Node:
    """Parse ``text`` for ``question`` in ``syntax`` ("auto", "numpy", "index" or "latex").

    Raises
    ------
    AnswerParseError, RefusedInput
        (both ValueError) on text outside the syntax or refused input.
    """
    if syntax not in ("auto",) + SYNTAXES:
        raise ValueError(f"syntax: expected one of auto, {', '.join(SYNTAXES)}; got {syntax!r}")
    if syntax == "auto":
        syntax = detect_syntax(text) if isinstance(text, str) else "numpy"
    vocab = question.vocabulary()
    return parse_latex(text, vocab) if syntax == "latex" else parse_expression(text, vocab)


def check_answer(question_id: str, text: str, *, syntax: str = "auto", rng: np.random.Generator | None = None,
                 n_instances: int = DEFAULT_INSTANCES) -> CheckResult:
    """Check the answer ``text`` to question ``question_id``.

    Parameters
    ----------
    question_id : str
        One of :func:`question_ids`.
    text : str
        The answer, in the numpy-like/index syntax or the LaTeX subset.
    syntax : {"auto", "numpy", "index", "latex"}
    rng : numpy.random.Generator, optional
        Source of the random instances (default: seeded 0, reproducible).
    n_instances : int, default 24

    Returns
    -------
    CheckResult

    Raises
    ------
    ValueError
        An unknown question; :class:`AnswerParseError` / :class:`RefusedInput` for the text.
    TooExpensive
        The answer is over its time, memory or work budget (no verdict).
    """
    question = get_question(question_id)
    tree = parse_answer(text, question, syntax)
    return check(question, tree, text, rng if rng is not None else np.random.default_rng(0), n_instances)
