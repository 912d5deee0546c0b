"""The partial-CIFAR-10 folder loader (``cifar10-subset``)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from numerics.data import DataNotFoundError, UnsafePickleError, load_dataset
from numerics.data.official_format import write_meta, write_python_batch
from numerics.data.subset import SUBSET_ENV, load_cifar10_subset


def _write(root: Path, rng: np.random.Generator, n_train: tuple[int, ...] = (30,), n_test: int = 10) -> None:
    for b, n in enumerate(n_train, 1):
        write_python_batch(root / f"data_batch_{b}_first{n}", rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                           rng.integers(0, 10, n))
    write_python_batch(root / f"test_batch_first{n_test}", rng.integers(0, 256, (n_test, 3072), dtype=np.uint8),
                       rng.integers(0, 10, n_test))
    write_meta(root / "batches.meta")


def test_round_trip_and_batch_order(tmp_path: Path) -> None:
    _write(tmp_path, np.random.default_rng(1), n_train=(5, 7))
    rng = np.random.default_rng(1)
    first = rng.integers(0, 256, (5, 3072), dtype=np.uint8)
    ds = load_cifar10_subset(tmp_path)
    assert ds.name == "cifar10-subset" and ds.X_train.shape == (12, 3072) and ds.X_test.shape == (10, 3072)
    assert ds.X_train.dtype == np.uint8 and ds.image_shape == (32, 32, 3)
    np.testing.assert_array_equal(ds.X_train[:5], first)
    assert ds.class_names[0] == "airplane"


def test_environment_variable_and_load_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, np.random.default_rng(2))
    monkeypatch.setenv(SUBSET_ENV, str(tmp_path))
    assert load_dataset("cifar10-subset").X_train.shape == (30, 3072)
    monkeypatch.delenv(SUBSET_ENV)
    with pytest.raises(DataNotFoundError, match=SUBSET_ENV):
        load_cifar10_subset()


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="is not a folder"):
        load_cifar10_subset(tmp_path / "nope")
    (tmp_path / "data_batch_1").write_bytes(b"")  # a complete-batch name is never taken for a partial one
    with pytest.raises(DataNotFoundError, match="must hold data_batch_<b>_first<n>"):
        load_cifar10_subset(tmp_path)


def test_malicious_partial_batch_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, np.random.default_rng(3))
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):  # noqa: D105
            return (os.system, (f"touch {marker}",))

    (tmp_path / "test_batch_first10").write_bytes(pickle.dumps({b"data": Evil(), b"labels": [0]}, protocol=2))
    with pytest.raises(UnsafePickleError, match="test_batch_first10"):
        load_cifar10_subset(tmp_path)
    assert not marker.exists()


@pytest.mark.skipif(not os.environ.get(SUBSET_ENV), reason=f"set {SUBSET_ENV} to run on the real subset")
def test_real_subset() -> None:
    ds = load_cifar10_subset()
    assert ds.X_train.shape == (4000, 3072) and ds.X_test.shape == (1000, 3072)
    assert set(np.unique(ds.y_train)) == set(range(10))
