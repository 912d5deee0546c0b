"""The tiled exact-L2 top-k (numerics.accel.L2TopK, shift_f32) and KNN.predict over column tiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numerics import accel
from numerics.knn import KNN, l2_distances, predict_labels
from numerics.knn import model as knn_model
from numerics.knn.gram import chunk_grams, exact_plan, prepare

needs_numba = pytest.mark.skipif(not accel.HAVE_NUMBA, reason="numba is not importable")
BACKENDS = ["numpy", pytest.param("numba", marks=needs_numba)]


def _run(G: np.ndarray, sq: np.ndarray, k: int, cols: int, backend: str, order: list[int] | None = None) -> np.ndarray:
    """Feed ``G`` to an L2TopK ``cols`` columns at a time (tiles in ``order``, default left to right)."""
    top = accel.L2TopK(sq, G.shape[0], G.shape[1], k, backend=backend)
    starts = list(range(0, G.shape[2], cols))
    for t in order or range(len(starts)):
        top.update(G[:, :, starts[t] : starts[t] + cols], starts[t])
    return top.result()


@st.composite
def chunk_products(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(G, sq, k, cols): integer chunk products of magnitude <= 2**24 with many equal keys."""
    c, m, n = draw(st.integers(1, 4), label="chunks"), draw(st.integers(1, 6), label="m"), draw(st.integers(1, 40), label="n")
    value = st.sampled_from([0, 1, -1, 2**24, -(2**24)]) | st.integers(-(2**24), 2**24)
    G = draw(hnp.arrays(np.int64, (c, m, n), elements=value), label="G")
    sq = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c * 2**24)), label="sq")
    if draw(st.booleans(), label="ties"):  # two columns with the same keys in every row
        j, j2 = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        G[:, :, j2], sq[j2] = G[:, :, j], sq[j]
    return G.astype(np.float32), sq.astype(np.float64), draw(st.integers(1, n), label="k"), draw(st.integers(1, n), label="cols")


def _expected(G: np.ndarray, sq: np.ndarray, k: int) -> np.ndarray:
    keys = sq.astype(np.int64)[None, :] - 2 * G.astype(np.int64).sum(axis=0)
    return np.argsort(keys, axis=1, kind="stable")[:, :k]


@pytest.mark.parametrize("backend", BACKENDS)
@given(case=chunk_products())
def test_tiled_topk_equals_stable_argsort_of_exact_keys(backend: str, case) -> None:
    G, sq, k, cols = case
    expected = _expected(G, sq, k)
    np.testing.assert_array_equal(_run(G, sq, k, cols, backend), expected)
    np.testing.assert_array_equal(accel.l2_nearest_chunks(G, sq, k, backend=backend), expected)


@needs_numba
def test_int64_keys_when_int32_could_overflow() -> None:
    """64 chunks of +-2**24 make keys beyond 2**31: the numba kernel switches to int64 and stays exact."""
    rng = np.random.default_rng(3)
    G = rng.choice([-(2**24), 2**24, 0, 5], size=(64, 3, 50)).astype(np.float32)
    G[:, 0, 7], G[:, 1, 30] = -(2**24), 2**24  # keys sq + 2**31 and sq - 2**31
    sq = rng.integers(0, 2**30, size=50).astype(np.float64)
    top = accel.L2TopK(sq, 64, 3, 4, backend="numba")
    assert top.vals.dtype == np.int64
    assert accel.L2TopK(sq[:1] * 0, 3, 3, 1, backend="numba").vals.dtype == np.int32  # pixels: int32
    expected = _expected(G, sq, 4)
    assert np.abs(sq[None, :] - 2 * G.astype(np.int64).sum(axis=0)).max() >= 2**31  # int32 would wrap
    np.testing.assert_array_equal(_run(G, sq, 4, 16, "numba"), expected)
    np.testing.assert_array_equal(_run(G, sq, 4, 16, "numpy"), expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tiles_out_of_order_are_caught(backend: str) -> None:
    """The check above can fail: tiles fed right to left break ties by the larger index."""
    G = np.zeros((1, 1, 6), dtype=np.float32)  # every key equal
    sq = np.zeros(6)
    np.testing.assert_array_equal(_run(G, sq, 2, 3, backend), [[0, 1]])
    wrong = _run(G, sq, 2, 3, backend, order=[1, 0])
    assert not np.array_equal(wrong, _expected(G, sq, 2))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16])
def test_shift_f32_exact(backend: str, dtype) -> None:
    rng = np.random.default_rng(4)
    X = rng.integers(0, 256, size=(7, 2100)).astype(dtype)
    X[0] = 0
    if dtype == np.int16:
        X[1] = -300
    plan = exact_plan(X)
    assert plan is not None
    data, sq = accel.shift_f32(X, plan[0], plan[1], backend=backend)
    exact = X.astype(np.int64) - plan[0]
    assert data.dtype == np.float32 and sq.dtype == np.float64
    np.testing.assert_array_equal(data, exact)
    np.testing.assert_array_equal(sq, (exact * exact).sum(axis=1))
    assert X.dtype == dtype  # the caller's array is untouched


@pytest.mark.parametrize("backend", BACKENDS)
def test_predict_over_column_tiles_equals_distances_route(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADPROOF_ACCEL", backend)
    monkeypatch.setattr(accel, "NUMBA_MIN_WORK", 0)
    rng = np.random.default_rng(6)
    X = rng.integers(0, 3, size=(120, 16), dtype=np.uint8)  # few values: many equal distances
    y = rng.integers(0, 4, size=120)
    Xq = np.vstack([X[:5], rng.integers(0, 3, size=(17, 16), dtype=np.uint8)])
    model = KNN().train(X, y)
    for tile in (1, 7, 50, 120):
        monkeypatch.setattr(knn_model, "PREDICT_TILE_COLS", tile)
        for k in (1, 5, 11):
            expected = predict_labels(l2_distances(Xq, X), y, k)
            for budget in (1, 8 * 40 * 3, 1 << 28):
                np.testing.assert_array_equal(model.predict(Xq, k=k, max_block_bytes=budget), expected)


def test_chunk_grams_rows_is_a_column_tile() -> None:
    rng = np.random.default_rng(7)
    A, B = rng.integers(0, 256, size=(3, 2500), dtype=np.uint8), rng.integers(0, 256, size=(9, 2500), dtype=np.uint8)
    plan = exact_plan(A, B)
    Pa, Pb = prepare(A, plan), prepare(B, plan)
    full = chunk_grams(Pa, Pb)
    buf = np.empty(full.size, dtype=np.float32)
    np.testing.assert_array_equal(chunk_grams(Pa, Pb, out=buf, rows=slice(4, 8)), full[:, :, 4:8])


def test_l2_topk_errors() -> None:
    with pytest.raises(ValueError, match=r"k: expected 1 <= k <= 3"):
        accel.L2TopK(np.zeros(3), 1, 2, 4)
    with pytest.raises(ValueError, match="backend: expected one of"):
        accel.L2TopK(np.zeros(3), 1, 2, 1, backend="cuda")
