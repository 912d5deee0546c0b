r"""A partial CIFAR-10 in the official python layout, e.g. a course's bit-exact subset.

Some courses (and this project's maintainers) keep a few thousand real CIFAR-10 images
in the official pickle format but under names that say they are partial, such as
``data_batch_1_first4000`` and ``test_batch_first1000``, so that no loader mistakes
them for complete batches.  :func:`load_cifar10_subset` reads such a folder
explicitly — it never stands in for the full dataset — through the same restricted
unpickler as the official files.

The folder comes from ``data_dir`` or the environment variable
``GRADPROOF_CIFAR_SUBSET_DIR``.

Examples
--------
>>> import tempfile, numpy as np
>>> from numerics.data.official_format import write_meta, write_python_batch
>>> root = tempfile.mkdtemp()
>>> rng = np.random.default_rng(0)
>>> _ = write_python_batch(f"{root}/data_batch_1_first30", rng.integers(0, 256, (30, 3072), dtype=np.uint8), rng.integers(0, 10, 30))
>>> _ = write_python_batch(f"{root}/test_batch_first10", rng.integers(0, 256, (10, 3072), dtype=np.uint8), rng.integers(0, 10, 10))
>>> _ = write_meta(f"{root}/batches.meta")
>>> ds = load_cifar10_subset(root)
>>> ds.name, ds.X_train.shape, ds.X_test.shape
('cifar10-subset', (30, 3072), (10, 3072))
"""

from __future__ import annotations

import os
import re
import reprlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from numerics.data.cifar import CLASS_NAMES, assemble_cifar10, load_python_batch, load_python_meta
from numerics.data.dataset import ImageDataset
from numerics.data.errors import DataFormatError, DataNotFoundError

__all__ = ["SUBSET_ENV", "load_cifar10_subset"]

#: Environment variable naming the subset folder.
SUBSET_ENV = "GRADPROOF_CIFAR_SUBSET_DIR"

_TRAIN = re.compile(r"^data_batch_([1-5])_first(\d+)$")
_TEST = re.compile(r"^test_batch_first(\d+)$")


def load_cifar10_subset(data_dir: str | Path | None = None) -> ImageDataset:
    """Load a partial CIFAR-10 folder (``data_batch_<b>_first<n>``, ``test_batch_first<n>``).

    Parameters
    ----------
    data_dir : str or Path, optional
        The folder; default ``$GRADPROOF_CIFAR_SUBSET_DIR``.

    Returns
    -------
    ImageDataset
        ``name="cifar10-subset"``; training batches concatenated in batch order.

    Raises
    ------
    DataNotFoundError
        No folder given, or it holds no partial training or test batch.
    DataFormatError
        A file named like a batch is not a regular file (a symbolic link, FIFO or
        device), is malformed, or holds a different number of rows than its name
        says; or two files are parts of the same training batch. The message names
        the file.
    """
    if data_dir is None:
        env = os.environ.get(SUBSET_ENV)
        if not env:
            raise DataNotFoundError(
                f"cifar10-subset: no folder given; pass --data-dir or set {SUBSET_ENV} to a folder holding "
                "data_batch_<b>_first<n> and test_batch_first<n> (official python pickle format)")
        data_dir = env
    root = Path(data_dir).expanduser()
    if not root.is_dir():
        raise DataNotFoundError(f"cifar10-subset: {root} is not a folder")
    try:
        names = sorted(p.name for p in root.iterdir())
    except OSError as exc:
        raise DataNotFoundError(f"cifar10-subset: cannot list {root} ({exc.strerror})") from None
    train = sorted((int(m.group(1)), int(m.group(2)), n) for n in names if (m := _TRAIN.match(n)))
    test = [(int(m.group(1)), n) for n in names if (m := _TEST.match(n))]
    if not train or len(test) != 1:
        raise DataNotFoundError(
            f"cifar10-subset: {root} must hold data_batch_<b>_first<n> file(s) and exactly one test_batch_first<n>; "
            f"found {reprlib.repr(names)}")
    batches = [b for b, _, _ in train]
    if len(set(batches)) != len(batches):
        raise DataFormatError(f"cifar10-subset: {root} holds more than one part of the same training batch "
                              f"({[n for _, _, n in train]}); keep one file per batch")
    meta = root / "batches.meta"
    return assemble_cifar10("cifar10-subset", [_load(root / n, rows) for _, rows, n in train], _load(root / test[0][1], test[0][0]),
                            load_python_meta(meta) if os.path.lexists(meta) else CLASS_NAMES)


def _load(path: Path, rows: int) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """A partial batch, which must hold as many rows as its name says."""
    X, y = load_python_batch(path)
    if X.shape[0] != rows:
        raise DataFormatError(f"{path}: named for its first {rows} rows but holds {X.shape[0]}; rename it or rebuild it")
    return X, y
