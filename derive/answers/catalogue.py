r"""The questions ``gradproof check-answer`` knows: every result :mod:`derive` produces.

The questions live with their problems (``derive/<key>/questions.py``); this module
collects them from the registry, :data:`derive.problems.PROBLEMS`.  Each reference is a
call of the numpy function lambdified from the derivation (imported on first use);
the symbolic references are the derivations' own result steps at concrete sizes.

Examples
--------
>>> [q.id for q in all_questions()][:4]
['noisy.expected_loss', 'noisy.R', 'noisy.ridge_gradient', 'noisy.ridge_minimiser']
>>> get_question("softmax.grad_W").examples["numpy"]
'(Y - P).T @ X'
"""

from __future__ import annotations

import functools
from typing import Any

from derive.answers.questions import Question
from derive.problems import PROBLEMS

__all__ = ["QUESTIONS", "all_questions", "get_question", "question_ids"]


@functools.cache
def all_questions() -> tuple[Question, ...]:
    """Every question, problem by problem in the registry's order (each problem's ``questions.py``).

    Collected on first use: a problem's questions module imports this package's
    question types, so the catalogue cannot collect them while it is being imported.
    """
    return tuple(q for problem in PROBLEMS for q in problem.questions())


@functools.cache
def _by_id() -> dict[str, Question]:
    return {q.id: q for q in all_questions()}


def __getattr__(name: str) -> Any:
    if name == "QUESTIONS":
        return all_questions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def question_ids() -> list[str]:
    """The ids of every question, in the homework's order."""
    return list(_by_id())


def get_question(qid: str) -> Question:
    """The question ``qid``; ValueError listing the known ids otherwise."""
    by_id = _by_id()
    if qid not in by_id:
        raise ValueError(f"unknown question {qid!r}; known questions: {', '.join(by_id)}")
    return by_id[qid]
