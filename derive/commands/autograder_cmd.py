"""``gradproof autograder build --out autograder.zip [--rubric FILE]``: a Gradescope autograder.

``gradproof autograder run [--root DIR]`` is what the zip's ``run_autograder`` calls inside
Gradescope: grade ``DIR/submission``, write ``DIR/results/results.json`` (DIR defaults to
``$GRADPROOF_AUTOGRADER_ROOT`` or ``/autograder``).  Exit status 0, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``autograder build`` and ``autograder run`` arguments to ``parser``."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    b = sub.add_parser("build", help="build the autograder zip (setup.sh, run_autograder, rubric, gradproof wheel)")
    b.add_argument("--out", type=Path, required=True, metavar="ZIP", help="where to write the zip")
    b.add_argument("--rubric", type=Path, metavar="FILE", help="the rubric to grade with (default: the 100-point default)")
    r = sub.add_parser("run", help="inside Gradescope: grade ROOT/submission, write ROOT/results/results.json")
    r.add_argument("--root", type=Path, default=None, metavar="DIR",
                   help="the autograder root (default: $GRADPROOF_AUTOGRADER_ROOT or /autograder)")
    r.add_argument("--timeout", type=float, default=20.0, metavar="S", help="wall-clock seconds per check (default 20)")


def run(args: argparse.Namespace) -> int:
    """Build the zip or run the autograder; return the exit status."""
    from derive.grade.autograder import ENV_ROOT, build_zip, run_autograder

    if args.action == "run":
        root = args.root or Path(os.environ.get(ENV_ROOT, "/autograder"))
        data = run_autograder(root, timeout=args.timeout)
        print(f"score {data['score']:g}; results written to {root / 'results' / 'results.json'}")
        return 0
    from derive.grade.rubric import render_rubric
    from derive.grade.grader import CHECKS
    from derive.grade.rubric_io import rubric_from

    try:
        rubric = rubric_from(args.rubric)
        names = build_zip(args.out, render_rubric(rubric, CHECKS))
    except ValueError as exc:
        print(f"gradproof autograder: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {', '.join(names)}")
    print("upload it as the assignment's autograder (Gradescope: Configure Autograder → Zip file upload)")
    return 0
