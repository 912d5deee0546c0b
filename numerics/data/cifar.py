r"""CIFAR-10 loaders for the official python version (pickles) and binary version.

The python batches are pickles, and unpickling runs whatever a pickle asks for.
They are therefore read with :func:`~numerics.data.safe_pickle.load_pickle`, a
bounded reader that resolves only the globals the format needs to rebuild a
plain numpy array (:data:`~numerics.data.pickle_numpy.NUMPY_GLOBALS`); any other
global (``os.system``, ``builtins.eval``, ``subprocess.Popen`` ...) is refused
before it is looked up, so nothing from such a file runs. Every file is opened
by :func:`~numerics.data.files.read_regular_file`: regular files only, no
symbolic links, size capped (:data:`MAX_BATCH_BYTES`, :data:`MAX_META_BYTES`)
before reading.

Examples
--------
>>> import pickle, tempfile, numpy as np
>>> folder = tempfile.mkdtemp()
>>> with open(f"{folder}/data_batch_1", "wb") as f:
...     pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [3, 4]}, f, protocol=2)
>>> X, y = load_python_batch(f"{folder}/data_batch_1")
>>> X.shape, y.tolist()
((2, 3072), [3, 4])
>>> with open(f"{folder}/evil", "wb") as f:
...     pickle.dump(print, f)
>>> load_python_batch(f"{folder}/evil")
Traceback (most recent call last):
...
numerics.data.errors.UnsafePickleError: .../evil: refused to load the global 'builtins.print' ...
"""

from __future__ import annotations

import os
import reprlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numerics.data.dataset import ImageDataset
from numerics.data.errors import DataFormatError, DataNotFoundError
from numerics.data.files import read_regular_file
from numerics.data.pickle_numpy import NUMPY_BUILDERS, NUMPY_GLOBALS
from numerics.data.safe_pickle import load_pickle
from numerics.validation import check_labels

__all__ = [
    "CLASS_NAMES", "N_FEATURES", "RECORD_BYTES", "PYTHON_FOLDER", "BINARY_FOLDER", "PYTHON_FILES", "BINARY_FILES",
    "MAX_BATCH_BYTES", "MAX_META_BYTES", "MAX_CLASS_NAME", "load_python_batch", "load_python_meta", "load_binary_batch",
    "load_binary_meta", "find_cifar10", "load_cifar10", "assemble_cifar10",
]

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
N_FEATURES = 3 * 32 * 32  # channel-planar: 1024 red, 1024 green, 1024 blue, each 32 x 32 row-major
RECORD_BYTES = 1 + N_FEATURES  # binary version: one label byte, then the pixels
PYTHON_FOLDER = "cifar-10-batches-py"
BINARY_FOLDER = "cifar-10-batches-bin"
_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
#: (training batches, test batch, meta file) of each version.
PYTHON_FILES = (_TRAIN, "test_batch", "batches.meta")
BINARY_FILES = (tuple(f"{b}.bin" for b in _TRAIN), "test_batch.bin", "batches.meta.txt")
#: Largest batch file read (an official batch is 31 MB; this allows all 60,000 images in one file).
MAX_BATCH_BYTES = 256 << 20
#: Largest ``batches.meta`` / ``batches.meta.txt`` read (the official ones are under 200 bytes).
MAX_META_BYTES = 1 << 20
_short = reprlib.Repr()
_short.maxlist = _short.maxtuple = _short.maxdict = 12
_short.maxstring = _short.maxother = 60


def _unpickle(path: Path, max_bytes: int, what: str) -> dict[str, Any]:
    """Unpickle ``path`` safely and return its dict with ``str`` keys."""
    obj = load_pickle(read_regular_file(path, max_bytes=max_bytes, what=what), str(path),
                      globals_=NUMPY_GLOBALS, builders=NUMPY_BUILDERS)
    if not isinstance(obj, dict):
        raise DataFormatError(f"{path}: expected a pickled dict, got {type(obj).__name__}")
    return {k.decode("latin1") if isinstance(k, bytes) else str(k): v for k, v in obj.items()}


def _require(d: dict[str, Any], keys: tuple[str, ...], path: Path) -> None:
    missing = [k for k in keys if k not in d]
    if missing:
        raise DataFormatError(f"{path}: expected keys {[k.encode() for k in keys]}, missing {missing}; got keys {sorted(d)}")


