"""Hypothesis strategies shared by several quantities."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from battery.error_model import FloatArray


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite float64 in [lo, hi], no subnormals."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def float_arrays(shape: tuple[int, ...], lo: float, hi: float, dtype: Any = np.float64) -> st.SearchStrategy[FloatArray]:
    """Arrays of finite floats in [lo, hi] of ``dtype`` (float64 or float32), no subnormals."""
    width = np.dtype(dtype).itemsize * 8
    elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=width)
    return hnp.arrays(dtype, shape, elements=elements)


#: input dtypes of the softmax and distance cases: float64 twice as often as float32
DTYPES = (np.float64, np.float64, np.float32)
