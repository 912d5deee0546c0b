"""Distances: references, bounds, implementations, checks and strategies."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

from battery.error_model import FloatArray, f64, working_eps, working_eta
from battery.finite_differences import probe_indices
from battery.report import Impl, Impls, Report
from battery.strategies import DTYPES, float_arrays
from battery.components import Battery, Component, Mutant


@dataclass(frozen=True)
class DistanceCase:
    """Test rows ``X`` (A, n) and training rows ``Z`` (B, n), float64 or uint8; ``kind`` names the family."""

    X: NDArray[Any]
    Z: NDArray[Any]
    kind: str


def _knn(Z: NDArray[Any]) -> Any:
    from numerics.knn.model import KNN

    return KNN().train(Z, np.zeros(Z.shape[0], dtype=np.int64))


def _l1(v: FloatArray) -> float:
    return float(np.sum(np.abs(v)))


def _linf(v: FloatArray) -> float:
    return float(np.max(np.abs(v)))


@functools.cache
def _distance_table() -> dict[str, Impl]:
    from derive.distances import squared_distances
    from numerics.knn import distances as nd

    # <norm>/<name>: (X, Z) -> (A, B) matrix; "sq" is the squared Euclidean distance
    return {
        "sq/derive.squared_distances": squared_distances,
        "sq/numerics.l2_distances(squared=True)": lambda X, Z: nd.l2_distances(X, Z, squared=True),
        "sq/numerics.naive_distances(v·v)": lambda X, Z: nd.naive_distances(X, Z, lambda v: float(v @ v)),
        "l2/numerics.l2_distances": nd.l2_distances,
        "l2/numerics.compute_distances('l2')": lambda X, Z: nd.compute_distances(X, Z, "l2"),
        "l2/numerics.naive_distances(np.linalg.norm)": lambda X, Z: nd.naive_distances(X, Z, np.linalg.norm),
        "l2/numerics.KNN.compute_L2_distances_vectorized": lambda X, Z: _knn(Z).compute_L2_distances_vectorized(X),
        "l2/numerics.KNN.compute_distances": lambda X, Z: _knn(Z).compute_distances(X),
        "l2/derive.squared_distances+clamp+sqrt": lambda X, Z: np.sqrt(np.maximum(squared_distances(X, Z), 0.0)),
        "l1/numerics.l1_distances": nd.l1_distances,
        "l1/numerics.compute_distances('l1')": lambda X, Z: nd.compute_distances(X, Z, "l1"),
        "l1/numerics.naive_distances(sum |v|)": lambda X, Z: nd.naive_distances(X, Z, _l1),
        "l1/numerics.KNN.compute_distances(sum |v|)": lambda X, Z: _knn(Z).compute_distances(X, _l1),
        "linf/numerics.linf_distances": nd.linf_distances,
        "linf/numerics.compute_distances('linf')": lambda X, Z: nd.compute_distances(X, Z, "linf"),
        "linf/numerics.naive_distances(max |v|)": lambda X, Z: nd.naive_distances(X, Z, _linf),
    }


def _accel_kernel(kind: str, backend: str) -> Impl:
    """numerics.accel's kernel for one backend: the uint8 one for uint8 pairs, else float64."""
    from numerics import accel

    def kernel(X: NDArray[Any], Z: NDArray[Any]) -> FloatArray:
        if X.dtype == np.uint8 and Z.dtype == np.uint8:
            return accel.pairwise_u8(X, Z, kind, backend=backend)
        return accel.pairwise_f64(np.asarray(X, dtype=np.float64), np.asarray(Z, dtype=np.float64), kind,
                                  backend=backend)
    return kernel


def _accel_table() -> dict[str, Impl]:
    """Both backends of the optional kernels behind l1/linf_distances (when numerics.accel exists)."""
    try:
        from numerics import accel
    except ImportError:
        return {}
    backends = [b for b in accel.BACKENDS if b != "numba" or accel.HAVE_NUMBA]
    return {f"{kind}/numerics.accel.pairwise(backend={b!r})": _accel_kernel(kind, b)
            for kind in ("l1", "linf") for b in backends}


def distance_impls() -> dict[str, Impl]:
    """The distance implementations under test (a fresh dict; the accel kernels per backend included)."""
    return {**_distance_table(), **_accel_table()}


NORMS = ("sq", "l2", "l1", "linf")


