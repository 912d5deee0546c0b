"""Battery: squared, L2, L1 and L∞ distances -- derive's symbolic expansion, numerics' vectorised
and naive versions and the KNN class -- against exact (integer / rational) distances.

Cases include exact duplicates, near-duplicates (relative 1e-15 .. 1e-6, where the expansion
cancels catastrophically: no NaN allowed) and uint8 pixels over the whole 0..255 range (no
wrap-around; every implementation exact).  Bounds in ``battery.distances.distance_bounds``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, note

from battery import DistanceCase, check_distances, distance_cases, distance_impls


@given(case=distance_cases())
def test_every_distance_implementation_is_exact_within_its_bound(case: DistanceCase) -> None:
    note(f"kind = {case.kind}\nX = {case.X.tolist()!r} ({case.X.dtype})\nZ = {case.Z.tolist()!r}")
    check_distances(distance_impls(), case)


def test_uint8_extremes_do_not_wrap_around() -> None:
    """0 - 255 must be -255, not 1: the classic uint8 bug, with every implementation at once."""
    X = np.array([[0, 255, 0]], dtype=np.uint8)
    Z = np.array([[255, 0, 255], [0, 255, 0]], dtype=np.uint8)
    check_distances(distance_impls(), DistanceCase(X, Z, "uint8"))
    D = distance_impls()["l1/numerics.l1_distances"](X, Z)
    assert D.tolist() == [[765.0, 0.0]]


def test_exact_duplicates_give_exact_zeros() -> None:
    """Duplicated float rows: the clamped expansion gives 0 (never a tiny negative or NaN)."""
    X = np.array([[0.1, 0.2, 0.3], [1e3 / 3, -7.0, 0.7]])
    for name, fn in distance_impls().items():
        if not name.startswith("sq/"):
            D = fn(X, X)
            assert np.all(np.isfinite(D)) and np.all(D >= 0), name
