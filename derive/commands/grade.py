"""``gradproof grade PATH...``: grade a student's KNN / Softmax implementation.

Exit status 0 when grading ran (whatever the score), 2 on usage errors (a path
that does not exist, nothing gradable, a bad limit).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``grade`` arguments to ``parser``."""
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help=".py files, or folders of them, defining KNN and/or Softmax")
    parser.add_argument("--results-json", type=Path, metavar="FILE",
                        help="also write the results in Gradescope's autograder format (results.json)")
    parser.add_argument("--timeout", type=float, default=20.0, metavar="S",
                        help="wall-clock seconds allowed per check (default 20)")
    parser.add_argument("--memory-mb", type=int, default=2048, metavar="M",
                        help="memory limit of the student's process in MiB (default 2048)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seed of the generated inputs (default 0)")
    parser.add_argument("--rubric", type=Path, metavar="FILE",
                        help="a rubric (TOML): points per check, checks off, advisory checks, Gradescope visibility "
                             "(default: 100 points; `gradproof rubric --default` prints it)")
    parser.add_argument("--verbose", action="store_true", help="show the message of passed checks too")


def run(args: argparse.Namespace) -> int:
    """Grade, print the report, optionally write the Gradescope JSON; return the exit status."""
    from derive.grade import Limits, format_report, grade, write_gradescope
    from derive.grade.rubric_io import rubric_from

    try:
        limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)
        rubric = rubric_from(args.rubric)
        report = grade(args.paths, limits=limits, seed=args.seed, rubric=rubric)
    except ValueError as exc:
        print(f"gradproof grade: error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report, verbose=args.verbose))
    if args.results_json is not None:
        write_gradescope(report, args.results_json, visibility=rubric.visibility)
        print(f"\nGradescope results written to {args.results_json}")
    return 0
