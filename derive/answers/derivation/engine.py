r"""Check a derivation line by line: read the rows, give every claim a status.

A row ``A = B`` is a claim; ``A = B = C`` two claims (``A = B``, ``B = C``); a row
starting with ``=`` continues the previous right-hand side.  A left-hand side that
is a new name (``R = ...``) defines it for the rows after it (status
``definition``).  Every other claim is checked by
:func:`derive.answers.derivation.checker.check_claim` and gets ``follows``,
``wrong`` (with a diagnosis and the smallest counterexample), ``unreadable``
(with the position and what was expected) or ``undecided`` (over its time budget,
or outside what the checker decides).  Nothing is skipped.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from derive.answers.ast_nodes import Index, Name, Node, walk
from derive.answers.derivation.checker import (
    DEFAULT_INSTANCES, LINE_SECONDS, BUDGET, LineSetup, Unreadable, check_claim, prepare, terms_of,
)
from derive.answers.derivation.claims import (
    NewName, Scope, UserName, bounded, parse_claim, parse_side, split_sides,
)
from derive.answers.derivation.context import Context, context_keys, get_context
from derive.answers.derivation.diagnose import counterexample, diagnose_line
from derive.answers.derivation.evaluator import evaluate_line
from derive.answers.derivation.reader import ReadError, Row, read_rows
from derive.answers.derivation.result import DerivationResult, Step
from derive.answers.errors import AnswerError, AnswerParseError

__all__ = ["check_derivation", "guess_problem", "ReadError"]

#: the whole derivation's time budget (seconds); lines after it are undecided
TOTAL_SECONDS = 120.0


def guess_problem(rows: list[Row]) -> str:
    """The problem whose context reads the most rows (ties: the registry's order)."""
    best, best_score = None, -1
    for key in context_keys():
        scope = Scope(get_context(key))
        score = 0
        for row in rows:
            try:
                _sides(row, scope, None)
                score += 1
            except NewName as new:
                side, start = split_sides(row.text)[1]
                try:
                    parse_side(side, scope, start, full_text=row.text)
                    score += 1  # a definition counts when its right-hand side reads in this context
                except (AnswerError, Unreadable, ValueError):
                    pass
                scope.names[new.key] = UserName(new.key, Name("__undefined"))
            except (AnswerError, Unreadable, ValueError):
                pass
        if score > best_score:
            best, best_score = key, score
    assert best is not None
    return best


def _sides(row: Row, scope: Scope, previous: tuple[Node, str] | None) -> list[tuple[Node, str]]:
    text = row.text
    if text.startswith("="):
        if previous is None:
            raise _parse_error("a line starting with '=' continues the previous right-hand side, but there is none",
                               text, 0)
        rest = text[1:]
        out = [previous]
        for side, start in split_sides(rest):
            if not side.strip():
                raise _parse_error("expected an expression after '='", text, start + 1)
            out.append((parse_side(side, scope, start + 1, full_text=text), side.strip()))
        return out
    nodes = parse_claim(text, scope)
    return list(zip(nodes, [s.strip() for s, _ in split_sides(text)]))


def _parse_error(message: str, text: str, position: int) -> AnswerError:
    return AnswerParseError(message, text=text, position=position)


def check_derivation(text: str, problem: str | None = None, *, seed: int = 0,
                     instances: int = DEFAULT_INSTANCES, line_seconds: float = LINE_SECONDS,
                     total_seconds: float = TOTAL_SECONDS) -> DerivationResult:
    """Check every line of the derivation ``text``.

    Parameters
    ----------
    text : str
        The derivation: LaTeX lines, align/equation/``\\[ \\]``/``$$`` blocks, Markdown or a notebook's JSON.
    problem : str, optional
        One of :func:`derive.answers.derivation.context.context_keys`; guessed from the text when omitted.
    seed : int
        Seed of the random instances (each line gets its own stream).
    instances : int
        Size combinations per line (two small, the rest wide).
    line_seconds, total_seconds : float
        Time budgets of one line and of the whole derivation (over them: ``undecided``).

    Returns
    -------
    DerivationResult

    Raises
    ------
    ReadError
        The input cannot be read at all (not text, too long, no maths, a broken notebook).
    ValueError
        An unknown problem.
    """
    rows = read_rows(text)
    key = problem if problem is not None else guess_problem(rows)
    ctx = get_context(key)
    scope = Scope(ctx)
    steps: list[Step] = []
    previous: tuple[Node, str] | None = None
    start = time.process_time()
    for k, row in enumerate(rows):
        try:
            sides = _sides(row, scope, previous)
        except NewName as new:
            steps.extend(_define(new, row, scope))
            previous = None
            rest = _after_definition(row, scope)
            if rest is not None:
                previous = rest
            continue
        except (AnswerError, ValueError) as exc:
            steps.append(Step(row.line, row.source, "unreadable", diagnosis=str(exc), claim=row.text))
            previous = None
            continue
        for n, ((left, ltext), (right, rtext)) in enumerate(zip(sides, sides[1:])):
            remaining = total_seconds - (time.process_time() - start)
            rng = np.random.default_rng([seed, k, n])
            steps.append(_check(left, right, f"{ltext} = {rtext}", row, ctx, rng, instances,
                                min(line_seconds, max(0.0, remaining))))
        previous = sides[-1]
    notes = (f"problem: {key} (guessed from the text; pass --problem to choose)",) if problem is None else ()
    return DerivationResult(key, tuple(steps), notes)


def _define(new: NewName, row: Row, scope: Scope) -> list[Step]:
    sides = split_sides(row.text)
    side, start = sides[1]
    try:
        tree = parse_side(side, scope, start, full_text=row.text)
    except (AnswerError, ValueError) as exc:
        return [Step(row.line, row.source, "unreadable", diagnosis=str(exc), claim=row.text)]
    scope.names[new.key] = UserName(new.key, tree, new.subscripts)
    return [Step(row.line, row.source, "definition", method=f"defines {new.key} for the lines after it",
                 claim=f"{sides[0][0].strip()} = {side.strip()}")]


def _after_definition(row: Row, scope: Scope) -> tuple[Node, str] | None:
    sides = split_sides(row.text)
    if len(sides) < 2:
        return None
    side, start = sides[-1]
    try:
        return parse_side(side, scope, start, full_text=row.text), side.strip()
    except (AnswerError, ValueError):
        return None


def _check(left: Node, right: Node, claim: str, row: Row, ctx: Context, rng: np.random.Generator,
           instances: int, seconds: float) -> Step:
    try:
        setup = prepare(left, right, ctx)
    except Unreadable as exc:
        return Step(row.line, row.source, "unreadable", diagnosis=str(exc), claim=claim)
    if seconds <= 0:
        return Step(row.line, row.source, "undecided", method="over its time budget",
                    diagnosis="the derivation's total time budget ran out before this line", claim=claim)
    try:
        verdict, outcomes = check_claim(setup, ctx, rng, count=instances, seconds=seconds, near=row.near)
    except (KeyError, IndexError, TypeError, ValueError, ArithmeticError, RecursionError) as exc:
        return Step(row.line, row.source, "undecided", method="not checked",
                    diagnosis=f"the checker could not evaluate this line ({type(exc).__name__}: {exc})", claim=claim)
    if verdict.status == "wrong" and not verdict.method:  # a remark on a line the numerical check found wrong
        remark = verdict.remark
        verdict, outcomes = check_claim(setup, ctx, rng, count=instances, seconds=seconds)
        verdict = replace(verdict, remark=remark)
    method = "; ".join((verdict.method,) + verdict.notes)
    if verdict.status != "wrong":
        return Step(row.line, row.source, verdict.status, method, verdict.diagnosis, None, (), claim)
    if verdict.diagnosis is not None:  # found by the exact check, which the floating-point outcomes do not see
        return Step(row.line, row.source, "wrong", method, verdict.diagnosis, verdict.counterexample, (), claim)
    found = diagnose_line(setup.left, setup.right, outcomes, _evaluator(setup, ctx, seconds), terms_of,
                          sigma_power=None, candidates=_candidates(ctx, setup), label_pairs=_label_pairs(ctx, setup),
                          sizes=tuple(s for s in ctx.sizes if ctx.by_name.get(s) is None))
    used = {n.id for side in (setup.left, setup.right) for n in walk(side) if isinstance(n, Name)}
    kinds = ("input", "label") if setup.has_noise_expectation else ("input", "label", "noise")
    shown = [s.name for s in ctx.symbols if s.kind in kinds] + list(setup.free)
    ce = counterexample(outcomes, used, shown)
    if ce is not None and setup.free:
        ce["indices"] = {v: ce["values"].pop(v) + 1 for v in setup.free if v in ce["values"]}
    message = found.message + (f"; {verdict.remark}" if verdict.remark else "")
    return Step(row.line, row.source, "wrong", method, message, ce, (), claim)


def _label_pairs(ctx: Context, setup: LineSetup) -> list[tuple[Node, str]]:
    """(y^{(u)}, v) for a free sample index u and a free class index v: where 1{y^{(u)} = v} may have been meant."""
    labels = [s for s in ctx.symbols if s.kind == "label"]
    out: list[tuple[Node, str]] = []
    for lab in labels:
        for u, size_u in setup.free.items():
            for v, size_v in setup.free.items():
                if size_u == lab.shape[0] and size_v == ctx.label_size:
                    out.append((Index(Name(lab.name), (Name(u),)), v))
    return out


def _candidates(ctx: Context, setup: LineSetup) -> list[tuple[str, Node, Any, tuple[str, ...]]]:
    """The problem's known terms, their placeholders bound to the line's free indices (every way)."""
    from itertools import product

    from derive.answers.derivation.claims import rename

    out = []
    for term in ctx.terms:
        tree = ctx.definition_tree(term.name)
        fresh = {v: Name(f"{v}_term") for v in term.bound}
        tree = bounded(tree, {v: (f"{v}_term", size) for v, size in term.bound.items()})
        for combo in product(list(setup.free), repeat=len(term.subscripts)):
            mapping: dict[str, Node] = dict(fresh)
            mapping.update({p: Name(v) for p, v in zip(term.subscripts, combo)})
            hints = ctx.term_hints.get(term.name, {})
            per_size = tuple(s for s in ctx.sizes if term.spellings[0].startswith(f"(1/{s})"))
            out.append((term.spellings[0], rename(tree, mapping), hints, per_size))
    return out


def _evaluator(setup: LineSetup, ctx: Context, seconds: float) -> Any:
    noise = {s.name: ctx.noise_scale or "" for s in ctx.symbols if s.kind == "noise"}

    def evaluate(tree: Node, env: dict[str, Any]) -> Any:
        value = evaluate_line(tree, env, ranges={}, noise=noise, budget=BUDGET,
                              deadline=time.process_time() + seconds)
        a = np.asarray(value)
        return np.real(a).astype(float)
    return evaluate