def _check_labels(labels: Any, n: int, path: Path) -> NDArray[np.int64]:
    try:
        if isinstance(labels, np.ndarray) and not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"expected integer labels, got dtype {labels.dtype}")
        ints = (int, np.integer)
        if isinstance(labels, (list, tuple)) and not all(isinstance(v, ints) and not isinstance(v, bool) for v in labels):
            raise ValueError("expected a list of ints")
        return check_labels(np.asarray(labels), "labels", n_samples=n, n_classes=len(CLASS_NAMES))
    except (ValueError, TypeError, OverflowError) as exc:
        raise DataFormatError(f"{path}: {exc}") from None


def load_python_batch(path: str | Path) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Load one batch of the python version (``data_batch_1`` ... ``test_batch``).

    Parameters
    ----------
    path : str or Path
        A pickled dict with ``b'data'`` (uint8, shape (n, 3072)) and ``b'labels'``
        (n ints in 0..9), as in the official ``cifar-10-batches-py``.

    Returns
    -------
    X : ndarray of shape (n, 3072), dtype uint8
    y : ndarray of shape (n,), dtype int64

    Raises
    ------
    UnsafePickleError
        The pickle names a global outside
        :data:`~numerics.data.pickle_numpy.NUMPY_GLOBALS` (nothing ran).
    DataFormatError
        Not a regular file (symbolic link, FIFO, device), larger than
        :data:`MAX_BATCH_BYTES`, truncated or corrupt, over the reader's limits,
        missing keys, wrong shape, dtype or labels.
    DataNotFoundError
        No such file.
    """
    path = Path(path)
    d = _unpickle(path, MAX_BATCH_BYTES, "CIFAR-10 python batch")
    _require(d, ("data", "labels"), path)
    X = d["data"]
    if not isinstance(X, np.ndarray) or X.dtype != np.uint8 or X.ndim != 2 or X.shape[1] != N_FEATURES or X.shape[0] == 0:
        got = f"shape {X.shape} and dtype {X.dtype}" if isinstance(X, np.ndarray) else type(X).__name__
        raise DataFormatError(f"{path}: expected b'data' to be a uint8 array of shape (n, {N_FEATURES}) with n >= 1, got {got}")
    return np.array(X, order="C"), _check_labels(d["labels"], X.shape[0], path)  # a writable copy


#: Longest class name accepted (names appear in reports, figures and terminals).
MAX_CLASS_NAME = 64


def _check_names(names: list[str], path: Path) -> tuple[str, ...]:
    if len(names) != len(CLASS_NAMES) or not all(names):
        raise DataFormatError(f"{path}: expected {len(CLASS_NAMES)} non-empty class names, got {_short.repr(names)}")
    bad = [n for n in names if len(n) > MAX_CLASS_NAME or not n.isprintable()]
    if bad:
        raise DataFormatError(f"{path}: expected printable class names of at most {MAX_CLASS_NAME} characters, "
                              f"got {_short.repr(bad)}")
    return tuple(names)


def load_python_meta(path: str | Path) -> tuple[str, ...]:
    """The ten class names from ``batches.meta`` (key ``b'label_names'``)."""
    path = Path(path)
    d = _unpickle(path, MAX_META_BYTES, "CIFAR-10 batches.meta")
    _require(d, ("label_names",), path)
    names = d["label_names"]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, (bytes, str)) for n in names):
        raise DataFormatError(f"{path}: expected b'label_names' to be a list of strings, got {_short.repr(names)}")
    try:
        return _check_names([n.decode("utf-8") if isinstance(n, bytes) else n for n in names], path)
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}: expected UTF-8 class names, got {exc}") from None


def load_binary_batch(path: str | Path) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Load one batch of the binary version (``data_batch_1.bin`` ... ``test_batch.bin``).

    Each record is one label byte followed by the 3072 pixel bytes of one image.

    Returns
    -------
    X : ndarray of shape (n, 3072), dtype uint8
    y : ndarray of shape (n,), dtype int64

    Raises
    ------
    DataFormatError
        Not a regular file, larger than :data:`MAX_BATCH_BYTES`, empty, a size that
        is not a multiple of 3073 (truncated), or a label above 9.
    DataNotFoundError
        No such file.
    """
    path = Path(path)
    raw = np.frombuffer(read_regular_file(path, max_bytes=MAX_BATCH_BYTES, what="CIFAR-10 binary batch"), np.uint8)
    if raw.size == 0 or raw.size % RECORD_BYTES:
        raise DataFormatError(
            f"{path}: expected a whole number of {RECORD_BYTES}-byte records (1 label byte + {N_FEATURES} pixels), "
            f"got {raw.size} bytes ({raw.size // RECORD_BYTES} records and {raw.size % RECORD_BYTES} bytes left over); truncated?"
        )
    records = raw.reshape(-1, RECORD_BYTES)
    y = _check_labels(records[:, 0].astype(np.int64), records.shape[0], path)
    return np.ascontiguousarray(records[:, 1:]), y


