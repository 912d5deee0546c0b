"""How often a speed-up check fails a correct submission on a busy machine: ``python -m derive.grade.loadbench``.

Grades a submission ``--runs`` times (a different seed each time) with every check but the
speed-ups (and the output checks they require) switched off, while ``--busy`` processes
spin on the CPU (started here, stopped here by their process id), and counts, per
speed-up check, the runs in which it failed.  For a correct submission each failure is a
point lost to timing noise; for a loop dressed as vectorised every run must fail.

Examples
--------
::

    python -m derive.grade.loadbench --runs 50 --busy 1                       # the CS231n-style solution
    python -m derive.grade.loadbench --runs 10 --busy 1 --expect fail tests/submissions/sleepy_loop.py tests/submissions/reference.py
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from derive.grade.grader import CHECKS, grade
from derive.grade.rubric import Entry, Rubric
from derive.grade.sandbox import Limits

__all__ = ["SPEEDUP", "speedup_rubric", "main"]

SPEEDUP = "speed-up"
CS231N = Path(__file__).with_name("cs231n_submission.py")


def speedup_rubric() -> Rubric:
    """Every check off but the speed-ups (their required output checks still run, unshown)."""
    return Rubric({c.id: Entry(enabled=c.name == SPEEDUP) for c in CHECKS})


def _busy(n: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m derive.grade.loadbench", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help=f"the submission (default: {CS231N.name})")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--busy", type=int, default=1, help="CPU-spinning processes to run meanwhile (default 1)")
    parser.add_argument("--expect", choices=("pass", "fail"), default="pass", help="what a speed-up should do (default pass)")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.busy < 0:
        parser.error(f"--runs: expected at least 1, got {args.runs}; --busy: expected at least 0, got {args.busy}")
    paths = args.paths or [CS231N]
    rubric = speedup_rubric()
    busy = _busy(args.busy)
    failures: Counter[str] = Counter()
    rounds: dict[str, list[float]] = {}
    t0 = time.monotonic()
    try:
        for run in range(args.runs):
            report = grade(paths, limits=Limits(timeout=args.timeout, memory_mb=2048), seed=run, rubric=rubric)
            for r in report.results:
                if r.name != SPEEDUP:
                    continue
                if not r.passed:
                    failures[r.title] += 1
                ratio = r.message.split("speed-up ", 1)[-1].split("×", 1)[0]
                try:
                    rounds.setdefault(r.title, []).append(float(ratio))
                except ValueError:
                    pass
    finally:
        for p in busy:
            p.kill()
            p.wait()
    print(f"{args.runs} runs of {', '.join(p.name for p in paths)} with {args.busy} busy process(es), "
          f"{time.monotonic() - t0:.0f} s; expected every speed-up to {args.expect}")
    bad = 0
    for title, ratios in rounds.items():
        n_fail = failures[title]
        wrong = n_fail if args.expect == "pass" else args.runs - n_fail
        bad += wrong
        print(f"  {title}: failed {n_fail} / {args.runs}; ratio min {min(ratios):.1f}×, median {sorted(ratios)[len(ratios) // 2]:.1f}×, "
              f"max {max(ratios):.1f}×")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
