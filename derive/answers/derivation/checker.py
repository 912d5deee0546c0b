r"""Check one claim ``A = B`` of a derivation as an identity in the problem's context.

Both sides are evaluated (:mod:`derive.answers.derivation.evaluator`) on random
instances: two at the smallest sizes, the rest over wide size ranges, with
unrounded data; a free index (``p`` in ``\partial/\partial\theta_p``) is checked at
several of its values per instance.  A line whose sides differ on some instance is
``wrong``, with the diagnosis of :mod:`derive.answers.derivation.diagnose` and the
smallest instance where they differ as the counterexample.

A line that holds numerically then climbs the ladder of methods, and reports the
strongest one that ran and held:

1. ``proved symbolically`` — the difference of the two sides, built in SymPy at a
   generic entry with symbolic sizes (:mod:`derive.answers.derivation.symbolic`),
   reduces to zero;
2. ``checked exactly at sizes ...`` — both sides evaluated with exact rationals
   (the data's floats read as the rationals they are, written decimals as exact
   decimals) at the listed sizes, with a zero difference; a difference too small
   for floating point (a planted :math:`10^{-50}`, a factor :math:`1 + 10^{-12}`)
   makes the line ``wrong`` here;
3. ``numerically on K instances (sizes ...)`` — with the reason the exact check did
   not run (a logarithm, an exponential, a derivative ...).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from derive.answers.ast_nodes import Bin, Call, Compare, Index, Indicator, Name, Neg, Node, Num, SumOver, Transpose, walk
from derive.answers.derivation.claims import ONES
from derive.answers.derivation.context import Context
from derive.answers.derivation.evaluator import NotChecked, NotExact, OverBudget, evaluate_line, exact_value
from derive.answers.derivation.symbolic import prove
from derive.answers.derivation.nodes import BoundedSum, Concat, Deriv, Expect, Named, SetOf, Subdiff, map_children
from derive.answers.derivation.subdiff import check_subdifferential
from derive.answers.evaluate import EvaluationError
from derive.answers.outcomes import Outcome, close

__all__ = ["Verdict", "check_claim", "prepare", "LineSetup", "Unreadable", "axes", "terms_of", "DEFAULT_INSTANCES",
           "LINE_SECONDS"]

DEFAULT_INSTANCES = 8
EXACT_INSTANCES = 3  # size combinations of the exact check (the two small ones and one wide one)
LINE_SECONDS = 10.0
BUDGET = 3_000_000
_INDEX_VALUES = 3  # values of each free index tried per instance


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one claim (see :class:`derive.answers.derivation.result.Step`)."""

    status: str  # follows, wrong, undecided
    method: str
    diagnosis: str | None = None
    counterexample: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()
    remark: str | None = None  # added to a wrong line's diagnosis (e.g. it holds near W = 0 only)


@dataclass(frozen=True)
class LineSetup:
    """A claim ready to evaluate: both sides with every sum's size, and the free indices' sizes."""

    left: Node
    right: Node
    free: dict[str, str]
    has_noise_expectation: bool


class Unreadable(ValueError):
    """The claim parses but cannot be given a meaning (e.g. an index whose range is unknown)."""


# -- index ranges -------------------------------------------------------------------------
def axes(node: Node, ctx: Context) -> tuple[str, ...] | None:
    """The size names of ``node``'s axes, when they can be read off the tree."""
    if isinstance(node, Name):
        return ctx.axis_sizes(node.id)
    if isinstance(node, Index):
        base = axes(node.base, ctx)
        return None if base is None or len(base) < len(node.items) else base[len(node.items):]
    if isinstance(node, Transpose):
        a = axes(node.operand, ctx)
        return None if a is None else tuple(reversed(a))
    if isinstance(node, Neg):
        return axes(node.operand, ctx)
    if isinstance(node, Named):
        return axes(node.tree, ctx)
    if isinstance(node, Concat):  # one more entry along the last axis: size "<n>1" (= n + 1, in the data)
        left = axes(node.left, ctx)
        return None if not left else left[:-1] + (left[-1] + "1",)
    if isinstance(node, Bin):
        a, b = axes(node.left, ctx), axes(node.right, ctx)
        if node.op == "@":
            if a is None or b is None:
                return None
            return a[:-1] + b[1:] if a and b else (a or b)
        if node.op in ("+", "-", "*", "/"):
            cands = [x for x in (a, b) if x is not None]
            return max(cands, key=len) if cands else None
        return a
    if isinstance(node, Call) and node.func in ("softmax", "exp", "log", "sqrt") and node.args:
        return axes(node.args[0], ctx)
    return None