def exact_distances(x: NDArray[Any], z: NDArray[Any]) -> dict[str, float]:
    """Squared, L2, L1 and L∞ distances of two rows: exact (Python integers / Fractions), rounded once.

    L2 is ``math.sqrt`` of the correctly rounded square: within 1 ulp of the true value
    (and exactly the correctly rounded one for integer data below 2**53).
    """
    if np.issubdtype(x.dtype, np.integer) and np.abs(x).max(initial=0) < 2**20 and x.size < 2**20:
        d = x.astype(np.int64) - z.astype(np.int64)  # exact: |d|² summed stays far below 2**63
        sq_int = int(np.sum(d * d))
        return {"sq": float(sq_int), "l2": math.sqrt(sq_int), "l1": float(np.sum(np.abs(d))),
                "linf": float(np.max(np.abs(d)))}
    diff = [Fraction(float(a)) - Fraction(float(b)) for a, b in zip(x, z)]
    sq = float(sum((v * v for v in diff), Fraction(0)))
    return {"sq": sq, "l2": math.sqrt(sq), "l1": float(sum((abs(v) for v in diff), Fraction(0))),
            "linf": float(max(abs(v) for v in diff))}


def distance_bounds(x: NDArray[Any], z: NDArray[Any], exact: Mapping[str, float]) -> dict[str, float]:
    r"""Bounds on |impl - exact| per norm for one pair (0 for integer data: every step is exact).

    Expansion :math:`\|x\|^2 + \|z\|^2 - 2x^\top z` (length-n dot products, then two
    additions): :math:`\beta = (n + 2)\varepsilon(\|x\|^2 + \|z\|^2 + 2|x|^\top|z|)`,
    which also covers the direct :math:`\sum (x - z)^2` (:math:`(n + 3)\varepsilon D^2`,
    smaller).  L2: :math:`|\sqrt{a} - \sqrt{b}| \le \min(\sqrt{|a - b|}, |a - b|/\sqrt{b})`,
    plus the roundings of sqrt and of the reference (:math:`2\varepsilon D`).  L1:
    rounded differences and a length-n sum, :math:`(n + 1)\varepsilon D_1`.  L∞: only the
    rounding of the difference, :math:`\varepsilon D_\infty`.  Products that underflow add
    :math:`\eta` each (:func:`working_eta`); differences and sums of subnormals are exact.
    """
    if np.issubdtype(x.dtype, np.integer) and np.issubdtype(z.dtype, np.integer):
        return dict.fromkeys(NORMS, 0.0)
    eps, eta = working_eps(x, z), working_eta(x, z)  # float32 input: an implementation may compute in float32
    xf, zf = f64(x), f64(z)
    n = xf.size
    beta = (n + 2) * eps * float(xf @ xf + zf @ zf + 2 * np.abs(xf) @ np.abs(zf))
    beta = max(beta, (n + 3) * eps * exact["sq"]) + (3 * n + 1) * eta  # 3n products may underflow
    d = exact["l2"]
    l2 = min(math.sqrt(beta), beta / d if d > 0 else math.inf) + 2 * eps * d
    return {"sq": beta + eps * exact["sq"], "l2": l2, "l1": (n + 1) * eps * exact["l1"], "linf": eps * exact["linf"]}


def check_distances(impls: Impls, case: DistanceCase, *, pairs: int | None = None,
                    rng: np.random.Generator | None = None) -> None:
    """Every impl: finite and ≥ 0 everywhere (no NaN, near-duplicates included), and equal to the
    exact distance within its bound on every pair (or on ``pairs`` random pairs drawn with ``rng``)."""
    X, Z = case.X, case.Z
    A, B = X.shape[0], Z.shape[0]
    flat = probe_indices(A * B, pairs, rng)
    rows, cols = np.unravel_index(flat, (A, B))
    exact = [exact_distances(X[i], Z[j]) for i, j in zip(rows, cols)]
    bounds = [distance_bounds(X[i], Z[j], e) for (i, j), e in zip(zip(rows, cols), exact)]
    rep = Report(f"distances ({case.kind})")
    for name, fn in impls.items():
        norm = name.split("/", 1)[0]
        if norm not in NORMS:
            continue
        D = rep.call(name, fn, X, Z)
        if D is None:
            continue
        D = np.asarray(D, dtype=np.float64)
        if D.shape != (A, B):
            rep.fail(name, f"shape {D.shape}, expected {(A, B)}")
            continue
        # "sq" is the expansion's value, documented as unclamped (tiny negatives allowed within
        # its bound); a distance must be finite and >= 0 (NaN fails the comparison too)
        ok = np.isfinite(D) if norm == "sq" else np.isfinite(D) & (D >= 0)
        if not ok.all():
            k = int(np.argmax(~ok))
            where = tuple(int(v) for v in np.unravel_index(k, D.shape))
            rep.fail(name, f"entry {where} is {D.flat[k]!r}: expected a finite {'value' if norm == 'sq' else 'distance ≥ 0'}")
        rep.compare(name, "distance", D[rows, cols], [e[norm] for e in exact], [b[norm] for b in bounds])
    rep.close()


