"""The float fast paths: pixels stored as floats take the exact integer kernels (bit-identical to the
naive loop), real-valued floats take the numba float kernels (bit-identical to the numpy path), and the
kernels' disk cache falls back to a writable folder."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numerics import accel
from numerics.accel import _cache
from numerics.knn import KNN, compute_distances, cross_validate, naive_distances
from numerics.knn.pixels import as_pixels, pixel_pair

needs_numba = pytest.mark.skipif(not accel.HAVE_NUMBA, reason="numba is not installed")

NAIVE = {"l1": lambda v: np.abs(v).sum(), "linf": lambda v: np.abs(v).max(), "l2": np.linalg.norm}


# --------------------------------------------------------------------------- strategies

@st.composite
def float_pairs(draw: st.DrawFn, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Real values of any magnitude (no grid): sizes across the 4-row groups and the 32-row tiles."""
    m, n, d = draw(st.integers(1, 13), label="m"), draw(st.integers(1, 100), label="n"), draw(st.integers(1, 300), label="d")
    bound = 2.0**500 if dtype == np.float64 else 2.0**100  # no overflow of a sum of d differences
    width = 64 if dtype == np.float64 else 32
    values = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=width)
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([1e-300 if width == 64 else 1e-30, 1.0, 1e3, bound / 1e3]), label="scale")
    A, B = (rng.standard_normal(s) * scale for s in ((m, d), (n, d)))
    A, B = A.astype(dtype), B.astype(dtype)
    A[0, : min(d, 8)] = draw(hnp.arrays(dtype, (min(d, 8),), elements=values), label="drawn values")
    B[draw(st.integers(0, n - 1))] = A[draw(st.integers(0, m - 1))]  # a duplicate: distance exactly 0
    return A, B


