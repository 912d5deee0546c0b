"""Present a :class:`~derive.grade.grader.GradeReport`: a terminal report and Gradescope's ``results.json``.

The Gradescope autograder format: ``{"score": total, "tests": [{"name", "status",
"score", "max_score", "output"}, ...], "output": summary}``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from derive.grade.grader import GradeReport

__all__ = ["ALWAYS_SHOWN", "format_report", "gradescope", "summary", "write_gradescope"]

#: checks whose message is shown even when they pass (a measurement worth seeing)
ALWAYS_SHOWN = frozenset({"speed-up"})


def _points(x: float) -> str:
    return f"{x:g}"


def summary(report: GradeReport) -> str:
    """One line per class, then the total."""
    lines = []
    for cls, where in report.sections.items():
        rs = [r for r in report.results if r.cls == cls]
        got, total = sum(r.score for r in rs), sum(r.max_score for r in rs)
        scored = [r for r in rs if not r.advisory]
        passed = sum(r.passed for r in scored)
        lines.append(f"{cls}: {_points(got)} / {_points(total)} ({passed} of {len(scored)} checks passed; {where})")
    lines.append(f"Total: {_points(report.score)} / {_points(report.max_score)}")
    return "\n".join(lines)


def format_report(report: GradeReport, *, verbose: bool = False) -> str:
    """The terminal report: per class, per method, per check ✓/✗, points and message.

    Failed checks always show their message, passed ones only with ``verbose``
    (except the measured speed-ups, always shown).
    """
    out = [f"gradproof grade: {', '.join(report.files)}", ""]
    for cls, where in report.sections.items():
        rs = [r for r in report.results if r.cls == cls]
        got, total = sum(r.score for r in rs), sum(r.max_score for r in rs)
        out.append(f"{cls} ({where})  {_points(got)} / {_points(total)}")
        if not any(r.passed for r in rs) and "not found" in where:
            out.append("")
            continue
        method = None
        for r in rs:
            if r.method != method:
                method = r.method
                out.append(f"  {method}")
            mark = "✓" if r.passed else "!" if r.advisory else "✗"
            pts = "advice" if r.advisory else f"{_points(r.score):>3} / {_points(r.max_score)}"
            out.append(f"    {mark} {r.name:<40} {pts}")
            if not r.passed or verbose or r.name in ALWAYS_SHOWN:
                out += [f"        {line}" for line in r.message.splitlines()]
        out.append("")
    out.append(f"Total: {_points(report.score)} / {_points(report.max_score)}")
    return "\n".join(out)


def _clean(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def gradescope(report: GradeReport, *, visibility: str = "visible") -> dict[str, Any]:
    """The report as Gradescope's autograder ``results.json`` object (finite numbers only).

    Advisory checks are tests worth 0 points whose output starts with "advice (no points)".
    """
    tests = [
        {
            "name": r.title,
            "status": "passed" if r.passed else "failed",
            "score": r.score if math.isfinite(r.score) else 0.0,
            "max_score": r.max_score,
            "output": _clean(("advice (no points): " if r.advisory and not r.passed else "") + r.message),
            "visibility": r.visibility,
        }
        for r in report.results
    ]
    return {"score": report.score, "visibility": visibility, "tests": tests, "output": _clean(summary(report))}


def write_gradescope(report: GradeReport, path: Path, *, visibility: str = "visible") -> None:
    """Write :func:`gradescope` as JSON to ``path`` (strict JSON: no NaN)."""
    data = gradescope(report, visibility=visibility)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
