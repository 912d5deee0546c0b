r"""Why a line ``A = B`` is wrong: the engine's detectors, applied with ``A`` as the expected value.

In order: a side that cannot be evaluated; a shape mismatch or a transpose; a
global factor (sign, constant, 1/N, 1/m, 1/K, a power of σ —
:func:`derive.answers.detectors.global_factor`); a norm whose square is missing; a
sum whose written bound leaves terms out; a term of ``A`` missing, flipped or
rescaled in ``B`` and a term of ``B`` that ``A`` does not have
(:func:`derive.answers.detectors.term_coefficients`); the softmax true-class
entry set to 1 instead of :math:`P - 1`.  The smallest instance where the sides
differ is the counterexample.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from derive.answers.ast_nodes import Bin, Call, Compare, Index, Indicator, Name, Node, Num, walk
from derive.answers.derivation.nodes import BoundedSum, map_children
from derive.answers.derivation.show import show
from derive.answers.detectors import describe_factor, global_factor, term_coefficients
from derive.answers.outcomes import Diagnosis, Outcome, close

__all__ = ["diagnose_line", "counterexample"]

Evaluate = Callable[[Node, dict[str, Any]], Any]
#: a known term of the problem: its label, its tree, what a multiple k of it missing means (k -> message),
#: and the size names whose 1/size it carries
Candidate = tuple[str, Node, Mapping[float, str], tuple[str, ...]]


def _rhs(text: str) -> str:
    return (text.replace("the answer is", "the right-hand side is")
            .replace("the expected result", "the left-hand side"))


def _mutants(node: Node) -> list[tuple[str, str, Node]]:
    """Single repairs of the right-hand side: (code, message, repaired tree)."""
    out: list[tuple[str, str, Node]] = []
    for n in walk(node):
        if isinstance(n, Call) and n.func == "norm" and not _is_squared(node, n):
            inner = show(n.args[0])
            out.append(("norm_not_squared", f"‖{inner}‖ where ‖{inner}‖² is expected: the square of the norm is "
                                            "missing", _replace(node, n, Bin("**", n, Num(2)))))
        if (isinstance(n, Call) and n.func == "where" and isinstance(n.args[1], Num)
                and n.args[1].value in (1, -1)):  # the true-class case written 1 where P − 1 is meant
            repaired = Call("where", (n.args[0], Bin("-", n.args[2], Num(1)), n.args[2]))
            out.append(("true_class_entry", f"the true-class entry is set to {show(n.args[1])} instead of "
                                            f"{show(n.args[2])} − 1 (P − 1)", _replace(node, n, repaired)))
        if isinstance(n, BoundedSum) and n.start:
            out.append(("sum_bound", f"sum bound: the sum over {n.var} starts at {n.start + 1}, leaving out the first "
                                     f"of its {n.size} terms", _replace(node, n, replace(n, start=None))))
        if isinstance(n, Indicator) and isinstance(n.cond, Compare) and n.cond.op in _FLIP:
            flipped = Indicator(Compare(_FLIP[n.cond.op], n.cond.left, n.cond.right))
            out.append(("indicator", f"the indicator's condition is reversed: {show(n.cond)} where the opposite "
                                     f"({_FLIP[n.cond.op]}) is expected", _replace(node, n, flipped)))
        if isinstance(n, BoundedSum) and n.upper is not None:
            out.append(("sum_bound", f"sum bound: the sum over {n.var} stops at {show(n.upper)}, not at the last "
                                     f"of its {n.size} terms", _replace(node, n, replace(n, upper=None))))
    return out


def _is_squared(root: Node, norm: Node) -> bool:
    return any(isinstance(n, Bin) and n.op == "**" and n.left is norm for n in walk(root))


def _replace(node: Node, old: Node, new: Node) -> Node:
    return new if node is old else map_children(node, lambda child: _replace(child, old, new))


def _matches(ok: Sequence[Outcome], tree: Node, evaluate: Evaluate, against: str = "expected") -> bool:
    try:
        return all(close(evaluate(tree, o.env), getattr(o, against)) for o in ok)
    except ValueError:
        return False


def _term_values(ok: Sequence[Outcome], terms: list[tuple[float, Node]], evaluate: Evaluate) -> list[list[Any]]:
    return [[np.asarray(evaluate(t, o.env)) for _, t in terms] for o in ok]


def diagnose_line(left: Node, right: Node, outcomes: Sequence[Outcome], evaluate: Evaluate,
                  terms_of: Callable[[Node], list[tuple[float, Node]]], sigma_power: int | None = None,
                  candidates: Sequence[Candidate] = (),
                  label_pairs: Sequence[tuple[Node, str]] = (), sizes: Sequence[str] = ()) -> Diagnosis:
    """The mistake that explains ``right`` ≠ ``left`` on ``outcomes`` (see the module docstring)."""
    bad_left = [o for o in outcomes if o.left_failed]
    if bad_left:
        return Diagnosis("not_evaluable", f"the left-hand side cannot be evaluated at {_sizes(bad_left[0])}: "
                                          f"{bad_left[0].error.split(': ', 1)[-1]}")
    ok = [o for o in outcomes if o.got is not None]
    failed = [o for o in outcomes if o.got is None]
    if failed:
        first = min(failed, key=lambda o: sum(o.sizes.values()))
        for code, message, tree in _mutants(right):
            if code == "sum_bound" and _matches(outcomes, tree, evaluate):
                return Diagnosis(code, message)
        code = "shape" if first.error and "shape" in first.error else "not_evaluable"
        return Diagnosis(code, f"the right-hand side cannot be evaluated at {_sizes(first)}: {first.error}")
    if any(np.shape(o.got) != o.expected.shape for o in ok):
        if all(o.expected.ndim == 2 and close(o.got, o.expected.T) for o in ok):
            return Diagnosis("transpose", "transposed: the right-hand side is the transpose of the left-hand side")
        bad = next(o for o in ok if np.shape(o.got) != o.expected.shape)
        return Diagnosis("shape", f"shape mismatch at {_sizes(bad)}: the left-hand side has shape "
                                  f"{bad.expected.shape}, the right-hand side {np.shape(bad.got)}")
    if all(o.expected.ndim == 2 and o.expected.shape[0] == o.expected.shape[1] and close(o.got, o.expected.T)
           for o in ok) and any(not close(o.got, o.expected) for o in ok):
        return Diagnosis("transpose", "transposed: the right-hand side is the transpose of the left-hand side")
    factor = global_factor(ok)
    if factor is not None:
        code, text = describe_factor(factor, sigma_power=sigma_power)
        return Diagnosis(code, _rhs(text))
    for code, message, tree in _mutants(right):
        if _matches(ok, tree, evaluate):
            return Diagnosis(code, message)
    found = _by_terms(left, right, ok, evaluate, terms_of)
    if found is not None:
        return found
    found = _one_for_indicator(right, ok, evaluate, label_pairs)
    if found is not None:
        return found
    found = _missing_known_term(ok, candidates, evaluate, sizes)
    if found is not None:
        return found
    found = _flipped_term(right, ok, evaluate, terms_of)
    if found is not None:
        return found
    return Diagnosis("unknown", "the two sides differ, and none of the known mistakes (sign, constant factor, "
                                "1/size, transpose, a missing, extra or flipped term, power of σ, a norm's square, "
                                "a sum's bound) explains the difference")


def _by_terms(left: Node, right: Node, ok: Sequence[Outcome], evaluate: Evaluate,
              terms_of: Callable[[Node], list[tuple[float, Node]]]) -> Diagnosis | None:
    lterms, rterms = terms_of(left), terms_of(right)
    try:
        if 1 < len(lterms) <= 8:
            values = _term_values(ok, lterms, evaluate)
            found = term_coefficients(ok, values, [show(t) for _, t in lterms], [c for c, _ in lterms],
                                      [0] * len(lterms))
            if found is not None:
                return found
        if 1 < len(rterms) <= 8:  # a term of B that A does not have: A = B's terms with one dropped
            flipped = [Outcome(o.sizes, o.env, np.asarray(o.got), o.expected) for o in ok]
            values = _term_values(ok, rterms, evaluate)
            found = term_coefficients(flipped, values, [show(t) for _, t in rterms], [c for c, _ in rterms],
                                      [0] * len(rterms))
            if found is not None and found.code == "missing_term":
                return Diagnosis("extra_term", found.message.replace("missing term: ", "an extra term: ")
                                 .replace("missing terms: ", "extra terms: "))
    except ValueError:
        return None
    return None


_NICE = (1.0, -1.0, 2.0, -2.0, 0.5, -0.5)
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _flipped_term(right: Node, ok: Sequence[Outcome], evaluate: Evaluate,
                  terms_of: Callable[[Node], list[tuple[float, Node]]]) -> Diagnosis | None:
    """One term of the right-hand side with the wrong sign: left − right = −2 × that term."""
    terms = terms_of(right)
    if not 1 < len(terms) <= 8:
        return None
    diffs = [o.expected - np.asarray(o.got) for o in ok]
    for c, t in terms:
        try:
            values = [c * np.asarray(evaluate(t, o.env)) for o in ok]
        except ValueError:
            return None
        if any(v.shape != d.shape for v, d in zip(values, diffs)) or not any(np.any(np.abs(v) > 1e-9) for v in values):
            continue
        if all(close(d, -2 * v) for d, v in zip(diffs, values)):
            return Diagnosis("sign", f"sign: the term {show(t)} has the wrong sign")
    return None


def _one_for_indicator(right: Node, ok: Sequence[Outcome], evaluate: Evaluate,
                       label_pairs: Sequence[tuple[Node, str]]) -> Diagnosis | None:
    """A written 1 where the indicator 1{y^{(j)} = i} is meant (the true class's 1 applied to every class)."""
    for n in walk(right):
        if not (isinstance(n, Bin) and n.op in ("+", "-") and isinstance(n.right, Num) and n.right.value == 1):
            continue
        for label, index in label_pairs:
            repaired = _replace(right, n, Bin(n.op, n.left, Indicator(Compare("==", label, Name(index)))))
            if _matches(ok, repaired, evaluate):
                return Diagnosis("indicator", f"1 where the indicator 1{{{show(label)} = {index}}} is expected: the "
                                              "true class's 1 is applied to every class")
    return None


def _missing_known_term(ok: Sequence[Outcome], candidates: Sequence[Candidate],
                        evaluate: Evaluate, sizes: Sequence[str] = ()) -> Diagnosis | None:
    """The left-hand side minus the right is k × one of the problem's known terms (or that term lost its 1/size)."""
    diffs = [o.expected - np.asarray(o.got) for o in ok]
    for label, tree, hints, per_size in candidates:
        try:
            values = [np.asarray(evaluate(tree, o.env)) for o in ok]
        except ValueError:
            continue
        if any(v.shape != d.shape for v, d in zip(values, diffs)):
            continue
        if not any(np.any(np.abs(v) > 1e-9) for v in values):
            continue
        for k in _NICE:
            if all(close(d, k * v) for d, v in zip(diffs, values)):
                if k in hints:
                    return Diagnosis(hints[k].split(":", 1)[0], hints[k].split(":", 1)[1].strip())
                if abs(k) == 2:
                    return Diagnosis("sign", f"sign: the term {label} has the wrong sign")
                sign = "−" if k < 0 else ""
                factor = "" if abs(k) == 1 else f"{abs(k):g} × "
                return Diagnosis("missing_term", f"missing term: {sign}{factor}{label}")
        for size in sizes:  # k = ±1/size: the term with a 1/size factor
            for sign in (1.0, -1.0):
                if all(close(d, sign / float(o.env[size]) * v) for d, v, o in zip(diffs, values, ok)):
                    return Diagnosis("missing_term", f"missing term: {'−' if sign < 0 else ''}(1/{size}) {label}")
        for size in per_size:  # the term written N times too large: its 1/N is missing
            if all(close(d, (1 - float(o.env[size])) * v) for d, v, o in zip(diffs, values, ok)):
                return Diagnosis("missing_1_over", f"missing 1/{size} on the term {label}")
    return None


def _sizes(o: Outcome) -> str:
    return ", ".join(f"{k}={v}" for k, v in o.sizes.items())


def _plain(x: Any, limit: int = 12) -> Any:
    a = np.asarray(x)
    if a.dtype.kind in "iub":
        return a.tolist() if a.size <= limit else f"array of shape {a.shape}"
    a = np.real(a).astype(float)
    if a.size > limit:
        return f"array of shape {a.shape} (first entries {np.round(a.ravel()[:4], 6).tolist()})"
    return np.round(a, 6).tolist()


def counterexample(outcomes: Sequence[Outcome], used: set[str], shown: Sequence[str]) -> dict[str, Any] | None:
    """The smallest instance where the sides differ: sizes, the values the line uses, both sides."""
    failing = [(k, o) for k, o in enumerate(outcomes) if o.got is None or not close(o.got, o.expected)]
    if not failing:
        return None
    _, o = min(failing, key=lambda t: (sum(t[1].sizes.values()), t[0]))
    values = {k: _plain(o.env[k]) for k in shown if k in used and k in o.env}
    return {"sizes": dict(o.sizes), "values": values,
            "left": None if o.left_failed else _plain(o.expected),
            "right": None if o.got is None else _plain(o.got), "error": o.error}
