r"""Check a subdifferential claim :math:`\partial_w f\big|_{g = c} = \{ s(t) \mid t \in [a, b] \}`.

A convex function of one variable has, at a kink, the subdifferential
:math:`[f'_-, f'_+]` — the segment between its one-sided derivatives.  On each
instance the point is first moved onto the kink (one parameter entry is shifted so
that :math:`g = c` holds; :math:`g` is affine in it, which is checked after the
move), then the one-sided derivatives of :math:`f` along :math:`w` are taken
(Richardson-extrapolated one-sided differences) and compared with the ends
:math:`s(a), s(b)` of the written set (which must be a segment: :math:`s` affine in
:math:`t`, checked at the midpoint).  This is a numerical check on the instances;
the claim is reported as such.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from derive.answers.ast_nodes import Index, Name, Node
from derive.answers.derivation.context import Context
from derive.answers.derivation.nodes import Named, SetOf, Subdiff
from derive.answers.evaluate import EvaluationError
from derive.answers.outcomes import close

__all__ = ["check_subdifferential", "Kink"]

Evaluate = Callable[[Node, dict[str, Any]], Any]


class Kink(EvaluationError):
    """The instance cannot be moved onto the kink (the condition does not depend on any parameter entry)."""


def _entry(wrt: Node, env: Mapping[str, Any], evaluate: Evaluate) -> tuple[str, tuple[int, ...]]:
    """The single parameter entry ``wrt`` names (``w_k``, ``b``, ``W_{d,k}``)."""
    node = wrt
    while isinstance(node, Named) and isinstance(node.tree, Index | Name):
        node = node.tree
    items: tuple[int, ...] = ()
    if isinstance(node, Index):
        items = tuple(int(np.real(evaluate(i, dict(env)))) for i in node.items)
        node = node.base
    if not isinstance(node, Name) or node.id not in env:
        raise EvaluationError("a subdifferential is taken with respect to a parameter or one of its entries")
    if np.ndim(env[node.id]) != len(items):
        raise EvaluationError("a subdifferential here is taken with respect to one entry (e.g. w_k, b)")
    return node.id, items


def _set(env: dict[str, Any], name: str, idx: tuple[int, ...], value: float) -> dict[str, Any]:
    out = dict(env)
    if idx:
        a = np.array(env[name], dtype=float)
        a[idx] = value
        out[name] = a
    else:
        out[name] = float(value)
    return out


def _get(env: Mapping[str, Any], name: str, idx: tuple[int, ...]) -> float:
    return float(np.real(np.asarray(env[name])[idx])) if idx else float(np.real(env[name]))


def _onto_kink(claim: Subdiff, env: dict[str, Any], ctx: Context, evaluate: Evaluate,
               prefer_last: str) -> tuple[dict[str, Any], str]:
    target = float(np.real(evaluate(claim.value, env)))
    params = [s for s in ctx.symbols if s.name in ctx.parameters and s.name in env and s.name != prefer_last]
    params.sort(key=lambda s: len(s.shape))
    params += [s for s in ctx.symbols if s.name == prefer_last and s.name in ctx.parameters]
    for s in params:
        for idx in np.ndindex(*np.shape(env[s.name])):
            g0 = float(np.real(evaluate(claim.where, env)))
            x0 = _get(env, s.name, idx)
            g1 = float(np.real(evaluate(claim.where, _set(env, s.name, idx, x0 + 1.0))))
            slope = g1 - g0
            if abs(slope) < 1e-6:
                continue
            moved = _set(env, s.name, idx, x0 + (target - g0) / slope)
            g = float(np.real(evaluate(claim.where, moved)))
            if abs(g - target) <= 1e-9 * max(1.0, abs(target)):
                where = s.name + (f"[{', '.join(str(i + 1) for i in idx)}]" if idx else "")
                return moved, where
    raise Kink("no parameter entry moves the point onto the kink (the condition does not depend on one)")


def _one_sided(body: Node, env: dict[str, Any], name: str, idx: tuple[int, ...], evaluate: Evaluate,
               side: float) -> np.ndarray:
    x0 = _get(env, name, idx)
    f0 = np.asarray(np.real(evaluate(body, env)), dtype=float)
    h = 1e-3 * max(1.0, abs(x0))

    def quotient(step: float) -> np.ndarray:
        f = np.asarray(np.real(evaluate(body, _set(env, name, idx, x0 + side * step))), dtype=float)
        return side * (f - f0) / step
    return 2 * quotient(h / 2) - quotient(h)  # Richardson: error O(h²), exact for a piecewise-linear f


def check_subdifferential(left: Node, right: Node, ctx: Context,
                          instances: list[tuple[dict[str, int], dict[str, Any]]], evaluate: Evaluate,
                          deadline: float) -> tuple[str, str, str | None, dict[str, Any] | None]:
    """(status, method, diagnosis, counterexample) of ``left = right``, one a :class:`Subdiff` and the other a :class:`SetOf`."""
    if isinstance(left, SetOf) and isinstance(right, Subdiff):
        left, right = right, left
    if not (isinstance(left, Subdiff) and isinstance(right, SetOf)):
        return "unreadable", "", "a subdifferential is compared with a set {s(t) | t ∈ [a, b]}, and a set with one", None
    checked, moved_by, skipped = 0, set(), 0
    for sizes, env in instances:
        if time.process_time() > deadline:
            return "undecided", "over its time budget", "the line took longer than its time budget", None
        try:
            name, idx = _entry(left.wrt, env, evaluate)
            try:
                at, where = _onto_kink(left, dict(env), ctx, evaluate, prefer_last=name)
            except Kink:
                skipped += 1
                continue
            name, idx = _entry(left.wrt, at, evaluate)
            ends = []
            for bound in (right.lo, right.hi):
                ends.append(np.asarray(np.real(evaluate(right.body, {**at, right.var: evaluate(bound, at)})),
                                       dtype=float))
            mid = np.asarray(np.real(evaluate(right.body, {**at, right.var: (evaluate(right.lo, at)
                                                                             + evaluate(right.hi, at)) / 2})))
            if not close(mid, (ends[0] + ends[1]) / 2):
                return "undecided", "not checked", "the set is not a segment (its expression is not affine in " \
                                                   f"{right.var}): only segments are checked", None
            lo, hi = (_one_sided(left.body, at, name, idx, evaluate, side) for side in (-1.0, 1.0))
        except EvaluationError as exc:
            return "undecided", "not checked", f"the subdifferential could not be evaluated ({exc})", None
        same = (close(lo, ends[0]) and close(hi, ends[1])) or (close(lo, ends[1]) and close(hi, ends[0]))
        if not same:
            where_sizes = ", ".join(f"{k}={v}" for k, v in sizes.items())
            return "wrong", f"subdifferential checked numerically at a kink (moved there by {where})", (
                f"at {where_sizes}, on the kink: the one-sided derivatives are {float(np.ravel(lo)[0]):.6g} and "
                f"{float(np.ravel(hi)[0]):.6g}, the written set runs from {float(np.ravel(ends[0])[0]):.6g} to "
                f"{float(np.ravel(ends[1])[0]):.6g}"), {
                "sizes": dict(sizes), "values": {}, "left": [float(np.ravel(lo)[0]), float(np.ravel(hi)[0])],
                "right": [float(np.ravel(ends[0])[0]), float(np.ravel(ends[1])[0])], "error": None}
        checked += 1
        moved_by.add(where.split("[")[0])
    if not checked:
        return "undecided", "not checked", "no instance could be moved onto the kink", None
    note = f"; {skipped} index choices have no kink (skipped)" if skipped else ""
    return "follows", (f"subdifferential checked numerically on {checked} instances, each moved onto the kink (by "
                       f"{', '.join(sorted(moved_by))}): the one-sided derivatives there are the segment's ends"
                       f"{note}"), None, None
