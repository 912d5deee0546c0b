r"""Decide whether an answer equals the derived result: symbolically, exactly, numerically.

:func:`check` refuses case splits a sampling check cannot be trusted with
(:mod:`derive.answers.gates`), then, in a child process with a time and memory
budget (:mod:`derive.answers.budget`):

1. **symbolically** — where the question has a SymPy reference for *symbolic*
   sizes (``log c``), SymPy decides the difference; this is the only case reported
   as "symbolically";
2. **exactly** — on instances whose data are exact rationals (at moderate sizes,
   hinge margins at 1 ± 2⁻ᵏ), the answer and the reference are evaluated with SymPy
   numbers, literals read as exact decimals, and the difference must be exactly
   zero: a stray ``1e-50`` or a factor ``1.0000000001`` shows here.  An answer that
   recomputes the softmax P (``exp``, ``softmax``) is evaluated with P computed exactly
   from rational scores, in powers of e, and decided exactly too
   (:mod:`derive.answers.exact_zero`); where other transcendental values remain
   (``log`` of a sum of exponentials) the values are compared to hundreds of digits and
   the verdict says so ("to N digits", never "exactly");
3. **numerically** — on random float64 instances over wide sizes (the smallest, the
   largest, one size at a time far beyond the derivation's, log-uniform draws), σ
   over (0, ∞) with no gaps, compared at ``rtol = 1e-9``.

Any failure makes the answer WRONG, and :func:`derive.answers.diagnosis.diagnose`
names the mistake (a wrong sum bound is named here).  An answer over a budget is
:class:`~derive.answers.errors.TooExpensive` — never a verdict.

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.answers.ast_nodes import Call, Node, SumOver, names_used, render, walk
from derive.answers.budget import DEFAULT_MEMORY, DEFAULT_SECONDS, run_bounded
from derive.answers.diagnosis import Diagnosis, Outcome, close, diagnose
from derive.answers.errors import EvaluationError, NotSymbolic, RefusedInput, ShapeMismatch, TooExpensive
from derive.answers.evaluate import DEFAULT_BUDGET, DEFAULT_WORK, evaluate
from derive.answers.functions import FUNCTIONS
from derive.answers.gates import refuse_gates
from derive.answers.parser import parse_expression
from derive.answers.questions import Instance, Question
from derive.answers.result import CheckResult, plain, size_ranges
from derive.answers.switches import SwitchLog, escape_sizes, refuse_smooth_switches

__all__ = ["CheckResult", "check", "evaluate_answer", "DEFAULT_INSTANCES", "DEFAULT_EXACT"]

DEFAULT_INSTANCES = 24
#: Exact (rational) instances per answer.
DEFAULT_EXACT = 5
#: Fewest numeric instances over which every case split of an answer must switch both ways.
MIN_SWITCH_INSTANCES = 8


def evaluate_answer(tree: Node, question: Question, env: dict[str, Any], *, exact: bool = False,
                    observe: SwitchLog | None = None) -> Any:
    """The answer's value on one instance; an answer using a stacked index is evaluated per entry.

    With ``exact`` the values are SymPy numbers (object arrays), literals exact; ``observe``
    watches the case splits of a numeric evaluation (:class:`~derive.answers.switches.SwitchLog`).
    """
    def one(local: dict[str, Any], budget: int, work: int) -> Any:
        if exact:
            from derive.answers.to_sympy import to_sympy

            return to_sympy(tree, local, ranges=question.ranges)
        return evaluate(tree, local, ranges=question.ranges, budget=budget, work=work, observe=observe)

    stacked = question.stacked
    if not stacked or not any(name in names_used(tree) for name, _ in stacked):
        return one(env, DEFAULT_BUDGET, DEFAULT_WORK)
    sizes = [int(env[size]) for _, size in stacked]
    count = max(1, int(np.prod(sizes)))
    budget, work = max(1000, DEFAULT_BUDGET // count), max(100_000, DEFAULT_WORK // count)
    entries = []
    for combo in np.ndindex(*sizes):
        local = dict(env)
        local.update({name: int(v) for (name, _), v in zip(stacked, combo)})
        entries.append(np.asarray(one(local, budget, work), dtype=object if exact else float))
    shapes = {e.shape for e in entries}
    if len(shapes) > 1:
        raise ShapeMismatch(f"the entries for different {', '.join(n for n, _ in stacked)} have different shapes "
                            f"{sorted(shapes)}")
    return np.asarray(entries, dtype=object if exact else float).reshape(tuple(sizes) + entries[0].shape)


@lru_cache(maxsize=256)
def _parsed(question_id: str, text: str) -> Node:
    from derive.answers.catalogue import get_question

    return parse_expression(text, get_question(question_id).vocabulary())


# -- 1. symbolic sizes -------------------------------------------------------------------------------

def _symbolic_verdict(question: Question, tree: Node) -> bool | None:
    """SymPy's verdict for symbolic sizes, where the question has such a reference (else None)."""
    if question.symbolic is None or question.symbolic_sizes or question.shape:
        return None
    import sympy as sp

    from derive.answers.to_sympy import sympy_zero, to_sympy

    env: dict[str, Any] = {}
    for s in question.symbols:
        if s.kind == "size":
            env[s.name] = sp.Symbol(s.name, integer=True, positive=True)
        elif s.kind == "input" and not s.shape:
            env[s.name] = sp.Symbol(s.name, positive=True) if s.positive else sp.Symbol(s.name, real=True)
        elif s.kind != "bound":
            return None  # data arrays need concrete sizes
    try:
        got = to_sympy(tree, env, ranges=question.ranges)
        if isinstance(got, np.ndarray):
            return None
        return sympy_zero(got - question.symbolic(env))
    except (NotSymbolic, TypeError, ValueError, AttributeError, ZeroDivisionError):
        return None


