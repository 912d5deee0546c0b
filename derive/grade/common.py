"""Checks shared by both classes: "no Python loops" (static) and the measured speed-up.

Both compare a vectorised method with the same class's loop version.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from derive.grade.check import Evidence, task_failure
from derive.grade.diagnose import Verdict
from derive.grade.static import find_loops

__all__ = ["MIN_SPEEDUP", "Judge", "no_loops_judge", "speedup_judge"]

Judge = Callable[[Evidence], Verdict]

#: the vectorised method must be at least this many times faster than the loop version
MIN_SPEEDUP = 2.0


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
            source = path.read_text(encoding="utf-8", errors="replace")
            findings = find_loops(source, cls, method, line=int(loc.get("line") or 0) or None)
        except (OSError, ValueError) as exc:
            return Verdict(False, f"could not inspect {cls}.{method}: {exc}")
        if findings:
            listed = "; ".join(str(f) for f in findings)
            return Verdict(False, f"{method} must not loop in Python (that is the point of vectorising it); found: {listed} in {path.name}")
        return Verdict(True, f"no Python loops in {method} nor in the helpers it calls in {path.name}")

    return judge


def speedup_judge(loop_method: str, fast_method: str, size: str) -> Judge:
    """A judge of the ratio of the best times of ``loop_method`` and ``fast_method`` (saved as "loop", "fast")."""

    def judge(ev: Evidence) -> Verdict:
        failed = task_failure(ev)
        if failed is not None:
            return Verdict(False, f"could not time the two versions: {failed.message}")
        times = ev.outcome.times if ev.outcome is not None else {}
        t_loop, t_fast = times.get("loop"), times.get("fast")
        if t_loop is None or t_fast is None:
            return Verdict(False, "could not time the two versions")
        ratio = t_loop / max(t_fast, 1e-9)
        text = (f"speed-up {ratio:.1f}× over {loop_method} ({loop_method} {t_loop * 1e3:.1f} ms, "
                f"{fast_method} {t_fast * 1e3:.2f} ms on {size})")
        if ratio < MIN_SPEEDUP:
            return Verdict(False, f"{text}; a vectorised method must be at least {MIN_SPEEDUP:g}× faster than the loop version")
        return Verdict(True, text)

    return judge
