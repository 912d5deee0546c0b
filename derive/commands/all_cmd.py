"""``gradproof all``: the main job — derive and verify everything, run the experiments, write the solutions.

Every job reports passed or failed and its time in a summary table; the exit
status is non-zero if any verification failed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["configure", "run", "Job", "jobs_for"]


@dataclass(frozen=True)
class Job:
    """One line of the summary table: a name and a callable returning ``(passed, detail)``."""

    name: str
    action: Callable[[], tuple[bool, str]]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``gradproof all``."""
    parser.add_argument("--out", type=Path, default=Path("gradproof-out"),
                        help="folder for the worked solutions and figures (default: ./gradproof-out)")
    parser.add_argument("--dataset", choices=("digits", "cifar10"), default="digits",
                        help="dataset of the numerical experiments (default: digits, offline)")
    parser.add_argument("--data-dir", type=Path, default=None, help="where the CIFAR-10 data lives")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def _derive_job(key: str, seed: int) -> Job:
    def action() -> tuple[bool, str]:
        import numpy as np

        from derive.problems import get_derivation

        results = get_derivation(key).verify(np.random.default_rng(seed))
        bad = [r for r in results if not r.ok]
        methods = sorted({r.method for r in results if r.method != "definition"})
        if bad:
            return False, f"step {bad[0].index + 1} failed: {bad[0].detail}"
        return True, f"{len(results)} steps verified ({', '.join(methods)})"

    return Job(f"derive {key}", action)


def jobs_for(args: argparse.Namespace) -> list[Job]:
    """The jobs of the main job, in order."""
    from derive.problems import PROBLEMS

    return [_derive_job(key, args.seed) for key in PROBLEMS]


def run(args: argparse.Namespace) -> int:
    """Run every job, print the summary table; exit 1 if any job failed."""
    from tqdm import tqdm

    jobs = jobs_for(args)
    rows = []
    bar = tqdm(jobs, desc="gradproof all", unit="job", disable=args.no_progress, leave=False)
    for job in bar:
        bar.set_postfix_str(job.name)
        t0 = time.perf_counter()
        try:
            ok, detail = job.action()
        except Exception as exc:  # a job that crashes is a failed job, reported, not a traceback
            ok, detail = False, f"error: {type(exc).__name__}: {exc}"
        rows.append((job.name, ok, detail, time.perf_counter() - t0))
    width = max(len(r[0]) for r in rows)
    print(f"{'check':<{width}}  {'result':<6}  {'time':>7}  detail")
    for name, ok, detail, secs in rows:
        print(f"{name:<{width}}  {'passed' if ok else 'FAILED':<6}  {secs:6.2f}s  {detail}")
    n_bad = sum(not r[1] for r in rows)
    total = sum(r[3] for r in rows)
    print(f"\n{len(rows) - n_bad} passed, {n_bad} failed in {total:.1f} s")
    return 0 if n_bad == 0 else 1