# -- 2. exact rational instances ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Exact:
    instance: Instance
    expected: Any
    got: Any
    same: bool | None  # None: undecided
    error: str | None = None
    how: str = "exact"  # "digits": decided by high-precision evaluation (derive.answers.exact_zero)


def _leaves_rationals(tree: Node) -> bool:
    return any(isinstance(n, Call) and n.func in FUNCTIONS and not FUNCTIONS[n.func].rational for n in walk(tree))


def _exact_reference(question: Question, env: dict[str, Any]) -> Any:
    """The derived result on exact data: the question's numpy-syntax statement of it, evaluated exactly
    (the tests tie that statement to the derivation's lambdified result)."""
    return evaluate_answer(_parsed(question.id, question.examples["numpy"]), question, env, exact=True)


def _exact_same(got: Any, expected: Any) -> tuple[bool | None, str]:
    """Whether two exact values agree entry by entry, and how that was decided ("exact" or "digits":
    see :mod:`derive.answers.exact_zero`)."""
    from derive.answers.exact_zero import decide_zero

    g, e = np.asarray(got, dtype=object), np.asarray(expected, dtype=object)
    if g.shape != e.shape:
        return False, "exact"
    scale = _scale(e)
    decisions = [decide_zero(a, b, scale) for a, b in zip(g.ravel(), e.ravel())]
    how = "digits" if any(d.how == "digits" for d in decisions) else "exact"
    wrong = [d for d in decisions if d.zero is False]
    if wrong:
        return False, "exact" if any(d.how == "exact" for d in wrong) else "digits"
    return (True if all(d.zero is True for d in decisions) else None), how


def _scale(expected: NDArray[Any]) -> float | None:
    """The largest magnitude of the expected entries (what "relative" is relative to), None if unknown."""
    try:
        values = np.abs(np.asarray(expected, dtype=float))
        return float(values.max()) if values.size and np.all(np.isfinite(values)) and values.max() > 0 else None
    except (TypeError, ValueError, OverflowError):
        return None


