"""The files of a test submission in tests/submissions, for the grader's tests.

The sandbox copies only the files it is given, so a broken submission that
subclasses ``reference.py`` is graded together with it (listed after it: the
class found first is the submission's own).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SUBMISSIONS = Path(__file__).parent / "submissions"
#: the assignment's standard solution written as a student would, kept in the package (``gradproof bench-grade`` grades it)
CS231N = Path(__file__).parent.parent / "derive" / "grade" / "cs231n_submission.py"


def submission_files(name: str) -> list[Path]:
    """``[<name>.py]``, plus ``reference.py`` when the submission imports it (``reference_cs231n``: :data:`CS231N`)."""
    path = CS231N if name == "reference_cs231n" else SUBMISSIONS / f"{name}.py"
    text = path.read_text(encoding="utf-8")
    uses_reference = name != "reference" and ("from reference import" in text or "import reference" in text)
    return [path, SUBMISSIONS / "reference.py"] if uses_reference else [path]


def noisy_speedup(result: Any) -> bool:
    """A speed-up check that failed on its timing alone (the method was correct): noise on a loaded machine."""
    return result.name == "speed-up" and not result.passed and not result.message.startswith("no credit:")
