"""``gradproof bench-grade``: grading throughput — a class of N copies of a correct submission.

Makes a temporary class of ``--submissions`` folders, each holding the same correct
submission (plain numpy, as a student would write it), grades it as ``grade-class``
does (default rubric, sandboxed, ``--jobs`` at once) and prints the wall-clock time,
submissions per minute and the scores.  A measurement, not a test: run it on a
quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

#: the correct submission graded N times
SUBMISSION = Path(__file__).resolve().parent.parent / "grade" / "cs231n_submission.py"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``bench-grade`` arguments to ``parser``."""
    parser.add_argument("--submissions", type=int, default=100, metavar="N", help="submissions in the class (default 100)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="submissions graded at once (default: the cores)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")


def run(args: argparse.Namespace) -> int:
    """Grade the synthetic class and print the throughput; return the exit status."""
    from derive.grade.classgrade import grade_class
    from derive.grade.roster import discover
    from derive.grade.rubric import default_rubric
    from derive.grade.sandbox import Limits

    jobs = args.jobs or os.cpu_count() or 1
    if args.submissions < 1 or jobs < 1:
        print("gradproof bench-grade: error: --submissions and --jobs: expected integers >= 1", file=sys.stderr)
        return 2
    source = SUBMISSION.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="gradproof-bench-class-") as tmp:
        for i in range(args.submissions):
            folder = Path(tmp) / f"student{i:04d}"
            folder.mkdir()
            (folder / "homework.py").write_text(source, encoding="utf-8")
        _, subs = discover(Path(tmp))
        t0 = time.monotonic()
        graded = grade_class(subs, limits=Limits(), seed=0, rubric=default_rubric(), jobs=jobs)
        seconds = time.monotonic() - t0
    scores = sorted(g.score for g in graded)
    lost = Counter(r.title for g in graded if g.report is not None for r in g.report.results if not r.passed and not r.advisory)
    load = os.getloadavg()[0]
    figures = {
        "submissions": len(graded), "jobs": jobs, "cores": os.cpu_count(), "seconds": round(seconds, 1),
        "per_minute": round(60 * len(graded) / seconds, 1), "seconds_per_submission_per_job": round(seconds * jobs / len(graded), 2),
        "full_marks": sum(s == 100 for s in scores), "min_score": scores[0], "load_average_1min_at_end": round(load, 2),
        "failed_checks": dict(lost.most_common()),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"graded {len(graded)} correct submissions in {seconds:.1f} s with {jobs} job(s) on {os.cpu_count()} cores: "
              f"{figures['per_minute']} per minute; {figures['full_marks']} got 100 (lowest {scores[0]:g}); "
              f"1-minute load average at the end {load:.2f}")
        for title, n in lost.most_common():
            print(f"  failed {n} time(s): {title}")
    return 0
