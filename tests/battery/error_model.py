"""The float error model's units (see *Tolerances* in the package docstring): ε and the underflow
unit η of the least precise floating input, and exact float64 copies."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

EPS = float(np.finfo(np.float64).eps)

FloatArray = NDArray[np.float64]


def working_eps(*arrays: NDArray[Any]) -> float:
    """Unit of the float64 error model for code fed these arrays: the ε of the least precise
    floating input (float32: 2⁻²³ -- an implementation may compute in it), else float64's."""
    return max([EPS] + [float(np.finfo(a.dtype).eps) for a in arrays if np.issubdtype(a.dtype, np.floating)])


def working_eta(*arrays: NDArray[Any]) -> float:
    """Absolute error of one product or quotient that underflows (gradual underflow: half the
    smallest subnormal; 7e-46 for float32) in the least precise floating input's dtype."""
    dts = [a.dtype for a in arrays if np.issubdtype(a.dtype, np.floating)] + [np.dtype(np.float64)]
    return max(float(np.finfo(dt).smallest_subnormal) for dt in dts)


def f64(a: NDArray[Any]) -> FloatArray:
    """Exact float64 copy (every float32 and small integer is a float64)."""
    return np.asarray(a, dtype=np.float64)
