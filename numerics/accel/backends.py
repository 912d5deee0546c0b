"""Which kernel backend runs: numba when importable (and not switched off), numpy otherwise.

Shared by :mod:`numerics.accel` and :mod:`numerics.accel.l2` (kept apart so that neither imports
the other's names).
"""

from __future__ import annotations

import os

try:  # numba may be missing or broken in an environment
    from numerics.accel import _nb as numba_kernels
    from numerics.accel import _nb_softmax as numba_softmax_kernels
except ImportError:  # pragma: no cover - depends on the environment
    numba_kernels = numba_softmax_kernels = None  # type: ignore[assignment]

__all__ = ["numba_kernels", "numba_softmax_kernels", "HAVE_NUMBA", "BACKENDS", "NUMBA_MAX_K", "NUMBA_MIN_WORK", "resolve_backend", "pick_backend", "check_k"]

#: whether the numba kernels can be used in this environment
HAVE_NUMBA: bool = numba_kernels is not None

#: the backend names a kernel accepts
BACKENDS: tuple[str, ...] = ("numpy", "numba")

#: above this k the one-pass insertion top-k of numba loses to numpy's partial sort
NUMBA_MAX_K: int = 64

#: below this much work (output entries x features, or entries for a top-k) the default
#: backend is numpy: starting the numba threads costs more than the kernel saves
NUMBA_MIN_WORK: int = 1 << 20


def resolve_backend(backend: str | None = None) -> str:
    """The backend a kernel will run: ``backend`` if given, else the default.

    The default is ``"numba"`` when numba is importable and the environment variable
    ``GRADPROOF_ACCEL`` is not ``"numpy"``; otherwise ``"numpy"``.

    >>> resolve_backend("numpy")
    'numpy'
    >>> resolve_backend("cuda")
    Traceback (most recent call last):
    ...
    ValueError: backend: expected one of ('numpy', 'numba') or None, got 'cuda'
    """
    if backend is None:
        wanted = os.environ.get("GRADPROOF_ACCEL", "").strip().lower()
        return "numba" if HAVE_NUMBA and wanted != "numpy" else "numpy"
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {BACKENDS} or None, got {backend!r}")
    if backend == "numba" and not HAVE_NUMBA:
        raise ValueError("backend: expected an installed backend, got 'numba' (numba is not importable here: pip install numba)")
    return backend


def pick_backend(backend: str | None, work: int) -> str:
    """The backend for a call of ``work`` units: small default calls stay on numpy."""
    chosen = resolve_backend(backend)
    return "numpy" if backend is None and work < NUMBA_MIN_WORK else chosen


def check_k(k: int, n: int) -> None:
    """Raise ValueError unless ``1 <= k <= n``."""
    if not 1 <= k <= n:
        raise ValueError(f"k: expected 1 <= k <= {n}, got {k}")