def _exact_stage(question: Question, tree: Node, rng: np.random.Generator, count: int) -> list[_Exact]:
    """The answer against the reference on exact instances ([] when exact arithmetic does not apply).

    Where the question derives names exactly (:attr:`Question.exact_derived`: the softmax P), an
    answer that recomputes them (exp, softmax) is checked with them computed exactly from the data;
    an answer using them as given is checked with them as independent data first (the identity must
    then hold for any P), and, where that differs, again with P computed exactly (an answer may rely
    on P's rows summing to 1).
    """
    if count <= 0:
        return []
    transcendental = _leaves_rationals(tree)
    extra = escape_sizes(tree, question)  # past the zeros of a size-only factor: (N - 1) … (N - 6)
    if question.exact_derived is None:
        if not question.rational_names and transcendental:
            return []
        return _exact_run(question, tree, question.exact_instances(count, rng, extra_sizes=extra))
    consistent = min(count, 3)
    if transcendental:
        return _exact_run(question, tree, question.exact_instances(consistent, rng, consistent=True,
                                                                   extra_sizes=extra))
    free = _exact_run(question, tree, question.exact_instances(count, rng, extra_sizes=extra))
    if any(e.same is False for e in free):
        return _exact_run(question, tree, question.exact_instances(consistent, rng, consistent=True,
                                                                   extra_sizes=extra))
    return free


def _exact_run(question: Question, tree: Node, instances: list[Instance]) -> list[_Exact]:
    out = []
    for inst in instances:
        expected = _exact_reference(question, inst.env)
        try:
            got = evaluate_answer(tree, question, inst.env, exact=True)
        except NotSymbolic:
            return []
        except TooExpensive:
            raise
        except EvaluationError as exc:
            out.append(_Exact(inst, expected, None, False, str(exc)))
            continue
        same, how = _exact_same(got, expected)
        out.append(_Exact(inst, expected, got, same, how=how))
    return out


# -- 3. float instances ---------------------------------------------------------------------------------

def _numeric_stage(question: Question, tree: Node, rng: np.random.Generator,
                   count: int, log: SwitchLog | None = None) -> list[tuple[Instance, Outcome]]:
    outcomes = []
    for inst in question.instances(count, rng):
        expected = question.reference_value(inst)
        got: NDArray[np.float64] | None = None
        error, shape_error = None, False
        try:
            got = evaluate_answer(tree, question, inst.env, observe=log)
        except TooExpensive:
            raise
        except EvaluationError as exc:
            error, shape_error = str(exc), isinstance(exc, ShapeMismatch)
        outcomes.append((inst, Outcome(inst.sizes, inst.env, expected, got, error, shape_error)))
    return outcomes


# -- the verdict ------------------------------------------------------------------------------------------

