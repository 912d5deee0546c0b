r"""The in-memory dataset every loader returns, and where datasets are cached.

Examples
--------
>>> import numpy as np
>>> ds = ImageDataset(
...     name="toy",
...     X_train=np.arange(8, dtype=np.uint8).reshape(2, 4), y_train=np.array([0, 1]),
...     X_test=np.zeros((1, 4), dtype=np.uint8), y_test=np.array([1]),
...     class_names=("a", "b"), image_shape=(2, 2, 1),
... )
>>> ds
ImageDataset(name='toy', train=2 x 4 uint8, test=1 x 4 uint8, classes=2, image_shape=(2, 2, 1))
>>> ds.images(ds.X_train)[1, :, :, 0]
array([[4, 5],
       [6, 7]], dtype=uint8)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numerics.validation import check_labels, check_matrix

__all__ = ["ImageDataset", "default_data_dir", "DATA_DIR_ENV"]

#: Environment variable that overrides the data folder (``--data-dir`` overrides it in turn).
DATA_DIR_ENV = "GRADPROOF_DATA_DIR"


def _read_only(a: NDArray[Any]) -> NDArray[Any]:
    """A read-only view of ``a`` (the caller's array keeps its own flags)."""
    view = a.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True, eq=False, repr=False)
class ImageDataset:
    r"""Images as flattened rows, integer labels and class names.

    Parameters
    ----------
    name : str
        ``"cifar10"``, ``"digits"`` or a test's own name.
    X_train : ndarray of shape (n_train, D), dtype uint8
        One flattened image per row, ``D = H * W * channels``, channel-planar
        (all of channel 0 row-major, then channel 1, ...), as CIFAR-10 stores it.
    y_train : ndarray of shape (n_train,), dtype int64
        Labels in ``0 .. len(class_names) - 1``.
    X_test : ndarray of shape (n_test, D), dtype uint8
    y_test : ndarray of shape (n_test,), dtype int64
    class_names : tuple of str
    image_shape : tuple of int
        ``(H, W, channels)``: ``(32, 32, 3)`` for CIFAR-10, ``(8, 8, 1)`` for digits.

    Notes
    -----
    The arrays are stored as read-only views: a dataset cannot be changed in
    place, and nothing downstream can corrupt a cached copy. Labels are converted
    to int64 and checked against the number of classes at construction.

    Pixel :math:`(h, w)` of channel :math:`c` of row :math:`i` is

    .. math:: X_{i,\; c H W + h W + w}.
    """

    name: str
    X_train: NDArray[np.uint8]
    y_train: NDArray[np.int64]
    X_test: NDArray[np.uint8]
    y_test: NDArray[np.int64]
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]

    def __post_init__(self) -> None:
        shape = tuple(int(s) for s in self.image_shape)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"image_shape: expected (H, W, channels) of positive integers, got {self.image_shape!r}")
        names = tuple(str(c) for c in self.class_names)
        if len(names) < 2:
            raise ValueError(f"class_names: expected at least 2 class names, got {len(names)}")
        d = shape[0] * shape[1] * shape[2]
        for split in ("train", "test"):
            X = check_matrix(getattr(self, f"X_{split}"), f"X_{split}", n_cols=d)
            if X.dtype != np.uint8:
                raise ValueError(f"X_{split}: expected dtype uint8 pixels, got dtype {X.dtype}")
            y = check_labels(getattr(self, f"y_{split}"), f"y_{split}", n_samples=X.shape[0], n_classes=len(names))
            object.__setattr__(self, f"X_{split}", _read_only(X))
            object.__setattr__(self, f"y_{split}", _read_only(y))
        object.__setattr__(self, "class_names", names)
        object.__setattr__(self, "image_shape", shape)

    @property
    def n_features(self) -> int:
        """``D = H * W * channels``, the length of one row."""
        h, w, c = self.image_shape
        return h * w * c

    def images(self, X: NDArray[Any]) -> NDArray[Any]:
        """Turn flattened rows into images for display.

        Parameters
        ----------
        X : ndarray of shape (n, D)
            Rows in this dataset's channel-planar layout (any dtype).

        Returns
        -------
        ndarray of shape (n, H, W, channels)
            A view of ``X`` when possible, same dtype.
        """
        X = check_matrix(X, "X", n_cols=self.n_features)
        h, w, c = self.image_shape
        return X.reshape(X.shape[0], c, h, w).transpose(0, 2, 3, 1)

    def __repr__(self) -> str:
        return (
            f"ImageDataset(name={self.name!r}, "
            f"train={self.X_train.shape[0]} x {self.X_train.shape[1]} {self.X_train.dtype}, "
            f"test={self.X_test.shape[0]} x {self.X_test.shape[1]} {self.X_test.dtype}, "
            f"classes={len(self.class_names)}, image_shape={self.image_shape})"
        )


def default_data_dir() -> Path:
    """The folder where datasets are looked for and downloaded to.

    ``$GRADPROOF_DATA_DIR`` if set, else ``$XDG_CACHE_HOME/gradproof`` (when that
    variable holds an absolute path, as the XDG specification requires), else
    ``~/.cache/gradproof``. The folder is not created here. A command's
    ``--data-dir`` option takes precedence over all of these.
    """
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "gradproof"
    return Path.home() / ".cache" / "gradproof"
