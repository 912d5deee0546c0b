"""What the problems' experiment checks share: timing a check, relative differences, sample rows.

:data:`PNG_SAVE` are the figure settings every experiment saves with (deterministic
files).  A check is ``fn() -> (passed, detail)``; :func:`timed_check` runs it and records its
time, and a check that raises is reported as failed with the error, never a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from derive.solutions.results import Check

__all__ = ["timed_check", "rel_difference", "sample_rows", "PNG_SAVE"]

#: PNG settings: no software-version metadata, fixed resolution (the same seed writes the same bytes)
PNG_SAVE: dict[str, Any] = {"dpi": 120, "metadata": {"Software": None}}


def timed_check(name: str, fn: Callable[[], tuple[bool, str]]) -> Check:
    """Run ``fn() -> (passed, detail)`` and time it; an exception is a failed check, not a crash."""
    t0 = time.perf_counter()
    try:
        passed, detail = fn()
    except Exception as exc:  # a check that crashes has failed; say why
        passed, detail = False, f"error: {type(exc).__name__}: {exc}"
    return Check(name, bool(passed), detail, time.perf_counter() - t0)


def rel_difference(a: Any, b: Any) -> float:
    """``max |a - b| / max |b|`` (elementwise; ``b`` is the reference)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


def sample_rows(dataset: str, data_dir: str | Path | None, rng: np.random.Generator,
                n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random training rows of ``dataset`` (as stored: uint8 for images) and their labels."""
    from numerics.data import load_dataset

    ds = load_dataset(dataset, data_dir)
    idx = np.sort(rng.choice(ds.X_train.shape[0], size=min(n, ds.X_train.shape[0]), replace=False))
    return ds.X_train[idx], ds.y_train[idx]
