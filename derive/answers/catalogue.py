r"""The questions ``gradproof check-answer`` knows: every result :mod:`derive` produces.

Each reference is a call of the numpy function lambdified from the derivation
(imported lazily, so this module imports without SymPy work); the symbolic
references are the derivations' own result steps at concrete sizes.

Examples
--------
>>> [q.id for q in QUESTIONS][:4]
['noisy.expected_loss', 'noisy.R', 'noisy.ridge_gradient', 'noisy.ridge_minimiser']
>>> get_question("softmax.grad_W").examples["numpy"]
'(Y - P).T @ X'
"""

from __future__ import annotations

from derive.answers import catalogue_distances, catalogue_hinge, catalogue_noisy, catalogue_softmax
from derive.answers.questions import Question

__all__ = ["QUESTIONS", "get_question", "question_ids"]

#: every question, in the homework's order (one module per problem)
QUESTIONS: tuple[Question, ...] = (
    catalogue_noisy.QUESTIONS + catalogue_softmax.QUESTIONS + catalogue_hinge.QUESTIONS
    + catalogue_distances.QUESTIONS
)

_BY_ID = {q.id: q for q in QUESTIONS}


def question_ids() -> list[str]:
    """The ids of every question, in the homework's order."""
    return list(_BY_ID)


def get_question(qid: str) -> Question:
    """The question ``qid``; ValueError listing the known ids otherwise."""
    if qid not in _BY_ID:
        raise ValueError(f"unknown question {qid!r}; known questions: {', '.join(_BY_ID)}")
    return _BY_ID[qid]
