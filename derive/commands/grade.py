"""``gradproof grade PATH...``: grade a student's KNN / Softmax implementation.

Exit status 0 when grading ran (whatever the score), 2 on usage errors (a path
that does not exist, nothing gradable, a bad limit), 3 on an internal error of the
grader, 128 + N when stopped by signal N (SIGINT, SIGTERM, SIGHUP).  With
``--results-json`` the file is written in every one of these cases (a score of 0
and the reason when grading did not finish), atomically (a temporary file renamed
over it), and only after the student's processes are gone.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: the signals that stop grading cleanly (results written, sandbox killed)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class GradingInterrupted(Exception):
    """A stop signal arrived while grading."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``grade`` arguments to ``parser``."""
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help=".py files, or folders of them, defining KNN, Softmax, svm_loss_naive, svm_loss_vectorized and/or LinearSVM")
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


def write_results(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as strict JSON to ``path`` atomically (a temporary file in the same folder, then rename)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def not_graded(reason: str) -> dict[str, Any]:
    """The results of a grading that did not finish: no points, the reason as the output."""
    return {"score": 0.0, "tests": [], "output": reason}


@contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """While grading, SIGINT/SIGTERM/SIGHUP raise GradingInterrupted (once; later ones are ignored)."""

    def handler(signum: int, frame: Any) -> None:
        for s in STOP_SIGNALS:
            signal.signal(s, signal.SIG_IGN)  # the clean-up that follows must not be interrupted in turn
        raise GradingInterrupted(signum)

    try:
        previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    except ValueError:  # not the main thread: signals cannot be caught here
        yield
        return
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run(args: argparse.Namespace) -> int:
    """Grade, print the report, write the Gradescope JSON if asked; return the exit status."""

    def finish(data: dict[str, Any], status: int) -> int:
        if args.results_json is not None:
            try:
                write_results(args.results_json, data)
            except OSError as exc:
                print(f"gradproof grade: error: could not write {args.results_json}: {exc}", file=sys.stderr)
                return status or 3
        return status

    with _stop_signals_raise():
        from derive.grade.process import stop_all

        try:
            from derive.grade import Limits, format_report, grade, gradescope
            from derive.grade.rubric_io import rubric_from

            try:
                limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)
                rubric = rubric_from(args.rubric)
                report = grade(args.paths, limits=limits, seed=args.seed, rubric=rubric)
            except ValueError as exc:
                print(f"gradproof grade: error: {exc}", file=sys.stderr)
                return finish(not_graded(f"not graded: {exc}"), 2)
            print(format_report(report, verbose=args.verbose))
            print(f"\nStudent code ran in the sandbox under: {report.isolation}")
            data = gradescope(report, visibility=rubric.visibility)
            data["output"] += f"\nSandbox: {report.isolation}"
            status = finish(data, 0)
            if args.results_json is not None and status == 0:
                print(f"Gradescope results written to {args.results_json}")
            return status
        except GradingInterrupted as exc:
            stop_all()
            print(f"gradproof grade: interrupted by {exc}; no score", file=sys.stderr)
            return finish(not_graded(f"grading interrupted ({exc}); no score was given"), 128 + exc.signum)
        except Exception as exc:  # noqa: BLE001 - the results file is written whatever went wrong
            stop_all()
            print(f"gradproof grade: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return finish(not_graded(f"grading failed with an internal error of the grader ({type(exc).__name__}: {exc}); "
                                     "no score was given"), 3)
