"""Checks shared by both classes: "no Python loops" (static) and the measured speed-up.

The speed-up is the time of the *reference* loop implementation (from :mod:`numerics`,
timed here in the parent, one BLAS thread like the child, on the same arrays and in
the same run) over the time of the student's vectorised method: the student's own loop
version is not timed at all, so slowing it down cannot fake a speed-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from derive.grade.check import Evidence, task_failure
from derive.grade.diagnose import Verdict
from derive.grade.static import MAX_SOURCE_CHARS, find_loops

__all__ = ["MIN_SPEEDUP", "REFERENCE_REPEAT", "Judge", "no_loops_judge", "speedup_judge", "time_reference"]

Judge = Callable[[Evidence], Verdict]

#: the vectorised method must be at least this many times faster than the reference loop version
MIN_SPEEDUP = 2.0
#: runs of the reference loop version (the best is kept)
REFERENCE_REPEAT = 3


def no_loops_judge(cls: str, method: str) -> Judge:
    """A judge that parses the method's file and fails on any Python loop in it or its helpers."""

    def judge(ev: Evidence) -> Verdict:
        loc = ev.location
        if not loc or not loc.get("file"):
            return Verdict(False, f"could not find the Python source of {cls}.{method} (missing, or not defined in Python)")
        path = Path(str(loc["file"])).resolve()
        if not any(path.is_relative_to(folder) for folder in ev.folders):
            return Verdict(False, f"{cls}.{method} is defined outside the submission ({path}); only the submission's own code is graded")
        try:
            with open(path, "rb") as f:  # bounded: find_loops refuses more than MAX_SOURCE_CHARS anyway
                source = f.read(4 * MAX_SOURCE_CHARS + 1).decode("utf-8", errors="replace")
            findings = find_loops(source, cls, method, line=int(loc.get("line") or 0) or None)
        except (OSError, ValueError) as exc:
            return Verdict(False, f"could not inspect {cls}.{method}: {exc}")
        if findings:
            listed = "; ".join(str(f) for f in findings)
            return Verdict(False, f"{method} must not loop in Python (that is the point of vectorising it); found: {listed} in {path.name}")
        return Verdict(True, f"no Python loops in {method} nor in the helpers it calls in {path.name}")

    return judge


def time_reference(reference: Callable[[], Any], repeat: int = REFERENCE_REPEAT) -> float:
    """Best wall-clock seconds of ``reference()`` over ``repeat`` runs, with one BLAS thread (as in the child)."""
    best = float("inf")
    with threadpool_limits(limits=1):
        for _ in range(repeat):
            t0 = time.perf_counter()
            reference()
            best = min(best, time.perf_counter() - t0)
    return best


def speedup_judge(reference_name: str, fast_method: str, size: str, min_speedup: float = MIN_SPEEDUP) -> Judge:
    """A judge of the reference loop version's time over the time of ``fast_method`` (saved as "fast").

    The probe's context holds ``reference``: a no-argument callable running the
    reference loop implementation on the probe's arrays.
    """

    def judge(ev: Evidence) -> Verdict:
        failed = task_failure(ev)
        if failed is not None:
            return Verdict(False, f"could not time {fast_method}: {failed.message}")
        times = ev.outcome.times if ev.outcome is not None else {}
        t_fast = times.get("fast")
        if t_fast is None:
            return Verdict(False, f"could not time {fast_method}")
        t_ref = time_reference(ev.context["reference"])
        ratio = t_ref / max(t_fast, 1e-9)
        text = (f"speed-up {ratio:.1f}× over the reference loop version ({reference_name} {t_ref * 1e3:.1f} ms, "
                f"your {fast_method} {t_fast * 1e3:.2f} ms on {size}, same run)")
        if ratio < min_speedup:
            return Verdict(False, f"{text}; a vectorised {fast_method} must be at least {min_speedup:g}× faster than a loop version")
        return Verdict(True, text)

    return judge
