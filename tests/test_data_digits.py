"""scikit-learn's digits through the same ImageDataset pipeline, offline."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits as sklearn_digits

from numerics.data import ImageDataset, load_dataset
from numerics.data.digits import N_TRAIN, load_digits
from numerics.preprocess import first_n, softmax_splits


@pytest.fixture(scope="module")
def ds() -> ImageDataset:
    return load_dataset("digits")


def test_shapes_dtypes_and_names(ds: ImageDataset) -> None:
    assert ds.name == "digits" and ds.image_shape == (8, 8, 1)
    assert ds.X_train.shape == (N_TRAIN, 64) and ds.X_test.shape == (1797 - N_TRAIN, 64)
    assert ds.X_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert ds.class_names == tuple("0123456789")
    assert int(ds.X_train.min()) == 0 and int(max(ds.X_train.max(), ds.X_test.max())) == 16
    assert set(np.unique(ds.y_train)) == set(range(10)) == set(np.unique(ds.y_test))


def test_split_is_first_1500_in_sklearn_order(ds: ImageDataset) -> None:
    ref = sklearn_digits()
    assert np.array_equal(ds.X_train, ref.data[:N_TRAIN]) and np.array_equal(ds.y_train, ref.target[:N_TRAIN])
    assert np.array_equal(ds.X_test, ref.data[N_TRAIN:]) and np.array_equal(ds.y_test, ref.target[N_TRAIN:])
    assert np.array_equal(ds.images(ds.X_test)[:, :, :, 0], ref.images[N_TRAIN:])


def test_deterministic_and_cached(ds: ImageDataset) -> None:
    assert load_digits() is ds  # cached; safe because the arrays are read-only
    with pytest.raises(ValueError, match="read-only"):
        ds.X_train[0, 0] = 0


def test_the_homework_pipeline_runs_on_digits(ds: ImageDataset) -> None:
    X_tr, y_tr, X_te, y_te = first_n(ds, 500, 50)
    assert X_tr.shape == (500, 64) and y_te.shape == (50,)
    s = softmax_splits(ds, n_train=1400, n_val=100, n_test=297, n_dev=50, rng=np.random.default_rng(0))
    assert s.X_train.shape == (1400, 65) and s.X_val.shape == (100, 65) and s.X_test.shape == (297, 65)
    assert np.allclose(s.X_train[:, :-1].mean(axis=0), 0.0, atol=1e-12)
