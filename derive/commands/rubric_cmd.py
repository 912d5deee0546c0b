"""``gradproof rubric --default``: print the default grading rubric (TOML), to edit and pass with ``--rubric``.

``gradproof rubric --check FILE`` validates a rubric and prints its total.
Exit status 0, or 2 when the rubric is invalid.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``rubric`` arguments to ``parser``."""
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--default", action="store_true", help="print the default rubric (every check, 100 points)")
    what.add_argument("--check", type=Path, metavar="FILE", help="validate a rubric file and print it with every default filled in")


def run(args: argparse.Namespace) -> int:
    """Print the default rubric, or validate one; return the exit status."""
    from derive.grade.grader import CHECKS
    from derive.grade.rubric import render_rubric
    from derive.grade.rubric_io import default_rubric_text, rubric_from

    if args.default:
        print(default_rubric_text(), end="")
        return 0
    try:
        rubric = rubric_from(args.check)
    except ValueError as exc:
        print(f"gradproof rubric: error: {exc}", file=sys.stderr)
        return 2
    print(render_rubric(rubric, CHECKS), end="")
    return 0
