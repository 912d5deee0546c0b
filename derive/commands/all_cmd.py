"""``gradproof all``: the main job — derive and verify everything, run the experiments, write the solutions.

Every check is a row of the summary table (passed or failed, its time); the exit
status is 1 if any check failed.  The derivations are verified once: the worked
solutions reuse those results.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["configure", "run", "Job", "Row", "jobs_for"]

#: (name, passed, detail, seconds)
Row = tuple[str, bool, str, float]


@dataclass(frozen=True)
class Job:
    """A step of the main job: a name and a callable returning ``(passed, detail)`` or a list of rows."""

    name: str
    action: Callable[[], tuple[bool, str] | list[Row]]


@dataclass
class _State:
    """What the jobs hand on to each other (the derive jobs' step results for the solutions)."""

    step_results: dict[str, Any] = field(default_factory=dict)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``gradproof all``."""
    parser.add_argument("--out", type=Path, default=Path("gradproof-out"),
                        help="folder for the worked solutions and figures (default: ./gradproof-out)")
    parser.add_argument("--dataset", choices=("digits", "cifar10", "cifar10-subset"), default="digits",
                        help="dataset of the numerical experiments (default: digits, offline)")
    parser.add_argument("--data-dir", type=Path, default=None, help="where the CIFAR-10 data lives")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    parser.add_argument("--no-pdf", action="store_true", help="do not compile the PDF even if a TeX engine is installed")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def _derive_job(key: str, seed: int, state: _State) -> Job:
    def action() -> tuple[bool, str]:
        from derive.problems import get_derivation

        results = get_derivation(key).verify(seed=seed)
        state.step_results[key] = results
        bad = [r for r in results if r.status == "failed"]
        if bad:
            return False, f"step {bad[0].index + 1} failed: {bad[0].detail}"
        counts = {st: sum(r.status == st for r in results) for st in ("proved", "checked", "definition")}
        return True, (f"{counts['proved']} steps proved for symbolic sizes, {counts['checked']} checked exactly at "
                      f"listed and random sizes (seed {seed}), {counts['definition']} definitions")

    return Job(f"derive {key}", action)


def _solutions_job(args: argparse.Namespace, state: _State) -> Job:
    def action() -> list[Row]:
        from derive.problems import problem_keys
        from derive.solutions import write_solutions
        from derive.solutions.compile import TexNotFoundError, find_engine

        pdf = not args.no_pdf
        note = ""
        if pdf:
            try:
                find_engine()
            except TexNotFoundError as exc:
                pdf, note = False, str(exc)
        t0 = time.perf_counter()
        complete = all(k in state.step_results for k in problem_keys())
        result = write_solutions(args.out, dataset=args.dataset, data_dir=args.data_dir, seed=args.seed, pdf=pdf,
                                 progress=not args.no_progress,
                                 step_results=state.step_results if complete else None)
        rows: list[Row] = [c.as_row() for c in result.checks]
        written = f"{result.tex}" + (f", {result.pdf}" if result.pdf else "") + f", {len(result.figures)} figures"
        spent = time.perf_counter() - t0 - sum(r[3] for r in rows)
        rows.append(("experiments and worked solutions", True, written, max(spent, 0.0)))
        if note:
            rows.append(("compile PDF", True, f"skipped: {note}", 0.0))
        return rows

    return Job("solutions", action)


def jobs_for(args: argparse.Namespace) -> list[Job]:
    """The jobs of the main job, in order."""
    from derive.problems import problem_keys

    state = _State()
    return [*(_derive_job(key, args.seed, state) for key in problem_keys()), _solutions_job(args, state)]


def _run_job(job: Job) -> list[Row]:
    t0 = time.perf_counter()
    try:
        out = job.action()
    except Exception as exc:  # a job that crashes is a failed job, reported, not a traceback
        return [(job.name, False, f"error: {type(exc).__name__}: {exc}", time.perf_counter() - t0)]
    if isinstance(out, list):
        return out
    ok, detail = out
    return [(job.name, ok, detail, time.perf_counter() - t0)]


def run(args: argparse.Namespace) -> int:
    """Run every job, print the summary table; exit 1 if any check failed."""
    from tqdm import tqdm

    jobs = jobs_for(args)
    rows: list[Row] = []
    t_start = time.perf_counter()
    bar = tqdm(jobs, desc="gradproof all", unit="job", disable=args.no_progress, leave=False)
    for job in bar:
        bar.set_postfix_str(job.name)
        rows.extend(_run_job(job))
    bar.close()
    width = max(len(r[0]) for r in rows)
    print(f"{'check':<{width}}  {'result':<6}  {'time':>7}  detail")
    for name, ok, detail, secs in rows:
        print(f"{name:<{width}}  {'passed' if ok else 'FAILED':<6}  {secs:6.2f}s  {detail}")
    n_bad = sum(not r[1] for r in rows)
    print(f"\n{len(rows) - n_bad} passed, {n_bad} failed in {time.perf_counter() - t_start:.1f} s")
    return 0 if n_bad == 0 else 1
