"""``gradproof grade-class DIR --out OUT``: grade a whole class and report its most common mistakes.

DIR is a Gradescope "Export Submissions" folder (``submission_metadata.yml`` plus one
``submission_<id>/`` folder each) or a plain folder with one sub-folder per student.
Writes ``OUT/grades.csv``, ``OUT/<id>/results.json`` and ``OUT/<id>/feedback.txt``,
``OUT/summary.json``, ``OUT/report.md`` and ``OUT/report.html``.

Exit status 0 when the class was graded (whatever the scores), 2 on usage errors
(DIR missing or empty, a bad rubric or limit).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``grade-class`` arguments to ``parser``."""
    parser.add_argument("folder", type=Path, metavar="DIR", help="a Gradescope export, or one sub-folder per student")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT", help="folder for the grades, feedback and report")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="submissions graded at once (default: the number of cores)")
    parser.add_argument("--rubric", type=Path, metavar="FILE", help="a rubric (TOML); default: 100 points, see `gradproof rubric --default`")
    parser.add_argument("--timeout", type=float, default=20.0, metavar="S", help="wall-clock seconds per check (default 20)")
    parser.add_argument("--memory-mb", type=int, default=2048, metavar="M", help="memory limit per submission in MiB (default 2048)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the generated inputs (default 0)")


def run(args: argparse.Namespace) -> int:
    """Grade the class, write every output, print a short summary; return the exit status."""
    from tqdm import tqdm

    from derive.grade.classgrade import grade_class, write_outputs
    from derive.grade.classreport import write_report
    from derive.grade.roster import discover
    from derive.grade.rubric_io import rubric_from
    from derive.grade.sandbox import Limits

    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    try:
        if jobs < 1:
            raise ValueError(f"--jobs: expected an integer >= 1, got {jobs}")
        limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)
        rubric = rubric_from(args.rubric)
        layout, subs = discover(args.folder)
        subs = [s for s in subs if s.folder.resolve() != args.out.resolve()]  # OUT inside DIR is not a student
    except (ValueError, OSError) as exc:
        print(f"gradproof grade-class: error: {exc}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    with tqdm(total=len(subs), desc="grading", unit="submission", file=sys.stderr, disable=None) as bar:
        graded = grade_class(subs, limits=limits, seed=args.seed, rubric=rubric, jobs=jobs, progress=lambda g: bar.update(1))
    seconds = time.monotonic() - t0
    write_outputs(graded, args.out, rubric)
    summary = write_report(graded, args.out, rubric)
    bad = sum(1 for g in graded if g.ungradeable)
    print(f"graded {len(graded)} submissions ({layout} layout) in {seconds:.1f} s with {jobs} job(s); "
          f"mean score {summary['mean']:g}; {bad} could not be graded")
    for d in summary["diagnoses"][:5]:
        print(f"  {d['count']} × {d['text']}")
    print(f"wrote {args.out}/grades.csv, summary.json, report.md, report.html and <id>/results.json, feedback.txt")
    return 0