def _uses(node: Node, var: str, ctx: Context) -> set[str]:
    """The sizes ``var`` is used with (as an index of a known axis, or compared with a label)."""
    found: set[str] = set()
    for n in walk(node):
        if isinstance(n, Index):
            base_axes = axes(n.base, ctx)
            for k, item in enumerate(n.items):
                if isinstance(item, Name) and item.id == var and base_axes is not None and k < len(base_axes):
                    found.add(base_axes[k])
        if isinstance(n, Compare) and ctx.label_size:
            sides = (n.left, n.right)
            for a, b in (sides, sides[::-1]):
                if isinstance(a, Name) and a.id == var and _is_label(b, ctx):
                    found.add(ctx.label_size)
    return found


def _narrowest(sizes: set[str]) -> set[str]:
    """An index used along n and along the bias trick's n + 1 ("n1") runs where both are defined: over n."""
    return {s for s in sizes if not (s.endswith("1") and s[:-1] in sizes)}


def _is_label(node: Node, ctx: Context) -> bool:
    while isinstance(node, Index):
        node = node.base
    return isinstance(node, Name) and ctx.by_name.get(node.id) is not None and ctx.by_name[node.id].kind == "label"


def _upper_size(upper: Node | None, base: int, ctx: Context) -> str | None:
    if upper is None:
        return None
    if base == 1 and isinstance(upper, Name) and upper.id in ctx.sizes:
        return upper.id
    if (base == 0 and isinstance(upper, Bin) and upper.op == "-" and isinstance(upper.left, Name)
            and upper.left.id in ctx.sizes and isinstance(upper.right, Num) and upper.right.value == 1):
        return upper.left.id
    return None


def _fill_sums(node: Node, ctx: Context, whole: Node) -> Node:
    """Every written sum with the size its variable runs over (from its bounds, else from its uses)."""
    if isinstance(node, BoundedSum):
        body = _fill_sums(node.body, ctx, whole)
        size = node.size
        upper = node.upper
        if not size:
            by_bound = _upper_size(upper, node.base, ctx)
            used = _narrowest(_uses(node.body, node.var, ctx))
            if by_bound is not None:
                size, upper = by_bound, None
            elif len(used) == 1:
                size = used.pop()
            elif len(used) > 1:
                raise Unreadable(f"the sum index {node.var} is used for different sizes ({', '.join(sorted(used))})")
            elif upper is None:
                raise Unreadable(f"cannot tell what the sum index {node.var} runs over: write its bounds")
            if by_bound is None and upper is not None and used and len(used) == 1:
                size = next(iter(used))
        return BoundedSum(node.var, body, size, upper, node.base, node.start)
    return map_children(node, lambda child: _fill_sums(child, ctx, whole))


def _bound_vars(node: Node) -> set[str]:
    return {n.var for n in walk(node) if isinstance(n, BoundedSum | SumOver | SetOf)}


def _free_indices(left: Node, right: Node, ctx: Context) -> dict[str, str]:
    known = set(ctx.by_name) | set(ctx.sizes) | {ONES}
    bound = _bound_vars(left) | _bound_vars(right)
    free: dict[str, str] = {}
    for side in (left, right):
        for n in walk(side):
            if isinstance(n, Name) and n.id not in known and n.id not in bound and n.id not in free:
                used = _narrowest(_uses(left, n.id, ctx) | _uses(right, n.id, ctx))
                if len(used) != 1:
                    what = "nothing" if not used else ", ".join(sorted(used))
                    raise Unreadable(f"cannot tell what the index {n.id} runs over (it indexes {what})")
                free[n.id] = used.pop()
    return free


