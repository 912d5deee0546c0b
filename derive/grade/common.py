"""Checks shared by every class: "no Python loops" (static) and the measured speed-up.

The speed-up is the time of the *reference* loop implementation (from :mod:`numerics`,
run in the grader's process, one BLAS thread like the child, on the same arrays) over
the time of the student's vectorised method: the student's own loop version is not
timed at all, so slowing it down cannot fake a speed-up.  The two run alternately
(:func:`timed_reference`), so a machine busy with other work slows both alike; each
keeps its best time, and a ratio below the bar is measured again (ten more rounds, all of
them: never stopped at the first lucky one) before the points are taken away.  A loop dressed as vectorised stays near 1× however often it
is measured.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from derive.grade.check import Evidence, task_failure
from derive.grade.diagnose import Verdict
from derive.grade.sandbox import REFERENCE_SUFFIX, ROUNDS_SUFFIX, Timed, read_source
from derive.grade.static import MAX_SOURCE_CHARS, find_loops

__all__ = ["MIN_SPEEDUP", "REFERENCE_REPEAT", "TIMED_ROUNDS", "EXTRA_ROUNDS", "Judge", "no_loops_judge", "speedup_judge",
           "submission_modules", "time_reference", "timed_reference"]

Judge = Callable[[Evidence], Verdict]

#: the vectorised method must be at least this many times faster than the reference loop version
MIN_SPEEDUP = 2.0
#: runs of the reference loop version (the best is kept) when it is timed after the fact
REFERENCE_REPEAT = 3
#: alternating rounds (student call, reference run) always run; the best of each is kept
TIMED_ROUNDS = 3
#: further rounds, all of them, when the ratio is below the bar after TIMED_ROUNDS (re-measured before points are taken away)
EXTRA_ROUNDS = 10


_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def submission_modules(here: Path, folders: Sequence[Path]) -> Callable[[str], str | None]:
    """Module name -> the source of that module among the submission's files (beside ``here``), else None.

    Only regular files inside ``folders`` are read (bounded, never through a symbolic link).
    """
    roots = list(dict.fromkeys([here, *folders]))

    def resolve(module: str) -> str | None:
        if not _MODULE.fullmatch(module):
            return None
        rel = module.replace(".", os.sep)
        for root in roots:
            for candidate in (root / f"{rel}.py", root / rel / "__init__.py"):
                if not any(Path(os.path.abspath(candidate)).is_relative_to(f) for f in folders):
                    continue
                data, why = read_source(str(candidate))
                if why is None:
                    return data.decode("utf-8", errors="replace")
        return None

    return resolve


def no_loops_judge(cls: str, method: str, *, function: bool = False) -> Judge:
    """A judge that parses the method's file and fails on any Python loop in it or its helpers.

    With ``function``, ``method`` is a module-level function (``cls`` only names it in messages).
    """

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
            findings = find_loops(source, None if function else cls, method, line=int(loc.get("line") or 0) or None,
                                  resolve=submission_modules(path.parent, ev.folders))
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


def timed_reference(reference: Callable[[], Any], min_speedup: float = MIN_SPEEDUP) -> Timed:
    """The :class:`~derive.grade.sandbox.Timed` of a speed-up probe: ``reference`` alternates with the student's call."""
    return Timed(reference, min_speedup, rounds=TIMED_ROUNDS, extra=EXTRA_ROUNDS)


def speedup_judge(reference_name: str, fast_method: str, size: str, min_speedup: float = MIN_SPEEDUP, key: str = "fast") -> Judge:
    """A judge of the reference loop version's time over the time of ``fast_method`` (saved as ``key``).

    Both times come from the sandbox, which ran the reference (in the grader) and the
    student's call (in the child) alternately (:func:`timed_reference`).  A probe that
    did not time its reference that way gives ``reference`` in its context instead,
    timed here.
    """

    def judge(ev: Evidence) -> Verdict:
        failed = task_failure(ev)
        if failed is not None:
            return Verdict(False, f"could not time {fast_method}: {failed.message}")
        times = ev.outcome.times if ev.outcome is not None else {}
        t_fast = times.get(key)
        if t_fast is None or not t_fast < float("inf"):
            return Verdict(False, f"could not time {fast_method}")
        t_ref = times.get(key + REFERENCE_SUFFIX)
        if t_ref is None:
            t_ref = time_reference(ev.context["reference"])
        rounds = int(times.get(key + ROUNDS_SUFFIX, 0))
        ratio = t_ref / max(t_fast, 1e-9)
        how = f"best of {rounds} alternating runs each" if rounds else "same run"
        text = (f"speed-up {ratio:.1f}× over the reference loop version ({reference_name} {t_ref * 1e3:.1f} ms, "
                f"your {fast_method} {t_fast * 1e3:.2f} ms on {size}, {how})")
        if ratio < min_speedup:
            return Verdict(False, f"{text}; a vectorised {fast_method} must be at least {min_speedup:g}× faster than a loop version")
        return Verdict(True, text)

    return judge