@st.composite
def float_pixels(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Integers of at most 256 values (any offset) stored as float64 or float32."""
    dtype = draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    lo = draw(st.sampled_from([0, -128, 1000, -(2**20)]) | st.integers(-(2**23), 2**23), label="lo")
    width = draw(st.integers(0, 255), label="width")
    m, n, d = draw(st.integers(1, 9)), draw(st.integers(1, 40)), draw(st.integers(1, 70))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    A = rng.integers(lo, lo + width + 1, (m, d)).astype(dtype)
    B = rng.integers(lo, lo + width + 1, (n, d)).astype(dtype)
    A[0, 0], B[-1, -1] = lo, lo + width  # the span's ends
    if draw(st.booleans(), label="negative zero"):
        A[A == 0] = -0.0
    return A, B


def _u(dtype: type) -> float:
    return float(np.finfo(dtype).eps) / 2


# --------------------------------------------------------------------------- real-valued floats

@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["l1", "linf"])
@given(data=st.data())
def test_float_kernels_numba_equal_numpy_bit_for_bit(dtype: type, kind: str, data: st.DataObject) -> None:
    A, B = data.draw(float_pairs(dtype))
    fast = accel.pairwise_float(A, B, kind, backend="numba")
    slow = accel.pairwise_float(A, B, kind, backend="numpy", max_block_bytes=int(data.draw(st.integers(1, 4096))))
    assert fast.dtype == slow.dtype == np.float64
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data())
def test_float_distances_against_the_naive_loop(dtype: type, data: st.DataObject) -> None:
    """L-inf equals the naive loop exactly (a maximum does not round; float32: one rounding of the
    difference, monotone, so the same as rounding the float64 maximum). L1 sums the same rounded terms
    in another order: for non-negative terms any order is within gamma_{d-1} = (d-1)u / (1 - (d-1)u)
    of the exact sum, so two orders agree within 2 gamma_{d-1} relative; float32 adds one rounding of
    each difference (u32) and a float32 sum (gamma_{d-1} in u32)."""
    A, B = data.draw(float_pairs(dtype))
    d = A.shape[1]
    naive = {k: naive_distances(A, B, NAIVE[k]) for k in ("l1", "linf")}  # float64 arithmetic
    linf = compute_distances(A, B, "linf")
    if dtype == np.float64:
        np.testing.assert_array_equal(linf, naive["linf"])
    else:
        np.testing.assert_allclose(linf, naive["linf"], rtol=2 * _u(np.float32), atol=0)
    gamma = lambda u: (d - 1) * u / (1 - (d - 1) * u)  # noqa: E731
    u = _u(dtype)
    rtol = 2 * gamma(_u(np.float64)) if dtype == np.float64 else (1 + u) * (1 + gamma(u)) * (1 + gamma(_u(np.float64))) - 1 + gamma(_u(np.float64))
    l1 = compute_distances(A, B, "l1")
    assert np.all(np.abs(l1 - naive["l1"]) <= rtol * naive["l1"] * (1 + 1e-12))


def test_float_order_is_the_feature_order() -> None:
    """The L1 sum is ((0 + |d_0|) + |d_1|) + ...: 1 + 2^-53 + 2^-53 rounds to 1 in that order."""
    A = np.array([[1.0, 2.0**-53, 2.0**-53]])
    B = np.zeros((1, 3))
    for backend in ("numpy", "numba") if accel.HAVE_NUMBA else ("numpy",):
        assert accel.pairwise_float(A, B, "l1", backend=backend)[0, 0] == 1.0
        assert accel.pairwise_float(A[:, ::-1].copy(), B, "l1", backend=backend)[0, 0] == 1.0 + 2.0**-52


def test_float32_input_is_computed_in_float32() -> None:
    A, B = np.array([[1.0, 2.0**-24, 2.0**-24]], np.float32), np.zeros((1, 3), np.float32)
    assert compute_distances(A, B, "l1")[0, 0] == 1.0  # float32: the two small terms are lost
    assert compute_distances(A.astype(np.float64), B.astype(np.float64), "l1")[0, 0] == 1.0 + 2.0**-23
    assert compute_distances(A, B.astype(np.float64), "l1")[0, 0] == 1.0 + 2.0**-23  # mixed: float64


# --------------------------------------------------------------------------- pixels stored as floats

@given(data=float_pixels())
def test_pixels_as_floats_are_exact(data: tuple[np.ndarray, np.ndarray]) -> None:
    A, B = data
    pair = pixel_pair(A, B)
    assert pair is not None and pair[0].dtype == pair[1].dtype == np.uint8
    for norm in ("l1", "linf", "l2"):
        np.testing.assert_array_equal(compute_distances(A, B, norm), naive_distances(A, B, NAIVE[norm]), err_msg=norm)


@needs_numba
@given(data=float_pixels())
def test_int_span_and_to_u8_numba_equal_numpy(data: tuple[np.ndarray, np.ndarray]) -> None:
    A, _ = data
    span = accel.int_span(A, backend="numpy")
    assert span == accel.int_span(A, backend="numba") == (int(A.min()), int(A.max()))
    np.testing.assert_array_equal(accel.to_u8(A, span[0], backend="numba"), accel.to_u8(A, span[0], backend="numpy"))
    np.testing.assert_array_equal(accel.to_u8(A, span[0], backend="numpy"), (A.astype(np.int64) - span[0]).astype(np.uint8))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("bad", [0.5, 1e-9, 255.0 + 2.0**-44, -(2.0**-1074), 2.0**60, 1e300])
def test_not_integers_or_too_large_are_not_pixels(backend: str, bad: float) -> None:
    if backend == "numba" and not accel.HAVE_NUMBA:
        pytest.skip("numba is not installed")
    X = np.zeros((5, 300))
    X[3, 217] = bad
    assert accel.int_span(X, backend=backend) is None
    assert pixel_pair(X, np.zeros((2, 300))) is None and as_pixels(X) is X


def test_span_wider_than_256_values_keeps_floats() -> None:
    A, B = np.array([[0.0, 255.0]]), np.array([[256.0, 1.0]])
    assert accel.int_span(A) == (0, 255) and pixel_pair(A, B) is None
    np.testing.assert_array_equal(compute_distances(A, B, "l1"), [[510.0]])
    assert accel.int_span(np.zeros((0, 3))) is None
    with pytest.raises(ValueError, match="expected a 2-D integer or float32/float64 array"):
        accel.int_span(np.zeros((2, 2), np.float16))
    half = np.array([[0.0, 255.0]], np.float16)  # not scanned: the float64 path, the same numbers
    assert pixel_pair(half, half) is None
    np.testing.assert_array_equal(compute_distances(half, B, "l1"), [[510.0]])


@pytest.mark.parametrize("norm", ["l1", "linf", "l2"])
def test_knn_with_float_pixels_predicts_as_with_uint8(norm: str) -> None:
    rng = np.random.default_rng(4)
    Xr8, Xq8, y = rng.integers(0, 256, (60, 20), dtype=np.uint8), rng.integers(0, 256, (17, 20), dtype=np.uint8), rng.integers(0, 3, 60)
    Xr8[5] = Xr8[9]  # tied training rows
    expected = KNN().train(Xr8, y).predict(Xq8, k=3, norm=norm)
    model = KNN().train(Xr8.astype(np.float64), y)
    np.testing.assert_array_equal(model.predict(Xq8.astype(np.float64), k=3, norm=norm), expected)
    np.testing.assert_array_equal(model.predict(Xq8.astype(np.float32), k=3, norm=norm, max_block_bytes=800), expected)
    # a query batch whose values need another shift: converted again, the same predictions
    Xq_shifted = Xq8.astype(np.float64) - 3.0
    Xr_shifted = Xr8.astype(np.float64) - 3.0
    model2 = KNN().train(Xr_shifted[:, :], y)
    np.testing.assert_array_equal(model2.predict(Xq_shifted, k=3, norm=norm), expected)
    wide = Xq8.astype(np.float64)
    wide[0, 0] = -1.0  # together with the training rows: 257 values, the float path
    np.testing.assert_array_equal(model.predict(wide, k=3, norm=norm), KNN().train(Xr8.astype(np.int64), y).predict(wide.astype(np.int64), k=3, norm=norm))
    np.testing.assert_array_equal(model.compute_L2_distances_vectorized(Xq8.astype(np.float32)), naive_distances(Xq8, Xr8, np.linalg.norm))


def test_cross_validation_with_float_pixels_equals_uint8() -> None:
    rng = np.random.default_rng(5)
    X, y = rng.integers(0, 256, (50, 12), dtype=np.uint8), rng.integers(0, 3, 50)
    args = {"ks": (1, 3), "norms": ("l1", "l2", "linf"), "n_folds": 5}
    expected = cross_validate(X, y, rng=np.random.default_rng(0), **args).errors
    got = cross_validate(X.astype(np.float64) + 7.0, y, rng=np.random.default_rng(0), **args).errors
    np.testing.assert_array_equal(got, expected)


# --------------------------------------------------------------------------- the disk cache

@needs_numba
def test_cache_folder_falls_back_when_the_package_is_read_only(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", "")
    ok = {str(tmp_path / "b")}
    assert _cache.configure("/pkg", [str(tmp_path / "a"), str(tmp_path / "b")], lambda p: p in ok) == str(tmp_path / "b")
    assert config.CACHE_DIR == str(tmp_path / "b")  # numba now caches there
    monkeypatch.setattr(config, "CACHE_DIR", "")
    assert _cache.configure("/pkg", ["/x"], lambda p: p == "/pkg/__pycache__") == "/pkg/__pycache__"
    assert config.CACHE_DIR == ""  # numba's own default, untouched
    assert _cache.configure("/pkg", ["/x"], lambda p: False) is None  # nowhere: compile every time
    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path / "user"))
    assert _cache.configure("/pkg", ["/x"], lambda p: True) == str(tmp_path / "user")  # NUMBA_CACHE_DIR wins
    assert _cache.writable(str(tmp_path / "new" / "dir")) and not _cache.writable("/proc/no-such-dir")
    assert all(c.endswith(("numba", f"gradproof-numba-{__import__('os').getuid()}")) for c in _cache.candidates())


@needs_numba
def test_kernels_are_cached_on_disk() -> None:
    assert _cache.CACHE_DIR is not None
    from numerics.accel import _nb

    assert _nb._OPTS["cache"] is True
