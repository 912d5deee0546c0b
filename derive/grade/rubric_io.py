"""The rubric of the current check tables: load one for the grader's checks, or write the default.

(:mod:`derive.grade.rubric` knows nothing of the checks; this module ties it to
:data:`derive.grade.grader.CHECKS`.)
"""

from __future__ import annotations

from pathlib import Path

from derive.grade.grader import CHECKS
from derive.grade.rubric import Rubric, default_rubric, load_rubric, render_rubric

__all__ = ["default_rubric_text", "rubric_from"]


def rubric_from(path: Path | None) -> Rubric:
    """The rubric in ``path`` for the grader's checks (the default when None).

    Raises
    ------
    ValueError
        When the file cannot be read or is not a valid rubric.
    """
    return default_rubric() if path is None else load_rubric(path, known=[c.id for c in CHECKS])


def default_rubric_text() -> str:
    """The default rubric as TOML, every check written out."""
    return render_rubric(default_rubric(), CHECKS)
