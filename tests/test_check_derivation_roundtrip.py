"""Round trip: every LaTeX string the project prints is read back and checks.

Each step of ``gradproof derive --latex`` is fed to ``check-derivation`` in its
problem's context and must follow (or define a name); each question's LaTeX
example is read back by ``check-answer`` and is equivalent to the derived result.
The steps the reader does not support yet are listed here with the reason (and in
the README); they must be reported as unreadable or undecided — never as wrong.
"""

from __future__ import annotations

import re

import pytest

from derive.answers import RefusedInput, check_answer, check_derivation, parse_answer
from derive.answers.catalogue import all_questions
from derive.answers.derivation.context import context_keys
from derive.latex import to_latex
from derive.problems import get_problem

#: (problem, step number) -> why the reader does not check it yet
UNSUPPORTED: dict[tuple[str, int], str] = {
}
#: steps that hold only under a condition the step states in words: read back, and not an identity
CONDITIONAL: dict[tuple[str, int], str] = {
    ("svm", 16): "holds while every margin is positive (W near 0), not for every W",
}
#: question examples check-answer reads back but refuses to decide (its case-split gate), as of this commit
REFUSED_EXAMPLES: set[str] = set()


def _printed_steps() -> list[tuple[str, int, str]]:
    out = []
    for key in context_keys():
        d = get_problem(key).derivation()
        kw = {"notation": d.notation}
        for k, step in enumerate(d.steps, start=1):
            out.append((key, k, f"{to_latex(step.lhs, **kw)} = {to_latex(step.rhs, **kw)}"))
    return out


def _names_before(key: str, number: int) -> list[str]:
    """The printed steps before step ``number`` that name something (``R = ...``): a later step may use it."""
    return [latex for k, n, latex in STEPS if k == key and n < number and re.match(r"^[A-Za-z] = ", latex)]


STEPS = _printed_steps()


def test_every_printed_step_is_covered() -> None:
    assert len(STEPS) >= 50
    assert set(UNSUPPORTED) | set(CONDITIONAL) <= {(key, k) for key, k, _ in STEPS}
    assert not UNSUPPORTED, "every printed step is read back"
    supported = len(STEPS) - len(UNSUPPORTED) - len(CONDITIONAL)
    assert supported == len(STEPS) - 1, f"only {supported} of {len(STEPS)} printed steps are read back"


@pytest.mark.parametrize("key,number,latex", STEPS, ids=[f"{k}-{n}" for k, n, _ in STEPS])
def test_printed_step_reads_back_and_follows(key: str, number: int, latex: str) -> None:
    named = _names_before(key, number)
    result = check_derivation("\n".join(named + [latex]), key, instances=4)
    assert len(result.steps) == len(named) + 1
    assert all(s.status in ("definition", "follows") for s in result.steps[:-1]), result.report()
    step = result.steps[-1]
    if (key, number) in UNSUPPORTED:
        assert step.status in ("unreadable", "undecided"), (step.status, step.diagnosis)
    elif (key, number) in CONDITIONAL:
        # read alone (no condition), it is wrong, and the diagnosis says where it holds; with its printed
        # remark ("% ... (W near 0) ..."), it is conditional
        assert step.status == "wrong" and step.counterexample is not None, result.report()
        assert "it holds only near W = 0" in step.diagnosis, step.diagnosis
        stated = check_derivation(f"% {CONDITIONAL[(key, number)]}\n{latex}", key, instances=4).steps[0]
        assert stated.status == "conditional" and stated.method.startswith("holds near W = 0"), stated
    else:
        assert step.status in ("follows", "definition"), result.report()


@pytest.mark.parametrize("qid", [q.id for q in all_questions()])
def test_question_latex_example_reads_back(qid: str) -> None:
    q = next(q for q in all_questions() if q.id == qid)
    parse_answer(q.examples["latex"], q, "latex")  # read back in any case
    if qid in REFUSED_EXAMPLES:
        with pytest.raises(RefusedInput, match="case split"):
            check_answer(qid, q.examples["latex"])
        return
    assert check_answer(qid, q.examples["latex"]).equivalent
