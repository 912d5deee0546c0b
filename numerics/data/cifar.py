r"""CIFAR-10 loaders for the official python version (pickles) and binary version.

The python batches are pickles, and unpickling runs whatever a pickle asks for.
They are therefore read with :class:`RestrictedUnpickler`, which resolves only the
globals the format needs to rebuild a uint8 numpy array; any other global
(``os.system``, ``builtins.eval``, ``subprocess.Popen`` ...) is refused before it
is looked up, so nothing from such a file runs.

Examples
--------
>>> import io, pickle, numpy as np
>>> good = pickle.dumps({b"data": np.zeros((1, 3072), np.uint8)}, protocol=2)
>>> sorted(RestrictedUnpickler(io.BytesIO(good), path="x").load())
[b'data']
>>> RestrictedUnpickler(io.BytesIO(pickle.dumps(print)), path="evil").load()
Traceback (most recent call last):
...
numerics.data.errors.UnsafePickleError: evil: refused to load the global 'builtins.print' ...
"""

from __future__ import annotations

import codecs
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numerics.data.dataset import ImageDataset
from numerics.data.errors import DataFormatError, DataNotFoundError, UnsafePickleError
from numerics.validation import check_labels

__all__ = [
    "CLASS_NAMES", "N_FEATURES", "RECORD_BYTES", "PYTHON_FOLDER", "BINARY_FOLDER",
    "PYTHON_FILES", "BINARY_FILES", "RestrictedUnpickler", "load_python_batch", "load_python_meta",
    "load_binary_batch", "load_binary_meta", "find_cifar10", "load_cifar10", "assemble_cifar10",
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


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` restricted to latin-1: how Python 3 pickles ``bytes`` at protocols 0-2."""
    if codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r}: only latin-1 is allowed")
    return text.encode("latin1")


def _plain_dtype(obj: Any, align: bool = False, copy: bool = False) -> np.dtype[Any]:
    """``numpy.dtype`` without object dtypes (which could hold arbitrary Python objects)."""
    dt = np.dtype(obj, align=align, copy=copy)
    if dt.hasobject:
        raise pickle.UnpicklingError(f"numpy.dtype({obj!r}) holds Python objects; only plain dtypes are allowed")
    return dt


_RECONSTRUCT = np.zeros(1).__reduce__()[0]  # numpy's array reconstructor, wherever numpy keeps it
#: Every global a CIFAR-10 python batch may name, and what it resolves to.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,  # numpy 1.x (the official files)
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,  # numpy 2.x
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _plain_dtype,
    ("_codecs", "encode"): _latin1_encode,  # bytes pickled by Python 3 at protocol <= 2
}


class RestrictedUnpickler(pickle.Unpickler):
    """A :class:`pickle.Unpickler` that resolves only :data:`ALLOWED_GLOBALS`.

    Parameters
    ----------
    file : binary file object
    path : str or Path
        The file's name, quoted in every error.

    Notes
    -----
    Every opcode that names a global (GLOBAL, STACK_GLOBAL, INST, OBJ, EXT*)
    goes through :meth:`find_class`, and persistent ids are refused by the base
    class, so a refused global is never imported, looked up or called.
    Reads with ``encoding="bytes"``: Python 2 strings stay bytes, as in the
    official batches.
    """

    def __init__(self, file: Any, *, path: str | Path) -> None:
        super().__init__(file, encoding="bytes")
        self.path = str(path)

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in ALLOWED_GLOBALS)
            raise UnsafePickleError(
                f"{self.path}: refused to load the global '{module}.{name}' from this pickle; a CIFAR-10 "
                f"python batch needs only numpy array reconstruction ({allowed}). The file is not an "
                f"official batch and may be malicious: nothing from it was run."
            ) from None


def _unpickle(path: Path) -> dict[str, Any]:
    """Unpickle ``path`` safely and return its dict with ``str`` keys."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataNotFoundError(f"{path}: no such file") from None
    try:
        obj = RestrictedUnpickler(io.BytesIO(raw), path=path).load()
    except UnsafePickleError:
        raise
    except Exception as exc:  # truncated or corrupt pickles raise many types
        raise DataFormatError(f"{path}: not a readable pickle ({type(exc).__name__}: {exc}); truncated or corrupt?") from None
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
    except ValueError as exc:
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
        The pickle names a global outside :data:`ALLOWED_GLOBALS` (nothing ran).
    DataFormatError
        Truncated or corrupt file, missing keys, wrong shape, dtype or labels.
    DataNotFoundError
        No such file.
    """
    path = Path(path)
    d = _unpickle(path)
    _require(d, ("data", "labels"), path)
    X = d["data"]
    if not isinstance(X, np.ndarray) or X.dtype != np.uint8 or X.ndim != 2 or X.shape[1] != N_FEATURES or X.shape[0] == 0:
        got = f"shape {X.shape} and dtype {X.dtype}" if isinstance(X, np.ndarray) else type(X).__name__
        raise DataFormatError(f"{path}: expected b'data' to be a uint8 array of shape (n, {N_FEATURES}) with n >= 1, got {got}")
    return np.ascontiguousarray(X), _check_labels(d["labels"], X.shape[0], path)


def _check_names(names: list[str], path: Path) -> tuple[str, ...]:
    if len(names) != len(CLASS_NAMES) or not all(names):
        raise DataFormatError(f"{path}: expected {len(CLASS_NAMES)} non-empty class names, got {names!r}")
    return tuple(names)


def load_python_meta(path: str | Path) -> tuple[str, ...]:
    """The ten class names from ``batches.meta`` (key ``b'label_names'``)."""
    path = Path(path)
    d = _unpickle(path)
    _require(d, ("label_names",), path)
    names = d["label_names"]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, (bytes, str)) for n in names):
        raise DataFormatError(f"{path}: expected b'label_names' to be a list of strings, got {names!r}")
    return _check_names([n.decode("utf-8") if isinstance(n, bytes) else n for n in names], path)


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
        Empty file, a size that is not a multiple of 3073 (truncated), or a label above 9.
    DataNotFoundError
        No such file.
    """
    path = Path(path)
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise DataNotFoundError(f"{path}: no such file") from None
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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataNotFoundError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}: expected UTF-8 text, got {exc}") from None
    return _check_names([line.strip() for line in text.splitlines() if line.strip()], path)


_FORMATS = {"python": (PYTHON_FOLDER, PYTHON_FILES), "binary": (BINARY_FOLDER, BINARY_FILES)}


def find_cifar10(root: str | Path, fmt: str = "auto") -> tuple[Path, str] | None:
    """Locate a CIFAR-10 folder under ``root`` and say which version it is.

    ``root`` may be the batches folder itself or the folder that contains
    ``cifar-10-batches-py`` / ``cifar-10-batches-bin``. With ``fmt="auto"`` the
    python version is preferred. Returns ``(folder, fmt)`` or ``None``; a folder
    counts as found when its first training batch exists.
    """
    if fmt not in ("auto", *_FORMATS):
        raise ValueError(f"fmt: expected 'auto', 'python' or 'binary', got {fmt!r}")
    root = Path(root).expanduser()
    for kind in (("python", "binary") if fmt == "auto" else (fmt,)):
        folder_name, (train, _, _) = _FORMATS[kind]
        for folder in (root, root / folder_name):
            if (folder / train[0]).is_file():
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
    missing = [f for f in (*train, test, meta) if not (folder / f).is_file()]
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