def prepare(left: Node, right: Node, ctx: Context) -> LineSetup:
    """Fill in the sums' sizes and find the free indices of the claim ``left = right``."""
    whole = Bin("-", left, right)
    left, right = _fill_sums(left, ctx, whole), _fill_sums(right, ctx, whole)
    free = _free_indices(left, right, ctx)
    has_e = any(isinstance(n, Expect) for side in (left, right) for n in walk(side))
    return LineSetup(left, right, free, has_e)


# -- checking ------------------------------------------------------------------------------
def _index_combos(free: Mapping[str, str], sizes: Mapping[str, int],
                  rng: np.random.Generator) -> list[dict[str, int]]:
    if not free:
        return [{}]
    names = list(free)
    combos = [{v: 0 for v in names}, {v: sizes[free[v]] - 1 for v in names}]
    for _ in range(_INDEX_VALUES - 2):
        combos.append({v: int(rng.integers(0, sizes[free[v]])) for v in names})
    unique = []
    for c in combos:
        if c not in unique:
            unique.append(c)
    return unique


def _instances(ctx: Context, setup: LineSetup, count: int, rng: np.random.Generator,
               fixed: Mapping[str, int] | None = None
               ) -> Iterator[tuple[dict[str, int], dict[str, Any], dict[str, int]]]:
    cap = ctx.max_noise_entries if setup.has_noise_expectation else None
    for sizes in ctx.size_grid(count, rng, noise_cap=cap):
        sizes = {**sizes, **(fixed or {})}
        data = ctx.make_data(dict(sizes), rng)
        for combo in _index_combos(setup.free, {**data, **sizes}, rng):
            yield sizes, {**sizes, **data, **combo}, combo


