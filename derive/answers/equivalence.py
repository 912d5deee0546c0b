r"""Decide whether an answer equals the derived result: symbolically, else numerically.

:func:`check` first tries SymPy (for scalar-valued questions that have a symbolic
reference: the derivation's own result, with the data entries as symbols at a few
concrete sizes, or with a symbolic size such as ``c``), then always evaluates the
answer and the reference on many random instances — sizes drawn from small
ranges, smallest first, data from the seeded generator — and compares them at
``rtol = 1e-9``.  When they differ, :func:`derive.answers.diagnosis.diagnose` names
the mistake and the smallest failing instance is the counterexample.

Examples
--------
>>> import numpy as np
>>> from derive.answers.catalogue import get_question
>>> from derive.answers.parser import parse_expression
>>> q = get_question("softmax.grad_W")
>>> r = check(q, parse_expression("(P - Y).T @ X", q.vocabulary()), "(P - Y).T @ X", np.random.default_rng(0))
>>> r.equivalent, r.method, r.diagnosis
(False, 'numeric', 'sign flip: the answer is −1 × the expected result')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.answers.ast_nodes import Node, names_used, render
from derive.answers.diagnosis import Outcome, close, diagnose
from derive.answers.errors import EvaluationError, ShapeMismatch, TooExpensive
from derive.answers.evaluate import DEFAULT_BUDGET, evaluate
from derive.answers.parser import parse_expression
from derive.answers.questions import Instance, Question
from derive.answers.to_sympy import NotSymbolic, element_symbols, sympy_zero, to_sympy

__all__ = ["CheckResult", "check", "evaluate_answer", "DEFAULT_INSTANCES"]

DEFAULT_INSTANCES = 24


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer (see :meth:`to_dict` for the JSON form)."""

    question: str
    answer: str
    parsed: str
    equivalent: bool
    method: str
    diagnosis: str | None = None
    mistake: str | None = None
    counterexample: dict[str, Any] | None = None
    instances: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return {"question": self.question, "answer": self.answer, "equivalent": self.equivalent,
                "method": self.method, "diagnosis": self.diagnosis, "mistake": self.mistake,
                "counterexample": self.counterexample, "parsed": self.parsed, "instances": self.instances,
                "notes": list(self.notes)}

    def _repr_html_(self) -> str:  # a notebook table (derive.answers.derivation.result renders it)
        from derive.answers.derivation.result import answer_html

        return answer_html(self)

    def _repr_markdown_(self) -> str:
        from derive.answers.derivation.result import answer_markdown

        return answer_markdown(self)

    def report(self) -> str:
        """A readable verdict for the terminal."""
        lines = [f"question: {self.question}", f"parsed:   {self.parsed}"]
        if self.equivalent:
            how = ("symbolically (SymPy), and on " if self.method == "symbolic" else "numerically on ")
            lines.append(f"CORRECT: equivalent to the derived result ({how}{self.instances} random instances)")
        else:
            lines.append(f"WRONG: not equivalent to the derived result (decided {self.method}ally)")
            if self.diagnosis:
                lines.append(f"diagnosis: {self.diagnosis}")
            if self.counterexample:
                lines.append("smallest counterexample:")
                lines.extend("  " + row for row in _format_counterexample(self.counterexample))
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _plain(x: Any) -> Any:
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        return a.tolist()
    return np.round(a.astype(float), 10).tolist()


def _format_counterexample(ce: dict[str, Any]) -> list[str]:
    rows = ["sizes: " + ", ".join(f"{k}={v}" for k, v in ce["sizes"].items())]
    rows += [f"{k} = {v}" for k, v in ce["values"].items()]
    rows.append(f"expected: {ce['expected']}")
    rows.append(f"got:      {ce['got']}" if ce.get("error") is None else f"got:      error: {ce['error']}")
    return rows