def load_binary_meta(path: str | Path) -> tuple[str, ...]:
    """The ten class names from ``batches.meta.txt`` (one a line; blank lines ignored)."""
    path = Path(path)
    raw = read_regular_file(path, max_bytes=MAX_META_BYTES, what="CIFAR-10 batches.meta.txt")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}: expected UTF-8 text, got {exc}") from None
    return _check_names([line.strip() for line in text.splitlines() if line.strip()], path)


_FORMATS = {"python": (PYTHON_FOLDER, PYTHON_FILES), "binary": (BINARY_FOLDER, BINARY_FILES)}


def find_cifar10(root: str | Path, fmt: str = "auto") -> tuple[Path, str] | None:
    """Locate a CIFAR-10 folder under ``root`` and say which version it is.

    ``root`` may be the batches folder itself or the folder that contains
    ``cifar-10-batches-py`` / ``cifar-10-batches-bin``. With ``fmt="auto"`` the
    python version is preferred. Returns ``(folder, fmt)`` or ``None``; a folder
    counts as found when its first training batch exists as any kind of entry
    (a link or FIFO too, so that loading it says what is wrong with it).
    """
    if fmt not in ("auto", *_FORMATS):
        raise ValueError(f"fmt: expected 'auto', 'python' or 'binary', got {fmt!r}")
    root = Path(root).expanduser()
    for kind in (("python", "binary") if fmt == "auto" else (fmt,)):
        folder_name, (train, _, _) = _FORMATS[kind]
        for folder in (root, root / folder_name):
            if os.path.lexists(folder / train[0]):  # a link or FIFO counts, so that loading names it
                return folder, kind
    return None


def load_cifar10(root: str | Path, *, fmt: str = "auto") -> ImageDataset:
    """Load all of CIFAR-10 (5 training batches, the test batch, the class names).

    Parameters
    ----------
    root : str or Path
        The batches folder, or the folder that contains it.
    fmt : {"auto", "python", "binary"}
        Which official version to read; ``"auto"`` prefers the python version.

    Returns
    -------
    ImageDataset
        ``X_train`` (n_train, 3072) uint8 in file order (batches 1..5),
        ``X_test`` (n_test, 3072), ``image_shape`` (32, 32, 3).

    Raises
    ------
    DataNotFoundError
        No CIFAR-10 folder under ``root``, or some of its files are missing.
    DataFormatError
        A malformed file (the message names it).
    """
    found = find_cifar10(root, fmt)
    if found is None:
        wanted = " or ".join(_FORMATS[k][0] for k in (_FORMATS if fmt == "auto" else (fmt,)))
        raise DataNotFoundError(f"{root}: no CIFAR-10 {wanted} folder here (looked for its data_batch_1)")
    folder, kind = found
    train, test, meta = _FORMATS[kind][1]
    missing = [f for f in (*train, test, meta) if not os.path.lexists(folder / f)]
    if missing:
        raise DataNotFoundError(f"{folder}: incomplete CIFAR-10 {kind} version, missing {missing}; re-extract the archive")
    load_batch, load_meta = (load_python_batch, load_python_meta) if kind == "python" else (load_binary_batch, load_binary_meta)
    return assemble_cifar10("cifar10", [load_batch(folder / f) for f in train], load_batch(folder / test),
                            load_meta(folder / meta))


def assemble_cifar10(name: str, train: list[tuple[NDArray[np.uint8], NDArray[np.int64]]],
                     test: tuple[NDArray[np.uint8], NDArray[np.int64]], class_names: tuple[str, ...]) -> ImageDataset:
    """An :class:`ImageDataset` of 32×32×3 images from loaded ``(X, y)`` batches (training batches in order)."""
    return ImageDataset(
        name=name,
        X_train=np.concatenate([b[0] for b in train]),
        y_train=np.concatenate([b[1] for b in train]),
        X_test=test[0],
        y_test=test[1],
        class_names=tuple(class_names),
        image_shape=(32, 32, 3),
    )
