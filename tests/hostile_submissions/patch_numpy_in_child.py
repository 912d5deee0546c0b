"""Monkeypatches numpy so that the child's encoder sees perfect arrays: np.asarray returns zeros of another shape."""
import numpy as np
from _stub import KNN

_orig = np.asarray
np.asarray = lambda *a, **k: _orig([[0.0]])
np.ascontiguousarray = lambda *a, **k: _orig([[0.0]])