def check(question: Question, tree: Node, answer: str, rng: np.random.Generator,
          n_instances: int = DEFAULT_INSTANCES, *, n_exact: int = DEFAULT_EXACT,
          seconds: float = DEFAULT_SECONDS, memory: int = DEFAULT_MEMORY) -> CheckResult:
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
        Number of random float instances.
    n_exact : int, default 5
        Number of exact (rational) instances.
    seconds, memory : float, int
        The answer's budget: wall time and extra bytes of the child that checks it.

    Raises
    ------
    RefusedInput
        A case split the check cannot be trusted with (:mod:`derive.answers.gates`).
    TooExpensive
        The answer is over its time, memory or work budget.
    """
    refuse_gates(tree, question, answer)
    _warm(question.id)
    return run_bounded(lambda: _check(question, tree, answer, rng, n_instances, n_exact),
                       seconds=seconds, memory=memory)


@lru_cache(maxsize=None)
def _warm(question_id: str) -> None:
    """Build the question's references once in this process (derivations, lambdified functions),
    so that the child checking each answer inherits them instead of deriving them again."""
    from derive.answers.catalogue import get_question

    question = get_question(question_id)
    rng = np.random.default_rng(0)
    import derive.answers.exact_zero  # noqa: F401  (imported here, not in each child)

    question.reference_value(question.instances(1, rng)[0])
    _exact_reference(question, question.exact_instances(1, rng)[0].env)
    if question.exact_derived is not None:
        _exact_reference(question, question.exact_instances(1, rng, consistent=True)[0].env)


def _check(question: Question, tree: Node, answer: str, rng: np.random.Generator,
           n_instances: int, n_exact: int) -> CheckResult:
    refuse_smooth_switches(tree, question, answer)
    # a split must be seen both ways on enough instances (a check asked for a few instances is not judged)
    log = SwitchLog(tree) if question.case_split and n_instances >= MIN_SWITCH_INSTANCES else None
    numeric = _numeric_stage(question, tree, rng, n_instances, log)
    base = CheckResult(question.id, answer, render(tree), True, "numeric", instances=len(numeric),
                       sizes=size_ranges([i.sizes for i, _ in numeric]))
    failing = [(k, i, o) for k, (i, o) in enumerate(numeric) if o.got is None or not close(o.got, o.expected)]
    if failing:  # a counterexample decides: no need for SymPy
        found = _bounds_diagnosis(question, tree, [o for _, o in numeric]) or diagnose(
            question, [o for _, o in numeric], _evaluator(question))
        _, inst, worst = min(failing, key=lambda t: (sum(t[1].sizes.values()), t[0]))
        if found.code == "unknown" and worst.got is not None and not np.all(np.isfinite(worst.got)):
            found = Diagnosis("overflow", "the answer evaluates to inf or nan where the derived result is finite "
                                          "(an overflow, or a value outside a function's domain)")
        elif found.code == "unknown" and len(failing) < len(numeric):
            found = Diagnosis("size_dependent", _agreeing_sizes(numeric, {k for k, _, _ in failing}))
        return replace(base, equivalent=False, diagnosis=found.message, mistake=found.code,
                       counterexample=_counterexample(inst, worst.expected, worst.got, worst.error))
    unexercised = log.unexercised() if log is not None else None
    if unexercised is not None:
        raise RefusedInput(f"cannot be checked: {unexercised}", text=answer)
    symbolic = _symbolic_verdict(question, tree)
    if symbolic is True:
        return replace(base, method="symbolic")
    if symbolic is False:
        return replace(base, equivalent=False, method="symbolic", mistake="symbolic_difference",
                       diagnosis="SymPy finds a non-zero difference for symbolic sizes (too small for the "
                                 "float instances to show: a stray constant or factor?)")
    decided = [e for e in _exact_stage(question, tree, rng, n_exact) if e.same is not None]
    exact = [e for e in decided if e.how == "exact"]
    digits = [e for e in decided if e.how == "digits"]
    base = replace(base, exact_instances=len(exact), exact_sizes=size_ranges([e.instance.sizes for e in exact]),
                   digit_instances=len(digits), digit_sizes=size_ranges([e.instance.sizes for e in digits]))
    wrong = [e for e in decided if e.same is False]
    if not wrong:
        return replace(base, method="exact" if exact else ("digits" if digits else "numeric"))
    first = min(wrong, key=lambda e: (e.how != "exact", sum(e.instance.sizes.values())))
    ce = _counterexample(first.instance, first.expected, first.got, first.error)
    ce["difference"] = _difference(first)
    if first.how == "digits":
        from derive.answers.exact_zero import DIGITS

        return replace(base, equivalent=False, method="digits", mistake="exact_difference", counterexample=ce,
                       diagnosis=f"the answer differs from the derived result by an amount too small for float64 "
                                 f"to show ({DIGITS}-digit arithmetic shows it): a stray tiny constant or factor?")
    if question.exact_adjust is not None and not _tiny(first):
        return replace(base, equivalent=False, method="exact", mistake="case_split", counterexample=ce,
                       diagnosis="the answer's case split differs from the derived result's: on exact data "
                                 "with values just off the split (margins 1 ± 2⁻ᵏ) the two disagree — a "
                                 "threshold off the kink?")
    return replace(base, equivalent=False, method="exact", mistake="exact_difference", counterexample=ce,
                   diagnosis="the answer differs from the derived result by an amount too small for float64 "
                             "to show (exact arithmetic shows it): a stray tiny constant or factor?")


def _agreeing_sizes(numeric: Sequence[tuple[Instance, Outcome]], failing: set[int]) -> str:
    """Where the answer agrees and where it does not (a term that vanishes at some sizes only)."""
    def listed(keys: list[int]) -> str:
        shown = sorted({", ".join(f"{n}={v}" for n, v in numeric[k][0].sizes.items()) for k in keys})
        return "; ".join(shown[:4]) + (" …" if len(shown) > 4 else "")
    agree = [k for k in range(len(numeric)) if k not in failing]
    return (f"the answer agrees with the derived result at some sizes ({listed(agree)}) but not at others "
            f"({listed(sorted(failing))}): a term or factor that vanishes or switches on only at some sizes "
            "or values?")


def _evaluator(question: Question) -> Callable[[Any, Outcome], NDArray[np.float64]]:
    def evaluate_text(what: str | Node, o: Outcome) -> NDArray[np.float64]:
        tree = _parsed(question.id, what) if isinstance(what, str) else what
        return evaluate_answer(tree, question, o.env)
    return evaluate_text


def _tiny(e: _Exact) -> bool:
    """Whether the exact difference is below float64's resolution of the expected value."""
    try:
        got = np.asarray(e.got, dtype=float)
        want = np.asarray(e.expected, dtype=float)
        scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
        return bool(np.all(np.abs(got - want) <= 1e-9 * scale))
    except (TypeError, ValueError, OverflowError):
        return True


