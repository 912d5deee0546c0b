"""The fast paths equal the numpy paths exactly: numba kernels, exact float32 Gram products, the L2 top-k."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numerics import accel
from numerics.accel import _np
from numerics.knn import KNN, l2_distances, naive_distances, predict_labels
from numerics.knn.gram import MIN_CHUNK, chunk_grams, exact_plan, gram, prepare

needs_numba = pytest.mark.skipif(not accel.HAVE_NUMBA, reason="numba is not importable")


# --------------------------------------------------------------------------- strategies

@st.composite
def u8_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) uint8 with duplicated rows, extreme pixels and odd row counts (the 4-row kernel's tail)."""
    m, n, d = draw(st.integers(1, 9), label="m"), draw(st.integers(1, 9), label="n"), draw(st.integers(1, 40), label="d")
    pixel = st.sampled_from([0, 1, 127, 128, 254, 255]) | st.integers(0, 255)
    A = draw(hnp.arrays(np.uint8, (m, d), elements=pixel), label="A")
    B = draw(hnp.arrays(np.uint8, (n, d), elements=pixel), label="B")
    if draw(st.booleans(), label="duplicate a row of A into B"):
        B[draw(st.integers(0, n - 1))] = A[draw(st.integers(0, m - 1))]
    return A, B


@st.composite
def f64_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    m, n, d = draw(st.integers(1, 9)), draw(st.integers(1, 70)), draw(st.integers(1, 12))  # n > 64: two tiles
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    A, B = rng.normal(scale=100.0, size=(m, d)), rng.normal(scale=100.0, size=(n, d))
    B[0] = A[0]  # a duplicate: distance exactly 0
    return A, B