def _literal_fill(setup: LineSetup, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``∇f = 0``: a side that is a written number stands for an array of it, of the other side's shape."""
    if isinstance(setup.right, Num) and right.ndim == 0 and left.ndim > 0:
        right = np.full(left.shape, float(right))
    elif isinstance(setup.left, Num) and left.ndim == 0 and right.ndim > 0:
        left = np.full(right.shape, float(left))
    return left, right


def _as_real(value: Any) -> np.ndarray:
    a = np.asarray(value)
    return np.real(a).astype(float) if np.iscomplexobj(a) else a.astype(float)


def _describe_sizes(seen: list[dict[str, int]]) -> str:
    keys = list(seen[0]) if seen else []
    parts = []
    for k in keys:
        values = sorted({s[k] for s in seen})
        parts.append(f"{k} = {values[0]}..{values[-1]}" if len(values) > 1 else f"{k} = {values[0]}")
    return ", ".join(parts)


def _evaluate_instances(setup: LineSetup, ctx: Context, rng: np.random.Generator, count: int, deadline: float,
                        fixed: Mapping[str, int] | None = None, scale: Mapping[str, float] | None = None
                        ) -> tuple[list[Outcome], list[dict[str, int]]]:
    """Both sides on ``count`` size combinations (``fixed`` sizes override the drawn ones; ``scale`` multiplies
    parameters)."""
    noise = {s.name: ctx.noise_scale or "" for s in ctx.symbols if s.kind == "noise"}
    outcomes: list[Outcome] = []
    seen: list[dict[str, int]] = []
    ranges: dict[str, str] = {}
    for sizes, env, combo in _instances(ctx, setup, count, rng, fixed):
        if time.process_time() > deadline:
            raise OverBudget("the line took longer than its time budget")
        for name, factor in (scale or {}).items():
            env[name] = env[name] * factor
        try:
            expected = _as_real(evaluate_line(setup.left, env, ranges=ranges, noise=noise, budget=BUDGET,
                                              deadline=deadline))
        except (OverBudget, NotChecked):
            raise
        except EvaluationError as exc:
            outcomes.append(Outcome(dict(sizes), env, np.full((), np.nan), None, f"left-hand side: {exc}",
                                    left_failed=True))
            seen.append(dict(sizes))
            continue
        try:
            got: np.ndarray | None = _as_real(evaluate_line(setup.right, env, ranges=ranges, noise=noise,
                                                            budget=BUDGET, deadline=deadline))
            error = None
            expected, got = _literal_fill(setup, expected, got)
        except (OverBudget, NotChecked):
            raise
        except EvaluationError as exc:
            got, error = None, str(exc)
        outcomes.append(Outcome(dict(sizes), env, expected, got, error))
        seen.append(dict(sizes))
    return outcomes, seen


def check_claim(setup: LineSetup, ctx: Context, rng: np.random.Generator, *, count: int = DEFAULT_INSTANCES,
                seconds: float = LINE_SECONDS, near: str | None = None) -> tuple[Verdict, list[Outcome]]:
    """Evaluate both sides of ``setup`` on random instances; the verdict and the outcomes (LHS as expected).

    ``near``: the spelling of a parameter the line is stated for near 0 only ("W near 0"); a line that
    fails in general but holds there is ``conditional``.
    """
    deadline = time.process_time() + seconds
    outcomes: list[Outcome] = []
    if any(isinstance(side, Subdiff | SetOf) for side in (setup.left, setup.right)):
        return _subdifferential(setup, ctx, rng, count, deadline), outcomes
    try:
        outcomes, seen = _evaluate_instances(setup, ctx, rng, count, deadline)
        if not _all_close(outcomes) and ctx.homework and _is_number(setup):
            at_home = _at_homework_sizes(setup, ctx, rng, count, deadline)
            if at_home is not None:
                return at_home, outcomes
        if not _all_close(outcomes) and ctx.parameters:
            verdict = _near_zero(setup, ctx, rng, count, deadline, near)
            if verdict is not None:
                return verdict, outcomes
    except OverBudget as exc:
        return Verdict("undecided", "over its time budget", str(exc)), outcomes
    except NotChecked as exc:
        return Verdict("undecided", "not checked", str(exc)), outcomes
    instances = len({tuple(sorted(s.items())) for s in seen})
    method = f"numerically on {len(outcomes)} instances (sizes {_describe_sizes(seen)})"
    failing = [o for o in outcomes if o.got is None or not close(o.got, o.expected)]
    if failing:
        return Verdict("wrong", method), outcomes
    notes = _notes(setup, ctx, instances)
    proved = prove(setup.left, setup.right, ctx, setup.free, deadline)
    if proved is not None:
        return Verdict("follows", proved, notes=notes), outcomes
    exact = _check_exactly(setup, ctx, rng, deadline)
    if isinstance(exact, Verdict):
        return replace(exact, notes=notes), outcomes
    return Verdict("follows", f"{method} (not exactly: {exact})", notes=notes), outcomes


def _subdifferential(setup: LineSetup, ctx: Context, rng: np.random.Generator, count: int,
                     deadline: float) -> Verdict:
    noise = {s.name: ctx.noise_scale or "" for s in ctx.symbols if s.kind == "noise"}

    def evaluate(tree: Node, env: dict[str, Any]) -> Any:
        return evaluate_line(tree, env, ranges={}, noise=noise, budget=BUDGET, deadline=deadline)
    instances = [(sizes, env) for sizes, env, _ in _instances(ctx, setup, count, rng)]
    try:
        status, method, diagnosis, ce = check_subdifferential(setup.left, setup.right, ctx, instances, evaluate,
                                                              deadline)
    except OverBudget as exc:
        return Verdict("undecided", "over its time budget", str(exc))
    return Verdict(status, method, diagnosis, ce)


#: how far towards 0 a parameter is scaled to check a line stated "near 0"
NEAR_SCALE = 1e-3


def _near_zero(setup: LineSetup, ctx: Context, rng: np.random.Generator, count: int, deadline: float,
               near: str | None) -> Verdict | None:
    """A line that fails in general: does it hold with a parameter scaled towards 0?

    Stated with the line ("W near 0"): ``conditional``, with what ran.  Not stated: still ``wrong``, with a
    remark that it holds only near 0.
    """
    names = [ctx.spelled().get(near, "")] if near is not None else list(ctx.parameters)
    for name in names:
        if name not in ctx.parameters:
            continue
        probes = count if near is not None else min(count, 3)  # unstated: a cheap look, for the diagnosis only
        outcomes, seen = _evaluate_instances(setup, ctx, rng, probes, deadline, scale={name: NEAR_SCALE})
        if not outcomes or not _all_close(outcomes):
            continue
        spelled = next((sp for s in ctx.symbols if s.name == name for sp in s.spellings), name)
        if near is None:
            return Verdict("wrong", "", remark=f"it holds only near {spelled} = 0 (checked with {spelled} scaled by "
                                                f"{NEAR_SCALE:g}), a condition the line does not state")
        return Verdict("conditional", f"holds near {spelled} = 0, as stated with the line, not for every {spelled}: "
                                      f"numerically on {len(outcomes)} instances with {spelled} scaled by "
                                      f"{NEAR_SCALE:g} (sizes {_describe_sizes(seen)})")
    return None


def _all_close(outcomes: list[Outcome]) -> bool:
    return all(o.got is not None and close(o.got, o.expected) for o in outcomes)


def _is_number(setup: LineSetup) -> bool:
    """A side is a written number, e.g. ``L(W)|_{W=0} = 9`` (a value that can depend on the homework's sizes)."""
    return any(isinstance(side, Num) or (isinstance(side, Call) and side.func == "log" and isinstance(side.args[0], Num))
               for side in (setup.left, setup.right))


def _at_homework_sizes(setup: LineSetup, ctx: Context, rng: np.random.Generator, count: int,
                       deadline: float) -> Verdict | None:
    """A number that holds at the homework's sizes (C = 10 for CIFAR-10) only: said so, with what ran."""
    outcomes, seen = _evaluate_instances(setup, ctx, rng, count, deadline, fixed=ctx.homework)
    if not outcomes or not _all_close(outcomes):
        return None
    which = ", ".join(f"{k} = {v}" for k, v in ctx.homework.items())
    return Verdict("follows", f"at the homework's size {which} only: numerically on {len(outcomes)} instances "
                              f"(sizes {_describe_sizes(seen)}); it does not hold for other sizes")


def _exact_equal(expected: Any, got: Any) -> bool:
    a, b = np.asarray(expected, dtype=object), np.asarray(got, dtype=object)
    if a.shape != b.shape:
        return False
    return all(x == y for x, y in zip(a.ravel(), b.ravel()))


def _largest_gap(expected: Any, got: Any) -> float:
    a, b = np.asarray(expected, dtype=object), np.asarray(got, dtype=object)
    if a.shape != b.shape:
        return float("nan")
    return max((abs(float(x - y)) for x, y in zip(a.ravel(), b.ravel())), default=0.0)


def _check_exactly(setup: LineSetup, ctx: Context, rng: np.random.Generator, deadline: float) -> Verdict | str:
    """Both sides in exact rationals at :data:`EXACT_INSTANCES` size combinations.

    Returns the verdict (``follows`` with the sizes, or ``wrong`` with the exact difference), or why the
    line could not be checked exactly.
    """
    noise = {s.name: ctx.noise_scale or "" for s in ctx.symbols if s.kind == "noise"}
    seen: list[dict[str, int]] = []
    try:
        for sizes, env, combo in _instances(ctx, setup, EXACT_INSTANCES, rng):
            if time.process_time() > deadline:
                return "over the line's time budget"
            exact_env = {k: exact_value(np.asarray(v)) for k, v in env.items()}
            left = evaluate_line(setup.left, exact_env, ranges={}, noise=noise, budget=BUDGET, deadline=deadline,
                                 exact=True)
            right = evaluate_line(setup.right, exact_env, ranges={}, noise=noise, budget=BUDGET, deadline=deadline,
                                  exact=True)
            left, right = _exact_fill(setup, left, right)
            seen.append({**sizes, **combo})
            if not _exact_equal(left, right):
                gap = _largest_gap(left, right)
                where = ", ".join(f"{k}={v}" for k, v in sizes.items())
                ce = {"sizes": dict(sizes), "values": {}, "left": _floats(left), "right": _floats(right),
                      "error": None}
                if combo:
                    ce["indices"] = {k: v + 1 for k, v in combo.items()}
                return Verdict("wrong", f"checked exactly (rational data) at sizes {_describe_sizes(seen)}",
                               diagnosis=f"the sides differ exactly at {where}, by {gap:.3g} at most: a difference "
                                         "too small for floating point (a stray tiny term or factor)",
                               counterexample=ce)
    except NotExact as exc:
        return str(exc)
    except (NotChecked, OverBudget) as exc:
        return str(exc)
    except (EvaluationError, ArithmeticError, TypeError, ValueError) as exc:
        return f"the exact evaluation failed ({exc})"
    listed = "; ".join("(" + ", ".join(f"{k} = {v}" for k, v in s.items()) + ")" for s in seen)
    return Verdict("follows", f"checked exactly at sizes {listed} (rational data, zero difference)")


def _exact_fill(setup: LineSetup, left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(setup.right, Num) and np.ndim(right) == 0 and np.ndim(left) > 0:
        right = np.full(np.shape(left), right, dtype=object)
    elif isinstance(setup.left, Num) and np.ndim(left) == 0 and np.ndim(right) > 0:
        left = np.full(np.shape(right), left, dtype=object)
    return left, right


def _floats(x: Any) -> Any:
    a = np.asarray(x, dtype=object)
    out = np.vectorize(float, otypes=[float])(a) if a.size else a.astype(float)
    return np.round(out, 6).tolist() if out.size <= 12 else f"array of shape {out.shape}"


def _notes(setup: LineSetup, ctx: Context, instances: int) -> tuple[str, ...]:
    notes = []
    if ctx.kink and any(isinstance(n, Deriv) for s in (setup.left, setup.right) for n in walk(s)) and any(
            isinstance(n, Indicator | Compare) or (isinstance(n, Call) and n.func in ("maximum", "minimum", "abs"))
            for s in (setup.left, setup.right) for n in walk(s)):
        notes.append(f"relies on a choice at the kink ({ctx.kink}): any subgradient is accepted there")
    return tuple(notes)


def terms_of(node: Node) -> list[tuple[float, Node]]:
    """The additive terms of ``node`` with their signs, through sums and scalar factors."""
    if isinstance(node, Bin) and node.op in ("+", "-"):
        right = terms_of(node.right)
        if node.op == "-":
            right = [(-c, t) for c, t in right]
        return terms_of(node.left) + right
    if isinstance(node, Neg):
        return [(-c, t) for c, t in terms_of(node.operand)]
    if isinstance(node, BoundedSum):
        inner = terms_of(node.body)
        if len(inner) > 1:
            return [(c, replace(node, body=t)) for c, t in inner]
    if isinstance(node, Bin) and node.op == "*" and not isinstance(node.left, Bin | BoundedSum | Expect):
        inner = terms_of(node.right)
        if len(inner) > 1:
            return [(c, Bin("*", node.left, t)) for c, t in inner]
    if isinstance(node, Bin) and node.op in ("*", "/") and isinstance(node.left, Bin | BoundedSum):
        inner = terms_of(node.left)
        if len(inner) > 1:
            return [(c, Bin(node.op, t, node.right)) for c, t in inner]
    if isinstance(node, Named) and not node.atomic:
        return terms_of(node.tree)
    if isinstance(node, Expect):
        inner = terms_of(node.body)
        if len(inner) > 1:
            return [(c, Expect(t)) for c, t in inner]
    return [(1.0, node)]