@st.composite
def distance_cases(draw: st.DrawFn) -> DistanceCase:
    """Float rows (float64 or float32) at scales 1e-3..1e3, with exact duplicates and near-duplicates
    (relative 1e-15..1e-6), or uint8 pixels over the whole 0..255 range with duplicates."""
    kind = draw(st.sampled_from(["float", "near-duplicate", "uint8"]), label="kind")
    n = draw(st.integers(1, 6), label="n")
    A = draw(st.integers(1, 4), label="A")
    dups = draw(st.lists(st.integers(0, A - 1), max_size=3), label="duplicated rows")
    extra = draw(st.integers(0 if dups else 1, 3), label="other rows")
    if kind == "uint8":
        X = draw(hnp.arrays(np.uint8, (A, n)), label="X")
        others = draw(hnp.arrays(np.uint8, (extra, n)), label="other rows of Z")
        return DistanceCase(X, np.vstack([X[dups], others]), kind)
    dtype = draw(st.sampled_from(DTYPES), label="dtype")
    scale = dtype(draw(st.sampled_from([1e-3, 1.0, 1e3]), label="scale"))
    X = draw(float_arrays((A, n), -1, 1, dtype), label="X") * scale
    parts = [X[dups], draw(float_arrays((extra, n), -1, 1, dtype), label="other rows of Z") * scale]
    if kind == "near-duplicate":
        rel = draw(st.sampled_from([1e-15, 1e-12, 1e-9, 1e-6]), label="relative perturbation")
        noise = draw(float_arrays((A, n), -1, 1), label="perturbation")
        parts.append((f64(X) * (1 + rel * noise)).astype(dtype))
    return DistanceCase(X, np.vstack(parts), f"{kind}, {np.dtype(dtype).name}")


# -- mutants: the mistakes these checks must catch (test_battery_mutants.py) --------------------

def l2_without_clamp(fn: Callable[..., Any]) -> Callable[..., Any]:
    """sqrt of the expansion ‖x‖² + ‖z‖² - 2xᵀz without the clamp at 0 (derive's unclamped value)."""
    from derive.distances import squared_distances

    def mutant(X: Any, Z: Any) -> Any:
        with np.errstate(invalid="ignore"):
            return np.sqrt(squared_distances(X, Z))
    return mutant


def uint8_wraparound(fn: Callable[..., Any]) -> Callable[..., Any]:
    """|x - z| summed in the input dtype: for uint8, 0 - 1 is 255."""
    return lambda X, Z: np.abs(X[:, None, :] - Z[None, :, :]).sum(axis=-1).astype(np.float64)


def cross_term_once(fn: Callable[..., Any]) -> Callable[..., Any]:
    """‖x‖² + ‖z‖² - xᵀz: the factor 2 of the cross term forgotten."""
    def mutant(X: Any, Z: Any) -> Any:
        Xf, Zf = np.asarray(X, dtype=np.float64), np.asarray(Z, dtype=np.float64)
        return fn(X, Z) - Xf @ Zf.T
    return mutant


def linf_as_l1(fn: Callable[..., Any]) -> Callable[..., Any]:
    """L∞ computed as a sum (the L1 kernel) of |x - z|."""
    from numerics.knn.distances import l1_distances

    return l1_distances


MUTANTS: list[Mutant] = [
    Mutant("L2 without the clamp", "l2/numerics.l2_distances", "all norms", l2_without_clamp),
    Mutant("uint8 wrap-around", "l1/numerics.l1_distances", "all norms", uint8_wraparound),
    Mutant("cross term without the factor 2", "sq/derive.squared_distances", "all norms", cross_term_once),
    Mutant("L-infinity as a sum", "linf/numerics.linf_distances", "all norms", linf_as_l1),
]


BATTERY = Battery(distance_impls, (
    Component("all norms", check_distances, distance_cases),
), mutants=tuple(MUTANTS), derivation_size="n")
