r"""Timing helpers: medians of repeats, and how busy the rest of the machine was meanwhile.

Examples
--------
>>> t = measure(lambda: sum(range(1000)), repeats=3)
>>> len(t.samples), t.median >= t.best > 0
(3, True)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Timing", "measure", "LoadMonitor"]


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of the timed runs (the warm-up excluded).

    Attributes
    ----------
    samples : tuple of float
    result : object
        What the last run returned (to check it, never timed).
    """

    samples: tuple[float, ...]
    result: Any = field(default=None, repr=False, compare=False)

    @property
    def median(self) -> float:
        """Median of the samples (s)."""
        return float(np.median(self.samples))

    @property
    def best(self) -> float:
        """Fastest sample (s)."""
        return float(min(self.samples))


def measure(fn: Callable[[], Any], repeats: int, *, warmup: bool = True, budget: float = 60.0) -> Timing:
    """Run ``fn`` once to warm up (JIT compilation, page faults), then ``repeats`` timed times.

    A run longer than ``budget`` seconds ends the repeats early (at least one timed
    run is kept; a warm-up over budget counts as the only sample).
    """
    samples: list[float] = []
    result = None
    if warmup:
        t0 = time.perf_counter()
        result = fn()
        first = time.perf_counter() - t0
        if first > budget:
            return Timing((first,), result)
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
        if sum(samples) > budget:
            break
    return Timing(tuple(samples), result)


def _cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


class LoadMonitor:
    """CPU used by *other* processes between :meth:`start` and :meth:`stop`, in cores.

    Busy time of the whole machine (``/proc/stat``) minus this process's own CPU time
    (``os.times``), divided by the wall time. ``None`` where ``/proc`` is missing.
    """

    def __init__(self) -> None:
        self._start: tuple[tuple[int, int] | None, float, float] | None = None

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def start(self) -> LoadMonitor:
        """Begin a measurement; returns ``self``."""
        self._start = (_cpu_jiffies(), self._own(), time.perf_counter())
        return self

    def stop(self) -> dict[str, float | None]:
        """``{"others_cores", "own_cores", "wall_s", "loadavg_1min"}`` since :meth:`start`."""
        if self._start is None:
            raise ValueError("LoadMonitor: expected start() before stop(), got stop() alone")
        j0, own0, w0 = self._start
        j1, own1, w1 = _cpu_jiffies(), self._own(), time.perf_counter()
        wall = max(w1 - w0, 1e-9)
        own = (own1 - own0) / wall
        others: float | None = None
        if j0 is not None and j1 is not None:
            hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
            busy = (j1[0] - j0[0]) / hz / wall
            others = max(0.0, busy - own)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        return {"others_cores": others, "own_cores": own, "wall_s": wall, "loadavg_1min": load}
