"""Finite differences (independent of numerics.gradcheck, which is itself under test)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from battery.error_model import FloatArray

#: central-difference step for smooth losses: balances h²M₃/6 against δ_f/h for |x| ≲ 3, δ_f ≈ 1e-15
FD_STEP = 1e-5


def central_difference(f: Callable[[FloatArray], float], x: FloatArray, indices: NDArray[np.int64],
                       h: float = FD_STEP) -> FloatArray:
    """Central differences of ``f`` at ``x`` along the flat ``indices`` (``x`` is not modified).

    Divides by the representable step ``fl(x+h) - fl(x-h)``, not by ``2h``.
    """
    work = np.array(x, dtype=np.float64, copy=True)
    flat = work.reshape(-1)
    out = np.empty(len(indices))
    for k, i in enumerate(indices):
        old = flat[i]
        up, down = old + h, old - h
        flat[i] = up
        f_up = float(f(work))
        flat[i] = down
        f_down = float(f(work))
        flat[i] = old
        out[k] = (f_up - f_down) / (up - down)
    return out


def probe_indices(size: int, probes: int | None, rng: np.random.Generator | None) -> NDArray[np.int64]:
    """Every flat index, or ``probes`` distinct ones drawn with ``rng``."""
    if probes is None or probes >= size:
        return np.arange(size, dtype=np.int64)
    if rng is None:
        raise ValueError("probe_indices: sampling probes needs an rng")
    return np.sort(rng.choice(size, size=probes, replace=False)).astype(np.int64)