def _difference(e: _Exact) -> str:
    if e.got is None:
        return "not evaluable"
    try:
        diff = np.asarray(np.asarray(e.got, dtype=object) - np.asarray(e.expected, dtype=object), dtype=object)
        nonzero = [v for v in diff.ravel() if v != 0]
        return str(nonzero[0] if nonzero else 0)[:200]
    except (TypeError, ValueError):
        return "shapes differ"


def _counterexample(inst: Instance, expected: Any, got: Any, error: str | None) -> dict[str, Any]:
    return {"sizes": dict(inst.sizes), "values": {k: plain(v) for k, v in inst.shown.items()},
            "expected": plain(expected), "got": None if got is None else plain(got), "error": error}


# -- a wrong sum bound ---------------------------------------------------------------------------------

def _without_bounds(tree: Node) -> Node:
    if isinstance(tree, SumOver):
        return SumOver(tree.var, _without_bounds(tree.body))
    fields = {}
    for name, value in vars(tree).items():
        if isinstance(value, Node):
            fields[name] = _without_bounds(value)
        elif isinstance(value, tuple):
            fields[name] = tuple(_without_bounds(v) if isinstance(v, Node) else
                                 (tuple(_without_bounds(w) if isinstance(w, Node) else w for w in v)
                                  if isinstance(v, tuple) else v) for v in value)
    return replace(tree, **fields) if fields else tree  # type: ignore[type-var]


def _bounds_diagnosis(question: Question, tree: Node, outcomes: Sequence[Outcome]) -> Diagnosis | None:
    """When the answer is right except for the limits of a sum, say which terms they leave out or add."""
    bounded = [n for n in walk(tree) if isinstance(n, SumOver) and (n.start is not None or n.stop is not None)]
    if not bounded:
        return None
    fixed = _without_bounds(tree)
    try:
        if not all(close(evaluate_answer(fixed, question, o.env), o.expected) for o in outcomes):
            return None
    except EvaluationError:
        return None
    s = bounded[0]
    size = question.ranges.get(s.var, "?")
    env = outcomes[0].env
    try:
        start = 0 if s.start is None else int(evaluate(s.start, env, ranges=question.ranges))
    except EvaluationError:
        start = 0
    parts = []
    if start > 0:
        left_out = f"{s.var} = 1" if start == 1 else f"{s.var} = 1, …, {start}"
        parts.append(f"the sum over {s.var} starts at {start + 1}: it leaves out {left_out}")
    elif start < 0:
        parts.append(f"the sum over {s.var} starts at {start + 1}, before the first term {s.var} = 1")
    if s.stop is not None:
        stop = render(s.stop)
        parts.append(f"the sum over {s.var} ends at {stop} where it should end at {size} "
                     f"(in this question {s.var} runs over 1..{size})")
    return Diagnosis("sum_bounds", "; ".join(parts) or f"the limits of the sum over {s.var} are wrong")