def evaluate_answer(tree: Node, question: Question, env: dict[str, Any]) -> NDArray[np.float64]:
    """The answer's value on one instance; an answer using a stacked index is evaluated per entry."""
    stacked = question.stacked
    if not stacked or not any(name in names_used(tree) for name, _ in stacked):
        return evaluate(tree, env, ranges=question.ranges)
    sizes = [int(env[size]) for _, size in stacked]
    budget = max(1000, DEFAULT_BUDGET // max(1, int(np.prod(sizes))))  # one budget for all the entries
    entries = []
    for combo in np.ndindex(*sizes):
        local = dict(env)
        local.update({name: int(v) for (name, _), v in zip(stacked, combo)})
        entries.append(evaluate(tree, local, ranges=question.ranges, budget=budget))
    shapes = {e.shape for e in entries}
    if len(shapes) > 1:
        raise EvaluationError(f"the entries for different {', '.join(n for n, _ in stacked)} have different shapes "
                              f"{sorted(shapes)}")
    return np.asarray(entries, dtype=float).reshape(tuple(sizes) + entries[0].shape)


@lru_cache(maxsize=256)
def _parsed(question_id: str, text: str) -> Node:
    from derive.answers.catalogue import get_question

    return parse_expression(text, get_question(question_id).vocabulary())


def _symbolic_env(question: Question, sizes: dict[str, int] | None) -> dict[str, Any]:
    import sympy as sp

    env: dict[str, Any] = {}
    for s in question.symbols:
        if s.kind == "size":
            env[s.name] = sizes[s.name] if sizes is not None else sp.Symbol(s.name, integer=True, positive=True)
        elif s.kind == "input":
            shape = tuple(sizes[n] for n in s.shape) if sizes is not None else ()
            positive = {"positive": True} if s.positive else {"real": True}
            env[s.name] = element_symbols(s.name, shape, **positive)
        elif s.kind == "derived" and s.name == "I" and sizes is not None:
            env[s.name] = np.array(sp.eye(sizes[s.shape[0]]).tolist(), dtype=object)
    return env


def symbolic_verdict(question: Question, tree: Node) -> bool | None:
    """True/False when SymPy decides the answer equals the symbolic reference; None otherwise."""
    if question.symbolic is None or question.shape:
        return None
    verdicts = []
    for sizes in (question.symbolic_sizes or (None,)):
        env = _symbolic_env(question, dict(sizes) if sizes is not None else None)
        try:
            got = to_sympy(tree, env, ranges=question.ranges)
            if isinstance(got, np.ndarray):
                return None  # not a scalar: the numeric check reports the shape
            verdicts.append(sympy_zero(got - question.symbolic(env)))
        except (NotSymbolic, EvaluationError):
            return None
        except (TypeError, ValueError, AttributeError, ZeroDivisionError):
            return None
    if all(v is True for v in verdicts):
        return True
    return False if any(v is False for v in verdicts) else None


def check(question: Question, tree: Node, answer: str, rng: np.random.Generator,
          n_instances: int = DEFAULT_INSTANCES) -> CheckResult:
    """Check the parsed answer ``tree`` against ``question``'s derived result.

    Parameters
    ----------
    question : Question
    tree : Node
        The parsed answer.
    answer : str
        The answer as typed (reported back).
    rng : numpy.random.Generator
        Source of the random instances.
    n_instances : int, default 24
        Number of random instances.
    """
    verdict = symbolic_verdict(question, tree)
    outcomes = []
    exhausted: tuple[int, str] | None = None  # over budget at this total size: larger ones are not tried
    for inst in question.instances(n_instances, rng):
        expected = question.reference_value(inst)
        got: NDArray[np.float64] | None = None
        error = None
        shape_error = False
        total = sum(inst.sizes.values())
        if exhausted is not None and total >= exhausted[0]:
            error = exhausted[1]
        else:
            try:
                got = evaluate_answer(tree, question, inst.env)
            except TooExpensive as exc:
                error = str(exc)
                exhausted = (total, error)
            except EvaluationError as exc:
                error = str(exc)
                shape_error = isinstance(exc, ShapeMismatch)
        outcomes.append((inst, Outcome(inst.sizes, inst.env, expected, got, error, shape_error)))
    failing = [(k, i, o) for k, (i, o) in enumerate(outcomes) if o.got is None or not close(o.got, o.expected)]
    numeric_ok = not failing
    notes: list[str] = []
    if verdict is True and not numeric_ok:
        notes.append("SymPy found the difference zero at the sizes it tried, but the numeric check "
                     "found a counterexample; trusting the counterexample")
    method = "symbolic" if verdict is not None and (verdict is False or numeric_ok) else "numeric"
    equivalent = numeric_ok and verdict is not False
    if equivalent:
        return CheckResult(question.id, answer, render(tree), True, method, instances=len(outcomes), notes=notes)
    if numeric_ok:  # SymPy says different, every instance agrees: no counterexample to show
        return CheckResult(question.id, answer, render(tree), False, method,
                           diagnosis="SymPy finds a non-zero difference that the random instances do not show",
                           mistake="symbolic_difference", instances=len(outcomes))

    def evaluate_text(text: str, o: Outcome) -> NDArray[np.float64]:
        return evaluate_answer(_parsed(question.id, text), question, o.env)

    found = diagnose(question, [o for _, o in outcomes], evaluate_text)
    _, inst, worst = min(failing, key=lambda t: (sum(t[1].sizes.values()), t[0]))
    counterexample = _counterexample(inst, worst)
    return CheckResult(question.id, answer, render(tree), False, method, found.message, found.code,
                       counterexample, len(outcomes), notes)


def _counterexample(inst: Instance, o: Outcome) -> dict[str, Any]:
    return {"sizes": dict(inst.sizes), "values": {k: _plain(v) for k, v in inst.shown.items()},
            "expected": _plain(o.expected), "got": None if o.got is None else _plain(o.got), "error": o.error}