@st.composite
def dists_with_ties(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    m, n = draw(st.integers(1, 8)), draw(st.integers(1, 30))
    D = draw(hnp.arrays(np.float64, (m, n), elements=st.sampled_from([0.0, 1.0, 2.5, 3.0, 1e300])), label="D")
    return D, draw(st.integers(1, n), label="k")


# --------------------------------------------------------------------------- numba == numpy

@needs_numba
@pytest.mark.parametrize("kind", ["l1", "linf"])
@given(data=u8_pairs())
def test_u8_numba_equals_numpy_and_integers(kind: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    A, B = data
    fast = accel.pairwise_u8(A, B, kind, backend="numba")
    slow = accel.pairwise_u8(A, B, kind, backend="numpy", max_block_bytes=64)
    diff = np.abs(A[:, None, :].astype(np.int64) - B[None, :, :].astype(np.int64))
    exact = diff.sum(-1) if kind == "l1" else diff.max(-1)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast, exact)


@needs_numba
@pytest.mark.parametrize("kind", ["l1", "linf"])
@given(data=f64_pairs())
def test_f64_numba_equals_numpy_bit_for_bit(kind: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    A, B = data
    np.testing.assert_array_equal(
        accel.pairwise_f64(A, B, kind, backend="numba"), accel.pairwise_f64(A, B, kind, backend="numpy", max_block_bytes=100)
    )


@needs_numba
@given(case=dists_with_ties())
def test_nearest_k_numba_equals_numpy_and_stable_argsort(case: tuple[np.ndarray, int]) -> None:
    D, k = case
    expected = np.argsort(D, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(accel.nearest_k(D, k, backend="numba"), expected)
    np.testing.assert_array_equal(accel.nearest_k(D, k, backend="numpy"), expected)


@needs_numba
@given(data=u8_pairs(), k=st.integers(1, 9))
def test_l2_chunk_topk_numba_equals_numpy_and_distances(data: tuple[np.ndarray, np.ndarray], k: int) -> None:
    A, B = data
    k = min(k, B.shape[0])
    plan = exact_plan(A, B)
    Pr = prepare(B, plan)
    G = chunk_grams(prepare(A, plan), Pr)
    expected = np.argsort(l2_distances(A, B), axis=1, kind="stable")[:, :k]  # ranking by the true distances
    np.testing.assert_array_equal(accel.l2_nearest_chunks(G, Pr.sq, k, backend="numba"), expected)
    np.testing.assert_array_equal(accel.l2_nearest_chunks(G, Pr.sq, k, backend="numpy"), expected)


def test_nearest_k_check_can_fail() -> None:
    """A top-k breaking ties by the higher index is caught by the comparison used above."""
    D = np.array([[1.0, 0.0, 0.0, 1.0, 0.0]])
    expected = np.argsort(D, axis=1, kind="stable")[:, :2]
    wrong = D.shape[1] - 1 - np.argsort(D[:, ::-1], axis=1, kind="stable")[:, :2]  # ties: last index first
    np.testing.assert_array_equal(np.sort(D[0, wrong[0]]), np.sort(D[0, expected[0]]))  # same distances...
    assert not np.array_equal(wrong, expected)  # ...but the wrong indices
    np.testing.assert_array_equal(accel.nearest_k(D, 2), expected)


# --------------------------------------------------------------------------- exact float32 Gram products

@given(data=u8_pairs())
def test_gram_exact_for_pixels(data: tuple[np.ndarray, np.ndarray]) -> None:
    A, B = data
    plan = exact_plan(A, B)
    assert plan is not None
    G = gram(prepare(A, plan), prepare(B, plan))
    exact = (A.astype(np.int64) - plan[0]) @ (B.astype(np.int64) - plan[0]).T
    np.testing.assert_array_equal(G, exact)


def test_chunking_is_what_makes_float32_exact() -> None:
    """Worst case of pixels: 3072 entries of -128 each. One float32 product rounds; 1024-chunks do not."""
    X = np.zeros((1, 3072), dtype=np.uint8)
    P = prepare(X)
    assert (P.chunk, P.shift) == (1024, 128)
    assert gram(P, P)[0, 0] == 3072 * 128**2  # 50,331,648 > 2**24, exact
    rng = np.random.default_rng(0)
    Y = rng.integers(0, 256, size=(4, 3072), dtype=np.uint8)
    one_product = Y.astype(np.float32) @ Y.astype(np.float32).T  # unshifted, unchunked: sums ~1e8 > 2**24
    exact = Y.astype(np.int64) @ Y.astype(np.int64).T
    assert not np.array_equal(one_product.astype(np.int64), exact)
    np.testing.assert_array_equal(gram(prepare(Y), prepare(Y)), (Y.astype(np.int64) - 128) @ (Y.astype(np.int64) - 128).T)


def test_l2_distances_of_pixels_bit_identical_to_naive_at_full_width() -> None:
    rng = np.random.default_rng(1)
    A = rng.integers(0, 256, size=(3, 3072), dtype=np.uint8)
    B = np.vstack([rng.integers(0, 256, size=(4, 3072), dtype=np.uint8), A[:1], 255 - A[1:2]])
    np.testing.assert_array_equal(l2_distances(A, B), naive_distances(A, B, np.linalg.norm))


@pytest.mark.parametrize(
    ("arrays", "expected"),
    [
        ((np.zeros((1, 2), np.uint8),), (128, 1024)),
        ((np.array([[0, 1]], bool),), (1, 16777216)),
        ((np.array([[-3, 5]]), np.array([[0, 0]])), (1, 1048576)),
        ((np.array([[0, 4096]]),), None),  # chunks would be 4 features wide
        ((np.array([[0.5]]),), None),
    ],
)
def test_exact_plan(arrays, expected) -> None:
    assert exact_plan(*arrays) == expected
    if expected is not None:
        assert expected[1] >= MIN_CHUNK


def test_gram_refuses_mixed_plans() -> None:
    X = np.zeros((2, 3), np.uint8)
    with pytest.raises(ValueError, match="same plan"):
        gram(prepare(X), prepare(X, None))
    with pytest.raises(ValueError, match="exact float32 path"):
        chunk_grams(prepare(X, None), prepare(X, None))


# --------------------------------------------------------------------------- end to end, both backends

@pytest.mark.parametrize("backend", ["numpy", pytest.param("numba", marks=needs_numba)])
def test_knn_predict_l2_pixels_equals_distances_route(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADPROOF_ACCEL", backend)
    monkeypatch.setattr(accel, "NUMBA_MIN_WORK", 0)
    rng = np.random.default_rng(5)
    X = rng.integers(0, 4, size=(150, 20), dtype=np.uint8)  # few values: many equal distances
    y = rng.integers(0, 3, size=150)
    Xq = np.vstack([X[:10], rng.integers(0, 4, size=(23, 20), dtype=np.uint8)])
    model = KNN().train(X, y)
    for k in (1, 4, 9):
        expected = predict_labels(l2_distances(Xq, X), y, k)
        for budget in (1, 8 * 150 * 7, 1 << 28):
            np.testing.assert_array_equal(model.predict(Xq, k=k, max_block_bytes=budget), expected)


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADPROOF_ACCEL", "numpy")
    assert accel.resolve_backend() == "numpy"
    monkeypatch.delenv("GRADPROOF_ACCEL")
    assert accel.resolve_backend() == ("numba" if accel.HAVE_NUMBA else "numpy")
    with pytest.raises(ValueError, match="expected one of"):
        accel.resolve_backend("cuda")
    if not accel.HAVE_NUMBA:
        with pytest.raises(ValueError, match="gradproof\\[fast\\]"):
            accel.resolve_backend("numba")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: accel.pairwise_u8(np.zeros((2, 3)), np.zeros((2, 3), np.uint8), "l1"), "A: expected a 2-D uint8"),
        (lambda: accel.pairwise_u8(np.zeros((2, 3), np.uint8), np.zeros((2, 4), np.uint8), "l1"), "B: expected 3 columns"),
        (lambda: accel.pairwise_u8(np.zeros((2, 3), np.uint8), np.zeros((2, 3), np.uint8), "l2"), "kind: expected one of"),
        (lambda: accel.pairwise_f64(np.zeros((2, 3), np.float32), np.zeros((2, 3)), "linf"), "A: expected a 2-D float64"),
        (lambda: accel.nearest_k(np.zeros((2, 3)), 4), "k: expected 1 <= k <= 3"),
        (lambda: accel.l2_nearest_chunks(np.zeros((1, 2, 3)), np.zeros(3), 1), "expected shapes"),
    ],
)
def test_kernel_errors(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_numpy_kernels_do_not_wrap_uint8() -> None:
    """The check that the integer kernel is right can fail: uint8 subtraction would wrap."""
    A, B = np.array([[0]], np.uint8), np.array([[1]], np.uint8)
    assert _np.pairwise_u8(A, B, "l1", 1 << 20)[0, 0] == 1
    with np.errstate(over="ignore"):
        assert int((A - B)[0, 0]) == 255  # what a naive uint8 kernel would have returned


# --------------------------------------------------------------------------- softmax: fused numba == blocked numpy

@st.composite
def softmax_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Shapes around the kernel's edges: fewer than 8 rows, tails, one chunk or more (D > 256)."""
    c = draw(st.integers(1, 12), label="C")
    d = draw(st.sampled_from([1, 3, 255, 256, 257, 600]), label="D")
    n = draw(st.integers(1, 40), label="N")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([1e-3, 1.0, 30.0]), label="W scale")  # 30: P underflows to 0 in places
    W, X = rng.standard_normal((c, d)) * scale / np.sqrt(d), rng.standard_normal((n, d))
    y = rng.integers(0, c, size=n)
    rows = None if draw(st.booleans(), label="all rows") else rng.integers(0, n, size=draw(st.integers(1, 30)))
    return W, X, y, rows


def _reference_softmax(W, X, y, rows):
    Xs, ys = (X, y) if rows is None else (X[rows], y[rows])
    S = Xs @ W.T
    S = S - S.max(axis=1, keepdims=True)
    log_p = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    P = np.exp(log_p)
    P[np.arange(len(ys)), ys] -= 1.0
    return -log_p[np.arange(len(ys)), ys].mean(), P.T @ Xs / len(ys)


@needs_numba
@given(case=softmax_cases())
def test_softmax_numba_equals_numpy_to_rounding(case) -> None:
    W, X, y, rows = case
    loss_ref, grad_ref = _reference_softmax(W, X, y, rows)
    tol = 1e-12 * max(1.0, np.abs(grad_ref).max())
    for backend in ("numpy", "numba"):
        loss, grad = accel.softmax_loss_grad(W, X, y, rows, backend=backend)
        assert loss == pytest.approx(loss_ref, rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(grad, grad_ref, rtol=1e-11, atol=tol)
    fast = accel.softmax_loss_grad(W, X, y, rows, backend="numba")
    serial = accel.softmax_loss_grad(W, X, y, rows, backend="numba", serial=True)
    assert fast[0] == serial[0] and np.array_equal(fast[1], serial[1])  # one thread or two: the same numbers


@needs_numba
def test_softmax_check_can_fail_and_rows_are_used() -> None:
    rng = np.random.default_rng(3)
    W, X, y = rng.standard_normal((4, 300)) * 0.1, rng.standard_normal((20, 300)), rng.integers(0, 4, 20)
    rows = np.array([3, 3, 7, 19, 0, 5, 5, 5, 11])
    loss, grad = accel.softmax_loss_grad(W, X, y, rows, backend="numba")
    loss_all, grad_all = accel.softmax_loss_grad(W, X, y, backend="numba")
    assert loss != pytest.approx(loss_all, rel=1e-6)  # the rows are not ignored
    wrong = _reference_softmax(W, X, (y + 1) % 4, rows)  # off-by-one labels: caught
    assert not np.allclose(grad, wrong[1], rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(grad, _reference_softmax(W, X, y, rows)[1], rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("backend", ["numpy", pytest.param("numba", marks=needs_numba)])
def test_softmax_non_finite_scores_give_nan(backend: str) -> None:
    W, X, y = np.full((2, 2), 1e200), np.full((3, 2), 1e200), np.zeros(3, np.int64)
    assert np.isnan(accel.softmax_loss_grad(W, X, y, backend=backend)[0])
    X2 = np.ones((3, 2))
    X2[1, 0] = np.nan
    assert np.isnan(accel.softmax_loss_grad(np.ones((2, 2)), X2, y, backend=backend)[0])


def test_softmax_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADPROOF_ACCEL", raising=False)  # the test sets it itself below
    W, X = np.zeros((3, 4)), np.zeros((5, 4))
    assert accel.softmax_backend(W, X, 5, backend="numpy") == "numpy"
    assert accel.softmax_backend(W, X, 5) == "numpy"  # tiny: below NUMBA_MIN_WORK
    assert accel.softmax_backend(W, X.astype(np.float32), 5, backend=None) == "numpy"
    if accel.HAVE_NUMBA:
        assert accel.softmax_backend(W, X, 5, backend="numba") == "numba"
        assert accel.softmax_backend(W, np.asfortranarray(X), 5, backend="numba") == "numpy"  # rows not contiguous
        monkeypatch.setattr(accel, "NUMBA_MIN_WORK", 0)
        assert accel.softmax_backend(W, X, 5) == "numba"
        monkeypatch.setenv("GRADPROOF_ACCEL", "numpy")
        assert accel.softmax_backend(W, X, 5) == "numpy"
    with pytest.raises(ValueError, match="rows: expected at least one row"):
        accel.softmax_loss_grad(W, X, np.zeros(5, np.int64), np.zeros(0, np.int64))


def test_faster_of_two_follows_the_load() -> None:
    from numerics.accel.pace import FasterOfTwo

    pace = FasterOfTwo(window=3, probe_every=4)
    cost = {0: 1.0, 1: 9.0}
    picks = []
    for step in range(60):
        if step == 30:
            cost = {0: 9.0, 1: 1.0}  # the machine got busy: the other option is faster now
        use = pace.choice(step)
        picks.append(use)
        pace.record(use, cost[use])
    assert picks[:3] == [0, 0, 0] and picks[3:6] == [1, 0, 0]  # each option; 9x slower: given up after one step
    assert picks[6:12] == [0] * 6 and picks[12:15] == [1, 0, 0]  # the faster, then a probe of the other, given up
    assert picks[-6:] == [1] * 6  # after the change, the new faster one
    with pytest.raises(ValueError, match="expected >= 1, >= 2 and > 1"):
        FasterOfTwo(window=0)
    with pytest.raises(ValueError, match="expected >= 1, >= 2 and > 1"):
        FasterOfTwo(give_up=1.0)


def test_faster_of_two_keeps_a_window_within_give_up() -> None:
    from numerics.accel.pace import FasterOfTwo

    pace = FasterOfTwo(window=4, probe_every=4, give_up=3.0)
    picks = []
    for step in range(12):
        use = pace.choice(step)
        picks.append(use)
        pace.record(use, 1.0 if use == 0 else 2.5)  # option 1 is slower, but within 3x: whole windows
    assert picks == [0] * 4 + [1] * 4 + [0] * 4
