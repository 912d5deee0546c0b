"""Preprocessing: flatten, mean subtraction without wrap-around, bias column, subsets, folds, problem-5 splits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics.data import ImageDataset
from numerics.data.official_format import synthetic_cifar10
from numerics.preprocess import SoftmaxSplits, append_bias, first_n, flatten, kfold_indices, softmax_splits, subtract_mean


@pytest.fixture(scope="module")
def ds() -> ImageDataset:
    return synthetic_cifar10(np.random.default_rng(3), n_per_batch=10, n_test=12)  # 50 train, 12 test


# ---------------------------------------------------------------- flatten, mean, bias
def test_flatten() -> None:
    imgs = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    flat = flatten(imgs)
    assert flat.shape == (2, 60) and np.array_equal(flat[1], imgs[1].ravel())
    assert flatten(flat).shape == (2, 60)
    with pytest.raises(ValueError, match=r"images: expected an array of shape \(n_samples, \.\.\.\) with at least 2 dimensions, got shape \(4,\)"):
        flatten(np.ones(4))
    with pytest.raises(ValueError, match="images: expected a non-empty array"):
        flatten(np.ones((0, 3)))


def test_subtract_mean_has_no_uint8_wrap_around() -> None:
    X = np.array([[0, 255], [255, 0]], np.uint8)
    other = np.array([[0, 0]], np.uint8)
    before = (X.copy(), other.copy())
    mean, Xc, oc = subtract_mean(X, other)
    assert np.array_equal(mean, [127.5, 127.5]) and mean.dtype == np.float64
    assert np.array_equal(Xc, [[-127.5, 127.5], [127.5, -127.5]]) and np.array_equal(oc, [[-127.5, -127.5]])
    assert np.array_equal(X, before[0]) and np.array_equal(other, before[1])  # inputs untouched
    # Control: the naive uint8 subtraction does wrap, so the check above can fail.
    assert (other - X[:1])[0, 1] == 1


@given(n=st.integers(1, 8), d=st.integers(1, 6), m=st.integers(1, 4), seed=st.integers(0, 2**32 - 1),
       dtype=st.sampled_from([np.uint8, np.int64, np.float32, np.float64]))
def test_subtract_mean_matches_float64_reference(n: int, d: int, m: int, seed: int, dtype: type) -> None:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, d)).astype(dtype)
    T = rng.integers(0, 256, size=(m, d)).astype(dtype)
    mean, Xc, Tc = subtract_mean(X, T)
    ref = X.astype(np.float64).mean(axis=0)
    assert Xc.dtype == Tc.dtype == np.float64
    np.testing.assert_allclose(mean, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Xc, X.astype(np.float64) - ref, atol=1e-9)
    np.testing.assert_allclose(Tc, T.astype(np.float64) - ref, atol=1e-9)
    np.testing.assert_allclose(Xc.mean(axis=0), 0.0, atol=1e-9)


def test_subtract_mean_validates() -> None:
    with pytest.raises(ValueError, match=r"others\[1\]: expected 3 columns, got shape \(2, 4\)"):
        subtract_mean(np.ones((2, 3)), np.ones((1, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="X_train: expected finite values"):
        subtract_mean(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match=r"X_train: expected a 2-D array"):
        subtract_mean(np.ones(3))


@pytest.mark.parametrize(("dtype", "out"), [(np.uint8, np.float64), (np.float32, np.float32), (np.float64, np.float64)])
def test_append_bias(dtype: type, out: type) -> None:
    X = np.array([[1, 2], [3, 4]], dtype=dtype)
    A = append_bias(X)
    assert A.shape == (2, 3) and A.dtype == out
    assert np.array_equal(A[:, -1], [1, 1]) and np.array_equal(A[:, :2], X)
    assert X.shape == (2, 2)
    with pytest.raises(ValueError, match=r"X: expected a 2-D array .* got shape \(3,\)"):
        append_bias(np.ones(3))


# ---------------------------------------------------------------- subsets and folds
def test_first_n(ds: ImageDataset) -> None:
    X_tr, y_tr, X_te, y_te = first_n(ds, 7, 5)
    assert np.array_equal(X_tr, ds.X_train[:7]) and np.array_equal(y_te, ds.y_test[:5])
    assert X_tr.dtype == np.uint8 and y_tr.dtype == np.int64 and X_te.shape == (5, 3072)
    with pytest.raises(ValueError, match="n_train: expected an integer <= 50, got 51"):
        first_n(ds, 51, 5)
    with pytest.raises(ValueError, match="n_test: expected an integer >= 1, got 0"):
        first_n(ds, 5, 0)
    with pytest.raises(ValueError, match="n_train: expected an integer, got 2.5"):
        first_n(ds, 2.5, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ds: expected an ImageDataset"):
        first_n(ds.X_train, 1, 1)  # type: ignore[arg-type]


def test_kfold_contiguous_is_the_homeworks_array_split() -> None:
    folds = kfold_indices(5000, 5)
    assert [f.tolist() for f in folds] == [f.tolist() for f in np.array_split(np.arange(5000), 5)]
    assert all(f.dtype == np.int64 for f in folds)


@given(n=st.integers(2, 60), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_kfold_is_a_partition(n: int, data: st.DataObject, seed: int) -> None:
    n_folds = data.draw(st.integers(2, n), label="n_folds")
    for rng in (None, np.random.default_rng(seed)):
        folds = kfold_indices(n, n_folds, rng)
        sizes = [len(f) for f in folds]
        assert len(folds) == n_folds and max(sizes) - min(sizes) <= 1
        assert np.array_equal(np.sort(np.concatenate(folds)), np.arange(n))
        assert all(np.all(np.diff(f) > 0) for f in folds)


def test_kfold_seeded_is_reproducible_and_shuffled() -> None:
    a = kfold_indices(100, 5, np.random.default_rng(42))
    b = kfold_indices(100, 5, np.random.default_rng(42))
    c = kfold_indices(100, 5, np.random.default_rng(43))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
    assert not np.array_equal(a[0], np.arange(20))


def test_kfold_validates() -> None:
    with pytest.raises(ValueError, match="n_folds: expected an integer <= 4, got 5"):
        kfold_indices(4, 5)
    with pytest.raises(ValueError, match="n_folds: expected an integer >= 2, got 1"):
        kfold_indices(4, 1)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        kfold_indices(10, 2, 42)  # type: ignore[arg-type]


# ---------------------------------------------------------------- problem 5 splits
def _splits(ds: ImageDataset, seed: int = 0) -> SoftmaxSplits:
    return softmax_splits(ds, n_train=40, n_val=10, n_test=12, n_dev=8, rng=np.random.default_rng(seed))


def test_softmax_splits_follow_the_homework(ds: ImageDataset) -> None:
    s = _splits(ds)
    mean = ds.X_train[:40].astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(s.mean_image, mean, rtol=1e-13)
    for X, rows, y, labels in ((s.X_train, ds.X_train[:40], s.y_train, ds.y_train[:40]),
                               (s.X_val, ds.X_train[40:50], s.y_val, ds.y_train[40:50]),
                               (s.X_test, ds.X_test[:12], s.y_test, ds.y_test[:12])):
        assert X.dtype == np.float64 and X.shape == (len(rows), 3073)
        assert np.array_equal(X[:, -1], np.ones(len(rows)))
        np.testing.assert_allclose(X[:, :-1], rows.astype(np.float64) - mean, atol=1e-12)
        assert np.array_equal(y, labels)
    dev = np.random.default_rng(0).choice(40, size=8, replace=False)  # the documented draw
    assert len(set(dev.tolist())) == 8
    assert np.array_equal(s.X_dev, s.X_train[dev]) and np.array_equal(s.y_dev, ds.y_train[dev])


def test_softmax_splits_are_reproducible(ds: ImageDataset) -> None:
    a, b, c = _splits(ds, 5), _splits(ds, 5), _splits(ds, 6)
    assert np.array_equal(a.X_dev, b.X_dev) and np.array_equal(a.y_dev, b.y_dev)
    assert not np.array_equal(a.X_dev, c.X_dev)


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(n_train=45, n_val=6), r"n_train \+ n_val: expected at most 50 \(the training set's size\), got 45 \+ 6 = 51"),
    (dict(n_dev=41), "n_dev: expected an integer <= 40, got 41"),
    (dict(n_test=13), "n_test: expected an integer <= 12, got 13"),
    (dict(n_val=0), "n_val: expected an integer >= 1, got 0"),
    (dict(n_train=50), "n_train: expected an integer <= 49, got 50"),
])
def test_softmax_splits_check_sizes(ds: ImageDataset, kwargs: dict[str, int], message: str) -> None:
    sizes = dict(n_train=40, n_val=10, n_test=12, n_dev=8) | kwargs
    with pytest.raises(ValueError, match=message):
        softmax_splits(ds, **sizes, rng=np.random.default_rng(0))


def test_softmax_splits_need_a_generator(ds: ImageDataset) -> None:
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        softmax_splits(ds, n_train=40, n_val=10, n_test=12, n_dev=8, rng=None)  # type: ignore[arg-type]
