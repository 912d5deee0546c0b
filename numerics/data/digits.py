r"""scikit-learn's bundled handwritten digits as an :class:`ImageDataset` (offline).

The 1,797 images of 8 x 8 pixels with values 0..16 ship with scikit-learn, so
this dataset needs no network. The split is deterministic and unshuffled: the
first :data:`N_TRAIN` = 1500 images (in scikit-learn's order) are the training
set, the remaining 297 the test set. All ten classes occur in both.

Examples
--------
>>> ds = load_digits()
>>> ds
ImageDataset(name='digits', train=1500 x 64 uint8, test=297 x 64 uint8, classes=10, image_shape=(8, 8, 1))
>>> int(ds.X_train.max()), ds.class_names[:3]
(16, ('0', '1', '2'))
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from numerics.data.dataset import ImageDataset

__all__ = ["N_TRAIN", "load_digits"]

#: Training images: the first N_TRAIN in scikit-learn's order; the rest are the test set.
N_TRAIN = 1500


@lru_cache(maxsize=1)
def load_digits() -> ImageDataset:
    """The digits dataset: 1500 training and 297 test rows of 64 uint8 pixels in 0..16.

    Cached (the dataset's arrays are read-only, so sharing one copy is safe).
    """
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    pixels = np.asarray(bunch.data)
    if not np.array_equal(pixels, np.rint(pixels)) or pixels.min() < 0 or pixels.max() > 16:
        raise ValueError(f"scikit-learn digits: expected whole pixel values in 0..16, got {pixels.min()}..{pixels.max()}")
    X = pixels.astype(np.uint8)
    y = np.asarray(bunch.target, dtype=np.int64)
    return ImageDataset(
        name="digits",
        X_train=X[:N_TRAIN], y_train=y[:N_TRAIN],
        X_test=X[N_TRAIN:], y_test=y[N_TRAIN:],
        class_names=tuple(str(d) for d in range(10)),
        image_shape=(8, 8, 1),
    )
