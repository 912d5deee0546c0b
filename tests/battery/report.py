"""Reports of the battery's checks: :class:`BatteryFailure` names every implementation that
disagreed, :class:`Report` collects the disagreements of one check, :func:`select` picks a kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

Impl = Callable[..., Any]
Impls = Mapping[str, Impl]


class BatteryFailure(AssertionError):
    """Implementations under test disagreed with a reference; ``failed`` names them."""

    def __init__(self, message: str, failed: frozenset[str]) -> None:
        super().__init__(message)
        self.failed = failed


class Report:
    """Collect disagreements of one check; :meth:`close` raises them together."""

    def __init__(self, check: str) -> None:
        self.check = check
        self.problems: list[tuple[str, str]] = []

    def fail(self, impl: str, message: str) -> None:
        self.problems.append((impl, message))

    def call(self, impl: str, fn: Impl, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args)`` on copies of the array arguments; an exception or a changed input is a failure."""
        copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
        try:
            out = fn(*copies, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any exception of an implementation is its failure
            self.fail(impl, f"raised {type(exc).__name__}: {exc}")
            return None
        for k, (a, c) in enumerate(zip(args, copies)):
            if isinstance(a, np.ndarray) and not np.array_equal(a, c, equal_nan=True):
                self.fail(impl, f"modified its input argument {k}")
        return out

    def compare(self, impl: str, what: str, got: Any, expected: Any, tol: Any) -> bool:
        """Record a failure unless ``|got - expected| <= tol`` entrywise (NaN fails, shapes must match)."""
        try:
            g = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            self.fail(impl, f"{what}: not a float array ({exc})")
            return False
        e = np.asarray(expected, dtype=np.float64)
        if g.shape != e.shape:
            self.fail(impl, f"{what}: shape {g.shape}, expected {e.shape}")
            return False
        t = np.broadcast_to(np.asarray(tol, dtype=np.float64), e.shape)
        err = np.abs(g - e)
        bad = ~(err <= t)
        if bad.any():
            k = int(np.argmax(np.where(bad, np.nan_to_num(err / np.maximum(t, 1e-300), nan=np.inf), -1.0)))
            where = np.unravel_index(k, e.shape) if e.ndim else ()
            self.fail(impl, f"{what}{list(map(int, where)) if e.ndim else ''}: got {float(g.flat[k])!r}, "
                            f"expected {float(e.flat[k])!r}, |diff| {err.flat[k]:.3g} > tol {t.flat[k]:.3g} "
                            f"({int(bad.sum())} of {bad.size} entries)")
            return False
        return True

    def close(self) -> None:
        if self.problems:
            lines = "\n".join(f"  {impl}: {msg}" for impl, msg in self.problems)
            raise BatteryFailure(f"{self.check} failed:\n{lines}", frozenset(i for i, _ in self.problems))


def select(impls: Impls, kind: str) -> dict[str, Impl]:
    """The entries ``kind/...`` of a table."""
    return {k: v for k, v in impls.items() if k.split("/", 1)[0] == kind}
