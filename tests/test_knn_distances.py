"""Vectorised kNN distances equal the homework's naive double loop, for every norm."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numerics.knn import distances as dist_mod
from numerics.knn.distances import (
    NORMS,
    compute_distances,
    l1_distances,
    l2_distances,
    linf_distances,
    naive_distances,
)

EPS = np.finfo(np.float64).eps

#: the reference norm of each name, applied to one difference vector by the naive loop
NAIVE_NORMS = {
    "l1": lambda v: np.abs(v).sum(),
    "l2": np.linalg.norm,
    "linf": lambda v: np.abs(v).max(),
}
VECTORISED = {"l1": l1_distances, "l2": l2_distances, "linf": linf_distances}


# --------------------------------------------------------------------------- strategies

@st.composite
def pairs(draw: st.DrawFn, dtype: str = "float") -> tuple[np.ndarray, np.ndarray]:
    """(X_test, X_train) with duplicate and near-duplicate rows mixed in.

    ``dtype``: "float" (float64 in [-1e3, 1e3], near-duplicates 1e-9 apart),
    "uint8" (pixels, near-duplicates one pixel apart) or "int" (float64 holding integers).
    """
    n_train = draw(st.integers(1, 7), label="n_train")
    n_test = draw(st.integers(1, 5), label="n_test")
    d = draw(st.integers(1, 9), label="n_features")
    if dtype == "uint8":
        elems = st.integers(0, 255)
        np_dtype: type = np.uint8
    elif dtype == "int":
        elems = st.integers(-300, 300).map(float)
        np_dtype = np.float64
    else:
        elems = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
        np_dtype = np.float64
    X_train = draw(hnp.arrays(np_dtype, (n_train, d), elements=elems), label="X_train")
    X_test = draw(hnp.arrays(np_dtype, (n_test, d), elements=elems), label="X_test")
    # copy some training rows into the test set (distance 0) and perturb some of them
    for i in range(n_test):
        kind = draw(st.sampled_from(["own", "duplicate", "near"]), label=f"row {i}")
        if kind == "own":
            continue
        j = draw(st.integers(0, n_train - 1), label=f"source of row {i}")
        X_test[i] = X_train[j]
        if kind == "near":
            f = draw(st.integers(0, d - 1), label=f"feature perturbed in row {i}")
            if dtype == "uint8":
                X_test[i, f] = X_test[i, f] + 1 if X_test[i, f] < 255 else 254
            elif dtype == "int":
                X_test[i, f] += 1.0
            else:
                X_test[i, f] += draw(st.sampled_from([1e-9, -1e-9]), label="delta")
    # duplicate training rows (ties)
    if n_train > 1 and draw(st.booleans(), label="duplicate a training row"):
        X_train[-1] = X_train[0]
    return X_test, X_train


# --------------------------------------------------------------------------- exact cases

@pytest.mark.parametrize("norm", NORMS)
@given(data=pairs("uint8"))
def test_uint8_vectorised_equals_naive_exactly(norm: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    X_test, X_train = data
    expected = naive_distances(X_test, X_train, NAIVE_NORMS[norm])
    got = compute_distances(X_test, X_train, norm)
    note(f"expected={expected!r} got={got!r}")
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)  # integer data: every norm is exact


@pytest.mark.parametrize("norm", NORMS)
@given(data=pairs("int"))
def test_integer_valued_floats_exact(norm: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    X_test, X_train = data
    np.testing.assert_array_equal(
        compute_distances(X_test, X_train, norm), naive_distances(X_test, X_train, NAIVE_NORMS[norm])
    )


def test_l2_exact_at_pixel_scale() -> None:
    """CIFAR-sized rows of pixels: the expansion is exact, also for duplicates and one-pixel changes."""
    rng = np.random.default_rng(1)
    X_train = rng.integers(0, 256, size=(6, 3072), dtype=np.uint8)
    X_test = np.vstack([X_train[:2], rng.integers(0, 256, size=(2, 3072), dtype=np.uint8)])
    X_test[1, 100] ^= 1  # one pixel differs by one
    expected = naive_distances(X_test, X_train, np.linalg.norm)
    np.testing.assert_array_equal(l2_distances(X_test, X_train), expected)
    assert l2_distances(X_test, X_train)[0, 0] == 0.0 and l2_distances(X_test, X_train)[1, 1] == 1.0


# --------------------------------------------------------------------------- float data

@given(data=pairs("float"))
def test_l2_float_within_cancellation_bound(data: tuple[np.ndarray, np.ndarray]) -> None:
    X_test, X_train = data
    d = X_test.shape[1]
    exact2 = naive_distances(X_test, X_train, lambda v: float(v @ v))
    got2 = l2_distances(X_test, X_train, squared=True)
    got = l2_distances(X_test, X_train)
    scale = (X_test**2).sum(1)[:, None] + (X_train**2).sum(1)[None, :]
    bound2 = 4 * (d + 2) * EPS * scale  # |d^2_hat - d^2| <= c (d + 2) eps (|x|^2 + |z|^2)
    note(f"err2={np.abs(got2 - exact2)!r} bound2={bound2!r}")
    assert np.isfinite(got).all() and (got >= 0).all()  # clamped: never sqrt of a negative
    assert (np.abs(got2 - exact2) <= bound2).all()
    exact = np.sqrt(exact2)
    assert (np.abs(got - exact) <= np.sqrt(bound2) + 4 * EPS * exact).all()


def test_cancellation_bound_can_fail() -> None:
    """The same bound rejects the expansion evaluated in float32 (the precision is what is tested)."""
    rng = np.random.default_rng(5)
    X_train = rng.normal(1e3, 1.0, size=(4, 8))
    X_test = X_train + 1e-3
    exact2 = naive_distances(X_test, X_train, lambda v: float(v @ v))
    A, B = X_test.astype(np.float32), X_train.astype(np.float32)
    sloppy2 = (A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T
    scale = (X_test**2).sum(1)[:, None] + (X_train**2).sum(1)[None, :]
    assert (np.abs(sloppy2 - exact2) > 4 * (8 + 2) * EPS * scale).any()


@given(data=pairs("float"))
def test_l1_float_close_to_naive(data: tuple[np.ndarray, np.ndarray]) -> None:
    X_test, X_train = data
    expected = naive_distances(X_test, X_train, NAIVE_NORMS["l1"])
    # a sum of non-negative terms: relative error at most n_features * eps in any order
    np.testing.assert_allclose(l1_distances(X_test, X_train), expected, rtol=2 * X_test.shape[1] * EPS, atol=0)


@given(data=pairs("float"))
def test_linf_float_exact(data: tuple[np.ndarray, np.ndarray]) -> None:
    X_test, X_train = data
    np.testing.assert_array_equal(linf_distances(X_test, X_train), naive_distances(X_test, X_train, NAIVE_NORMS["linf"]))


def test_near_duplicates_l2_not_nan() -> None:
    """The expansion goes slightly negative for near-duplicates; the clamp keeps it at >= 0."""
    rng = np.random.default_rng(0)
    X = rng.normal(1e3, 1.0, size=(50, 20))
    raw = (X**2).sum(1)[:, None] + (X**2).sum(1)[None, :] - 2 * X @ X.T
    assert (raw < 0).any()  # without the clamp, sqrt would give NaN here
    got = l2_distances(X, X)
    assert np.isfinite(got).all() and (got >= 0).all()


# --------------------------------------------------------------------------- uint8 wrap-around

def _wrapping_naive(X_test: np.ndarray, X_train: np.ndarray, norm) -> np.ndarray:
    """The classic bug: subtracting uint8 arrays before converting them."""
    return np.array([[norm((x - z).astype(np.float64)) for z in X_train] for x in X_test])


@pytest.mark.parametrize("norm", NORMS)
def test_uint8_no_wraparound(norm: str) -> None:
    X_test = np.array([[0, 10, 200]], dtype=np.uint8)
    X_train = np.array([[1, 10, 190], [0, 10, 200]], dtype=np.uint8)
    expected = {"l1": [[11.0, 0.0]], "l2": [[np.sqrt(101.0), 0.0]], "linf": [[10.0, 0.0]]}[norm]
    np.testing.assert_allclose(compute_distances(X_test, X_train, norm), expected, rtol=1e-15)
    np.testing.assert_allclose(naive_distances(X_test, X_train, NAIVE_NORMS[norm]), expected, rtol=1e-15)
    # the check can fail: the buggy uint8 subtraction wraps (0 - 1 = 255) and disagrees
    with np.errstate(over="ignore"):
        assert np.uint8(0) - np.uint8(1) == 255
        wrong = _wrapping_naive(X_test, X_train, NAIVE_NORMS[norm])
    assert not np.allclose(wrong, expected)


@given(data=pairs("uint8"))
def test_wrapping_reference_would_be_caught(data: tuple[np.ndarray, np.ndarray]) -> None:
    """Where a uint8 difference d is negative, the bug uses 256 + d instead of |d|.

    For -128 < d < 0 that is strictly larger, so the buggy L1 distance is too large
    (d = -128 happens to give 128 both ways); with no negative difference the two agree.
    """
    X_test, X_train = data
    diff = X_test[:, None, :].astype(np.int64) - X_train[None, :, :].astype(np.int64)
    wrong = _wrapping_naive(X_test, X_train, NAIVE_NORMS["l1"])
    right = l1_distances(X_test, X_train)
    np.testing.assert_array_equal(right, np.abs(diff).sum(-1))
    none_negative = (diff >= 0).all(-1)
    detectable = (diff < 0).any(-1) & ((diff > -128) | (diff >= 0)).all(-1)
    np.testing.assert_array_equal(wrong[none_negative], right[none_negative])
    assert (wrong[detectable] > right[detectable]).all()


# --------------------------------------------------------------------------- blocking and memory

@pytest.mark.parametrize("fn", [l1_distances, linf_distances])
@pytest.mark.parametrize("budget", [1, 8 * 7, 8 * 7 * 3 + 1, 1 << 30])
def test_blocks_give_identical_results(fn, budget: int) -> None:
    rng = np.random.default_rng(2)
    X_test, X_train = rng.normal(size=(11, 13)), rng.normal(size=(7, 13))
    np.testing.assert_array_equal(fn(X_test, X_train, max_block_bytes=budget), fn(X_test, X_train))


@pytest.mark.parametrize("fn", [l1_distances, linf_distances])
def test_memory_does_not_grow_with_test_train_dim(fn) -> None:
    """50 x 40 x 4000 would need 64 MB broadcast at once; the blocked kernel stays small."""
    rng = np.random.default_rng(3)
    X_test = rng.integers(0, 256, size=(50, 4000), dtype=np.uint8)
    X_train = rng.integers(0, 256, size=(40, 4000), dtype=np.uint8)
    full = X_test.shape[0] * X_train.shape[0] * X_test.shape[1] * 8
    fn(X_test, X_train, max_block_bytes=1 << 16)  # warm-up: a JIT compilation is not the kernel's memory
    tracemalloc.start()
    try:
        fn(X_test, X_train, max_block_bytes=1 << 16)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    inputs = (X_test.size + 2 * X_train.size) * 8  # float64 copies of the inputs (and X_train transposed)
    assert peak < inputs + (1 << 20) < full / 10


def test_memory_check_can_fail() -> None:
    """The same measurement sees a full (test, train, dim) broadcast."""
    rng = np.random.default_rng(3)
    X_test, X_train = rng.normal(size=(50, 4000)), rng.normal(size=(40, 4000))
    tracemalloc.start()
    try:
        np.abs(X_test[:, None, :] - X_train[None, :, :]).sum(-1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= 50 * 40 * 4000 * 8


# --------------------------------------------------------------------------- dispatch and dtypes

@pytest.mark.parametrize("norm", NORMS)
def test_compute_distances_dispatches_names_to_vectorised(norm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setitem(dist_mod._VECTORISED, norm, lambda a, b: calls.append(norm) or np.zeros((1, 1)))
    compute_distances([[1.0]], [[2.0]], norm)
    assert calls == [norm]


def test_compute_distances_callable_uses_naive_loop() -> None:
    seen: list[np.ndarray] = []

    def norm(v: np.ndarray) -> float:
        seen.append(v)
        return float(np.abs(v).sum())

    got = compute_distances([[0, 1], [2, 2]], [[1, 1], [0, 0], [3, 3]], norm)
    assert len(seen) == 6 and all(v.dtype == np.float64 for v in seen)
    np.testing.assert_array_equal(got, [[1, 1, 5], [2, 4, 2]])


def test_float32_input_gives_float64() -> None:
    X = np.array([[1.0, 2.0]], dtype=np.float32)
    for norm in NORMS:
        assert compute_distances(X, X, norm).dtype == np.float64


def test_inputs_not_modified() -> None:
    rng = np.random.default_rng(4)
    X_test, X_train = rng.normal(size=(3, 4)), rng.integers(0, 256, size=(5, 4), dtype=np.uint8)
    before = X_test.copy(), X_train.copy()
    for norm in NORMS:
        compute_distances(X_test, X_train, norm)
    naive_distances(X_test, X_train, np.linalg.norm)
    np.testing.assert_array_equal(X_test, before[0])
    np.testing.assert_array_equal(X_train, before[1])


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("norm", ["l3", "L2", "", "euclidean"])
def test_unknown_norm_name_lists_the_known(norm: str) -> None:
    with pytest.raises(ValueError, match=r"norm: expected a callable or one of 'l1', 'l2', 'linf', got"):
        compute_distances([[1.0]], [[2.0]], norm)


def test_non_callable_norm() -> None:
    with pytest.raises(ValueError, match="norm: expected a callable or one of"):
        compute_distances([[1.0]], [[2.0]], 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"norm: expected a callable norm\(vector\) -> float, got 'l2'"):
        naive_distances([[1.0]], [[2.0]], "l2")  # type: ignore[arg-type]


def test_norm_returning_nan() -> None:
    with pytest.raises(ValueError, match="norm: expected finite values, got nan"):
        naive_distances([[1.0]], [[2.0]], lambda v: float("nan"))
    with pytest.raises(ValueError, match=r"norm: expected a real number from norm\(vector\), got array"):
        naive_distances([[1.0, 2.0]], [[2.0, 0.0]], np.abs)


BAD_INPUTS = [
    (np.ones(3), np.ones((2, 3)), r"X_test: expected a 2-D array of shape \(n_samples, n_features\), got shape \(3,\)"),
    (np.ones((2, 3)), np.ones((2, 3, 1)), r"X_train: expected a 2-D array"),
    (np.ones((2, 3)), np.ones((2, 4)), r"X_test: expected 4 columns \(as many as X_train\), got shape \(2, 3\)"),
    (np.ones((0, 3)), np.ones((2, 3)), r"X_test: expected a non-empty array, got shape \(0, 3\)"),
    (np.ones((2, 3)), np.ones((0, 3)), r"X_train: expected a non-empty array"),
    (np.array([[1.0, np.nan]]), np.ones((2, 2)), r"X_test: expected finite values, got 1 NaN"),
    (np.ones((1, 2)), np.array([[np.inf, 1.0]]), r"X_train: expected finite values"),
    (np.array([["a", "b"]]), np.ones((2, 2)), r"X_test: expected a numeric array, got dtype <U1"),
]


@pytest.mark.parametrize("norm", [*NORMS, np.linalg.norm])
@pytest.mark.parametrize(("X_test", "X_train", "message"), BAD_INPUTS)
def test_bad_matrices(norm, X_test, X_train, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_distances(X_test, X_train, norm)


@pytest.mark.parametrize("fn", [l1_distances, linf_distances])
@pytest.mark.parametrize("budget", [0, -5, 1.5])
def test_bad_block_budget(fn, budget) -> None:
    with pytest.raises(ValueError, match="max_block_bytes: expected an integer"):
        fn([[1.0]], [[2.0]], max_block_bytes=budget)


# --------------------------------------------------------------------------- optional real data

SUBSET = os.environ.get("GRADPROOF_CIFAR_SUBSET_DIR")


@pytest.mark.skipif(not SUBSET, reason="set GRADPROOF_CIFAR_SUBSET_DIR to the real CIFAR-10 subset")
@pytest.mark.parametrize("norm", NORMS)
def test_real_cifar_rows_exact(norm: str) -> None:
    from numerics.data.cifar import load_python_batch

    X, _ = load_python_batch(Path(str(SUBSET)) / "data_batch_1_first4000")
    X_train, X_test = X[:40], X[40:52]
    np.testing.assert_array_equal(
        compute_distances(X_test, X_train, norm), naive_distances(X_test, X_train, NAIVE_NORMS[norm])
    )
