"""The files of a test submission in tests/submissions, for the grader's tests.

The sandbox copies only the files it is given, so a broken submission that
subclasses ``reference.py`` is graded together with it (listed after it: the
class found first is the submission's own).
"""

from __future__ import annotations

from pathlib import Path

SUBMISSIONS = Path(__file__).parent / "submissions"


def submission_files(name: str) -> list[Path]:
    """``[<name>.py]``, plus ``reference.py`` when the submission imports it."""
    path = SUBMISSIONS / f"{name}.py"
    text = path.read_text(encoding="utf-8")
    uses_reference = name != "reference" and ("from reference import" in text or "import reference" in text)
    return [path, SUBMISSIONS / "reference.py"] if uses_reference else [path]
