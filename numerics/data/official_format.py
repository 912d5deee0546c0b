r"""Writers of small CIFAR-10 files in the exact official formats, for tests.

The python version's batches were written by Python 2 (``cPickle``, protocol 2,
numpy 1.x): dict keys and the array's raw bytes are Python 2 strings
(``SHORT_BINSTRING`` / ``BINSTRING`` opcodes) and the array is rebuilt by
``numpy.core.multiarray._reconstruct``. :func:`write_python_batch` reproduces
that byte layout by default, so the loaders are tested against what the real
download contains, not only against what Python 3 would write.

Synthetic images are learnable: each class has a random template and every
image is its template plus Gaussian noise, clipped to 0..255 (so 0 and 255
occur, which catches uint8 wrap-around).

Examples
--------
>>> import numpy as np, tempfile
>>> from numerics.data.cifar import load_cifar10
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = write_cifar10_python_tree(tmp, np.random.default_rng(0), n_per_batch=3)
...     ds = load_cifar10(tmp)
>>> folder.name, ds.X_train.shape, ds.X_test.shape
('cifar-10-batches-py', (15, 3072), (3, 3072))
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike

from numerics.data.cifar import (
    BINARY_FILES, BINARY_FOLDER, CLASS_NAMES, N_FEATURES, PYTHON_FILES, PYTHON_FOLDER,
)
from numerics.data.dataset import ImageDataset
from numerics.validation import check_int, check_labels, check_matrix

__all__ = [
    "write_python_batch", "write_meta", "write_binary_batch", "write_binary_meta",
    "synthetic_cifar10", "write_cifar10_python_tree", "write_cifar10_binary_tree", "make_cifar10_archive",
]

_RECONSTRUCT = np.zeros(1).__reduce__()[0]  # numpy's array reconstructor, wherever this numpy keeps it
_PY2_GLOBALS = {  # GLOBAL opcode arguments as numpy 1.x on Python 2 wrote them
    id(_RECONSTRUCT): b"numpy.core.multiarray\n_reconstruct\n",
    id(np.ndarray): b"numpy\nndarray\n",
    id(np.dtype): b"numpy\ndtype\n",
}


class _Python2Pickler(pickle._Pickler):  # type: ignore[name-defined]  # the pure-Python pickler is overridable
    """Protocol 2 as Python 2 wrote it: py2 strings, numpy 1.x global names and dtype arguments."""

    dispatch = pickle._Pickler.dispatch.copy()  # type: ignore[attr-defined]

    def save_py2_str(self, obj: bytes) -> None:
        n = len(obj)
        self.write((pickle.SHORT_BINSTRING + bytes([n]) if n < 256 else pickle.BINSTRING + struct.pack("<i", n)) + obj)
        self.memoize(obj)

    def save_ascii_str(self, obj: str) -> None:
        if obj.isascii():
            self.save_py2_str(obj.encode("ascii"))  # Python 2 ``str``: read back as bytes
        else:
            self.save_str(obj)  # a Python 2 ``unicode``

    dispatch[bytes] = save_py2_str
    dispatch[str] = save_ascii_str

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, np.dtype):  # numpy 1.x on Python 2: dtype('u1', 0, 1), flags as ints
            func, (spec, align, copy), state = obj.__reduce__()
            return func, (spec, int(align), int(copy)), state
        return NotImplemented

    def save_global(self, obj: Any, name: str | None = None) -> None:
        spec = _PY2_GLOBALS.get(id(obj))
        if spec is None:
            raise pickle.PicklingError(f"no Python 2 name known for {obj!r}")
        self.write(pickle.GLOBAL + spec)
        self.memoize(obj)



def _checked(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    X = check_matrix(X, "X", n_cols=N_FEATURES)
    if X.dtype != np.uint8:
        raise ValueError(f"X: expected dtype uint8, got dtype {X.dtype}")
    return np.ascontiguousarray(X), check_labels(y, "y", n_samples=X.shape[0], n_classes=len(CLASS_NAMES))


def _dump(path: str | Path, obj: dict[bytes, Any], protocol: int, python2: bool | None) -> Path:
    protocol = check_int(protocol, "protocol", low=0, high=4)  # 5 would need numpy's _frombuffer, not in the format
    python2 = protocol == 2 if python2 is None else python2
    if python2 and protocol != 2:
        raise ValueError(f"python2: the Python 2 layout exists only at protocol 2, got protocol {protocol}")
    buf = io.BytesIO()
    (_Python2Pickler(buf, protocol=2) if python2 else pickle.Pickler(buf, protocol=protocol)).dump(obj)
    path = Path(path)
    path.write_bytes(buf.getvalue())
    return path


def write_python_batch(
    path: str | Path, X: ArrayLike, y: ArrayLike, *, protocol: int = 2, python2: bool | None = None,
    batch_label: str = "synthetic batch",
) -> Path:
    """Write a python-version batch: a pickled dict like the official ``data_batch_1``.

    Parameters
    ----------
    path : str or Path
    X : array_like of shape (n, 3072), dtype uint8
    y : array_like of shape (n,)
        Labels in 0..9, stored as a list of ints (as officially).
    protocol : int, default 2
        Pickle protocol, 0..4 (the official files use 2).
    python2 : bool, optional
        Write the Python 2 byte layout of the official files; default: at protocol 2.
    batch_label : str
        Stored under ``b'batch_label'``; ``b'filenames'`` gets one name per image.
    """
    X, y = _checked(X, y)
    obj = {
        b"data": X,
        b"labels": [int(v) for v in y],
        b"batch_label": batch_label.encode(),
        b"filenames": [f"synthetic_{i:05d}.png".encode() for i in range(len(y))],
    }
    return _dump(path, obj, protocol, python2)


def write_meta(path: str | Path, names: Sequence[str] = CLASS_NAMES, *, num_cases_per_batch: int = 10000,
               protocol: int = 2, python2: bool | None = None) -> Path:
    """Write a python-version ``batches.meta`` (``b'label_names'``, ``b'num_cases_per_batch'``, ``b'num_vis'``)."""
    obj = {b"num_cases_per_batch": num_cases_per_batch, b"label_names": [n.encode() for n in names], b"num_vis": N_FEATURES}
    return _dump(path, obj, protocol, python2)


def write_binary_batch(path: str | Path, X: ArrayLike, y: ArrayLike) -> Path:
    """Write a binary-version batch: per image, 1 label byte then its 3072 pixel bytes."""
    X, y = _checked(X, y)
    path = Path(path)
    np.hstack([y.astype(np.uint8)[:, None], X]).tofile(path)
    return path


def write_binary_meta(path: str | Path, names: Sequence[str] = CLASS_NAMES) -> Path:
    """Write a binary-version ``batches.meta.txt``: one class name a line, then a blank line."""
    path = Path(path)
    path.write_text("".join(f"{n}\n" for n in names) + "\n", encoding="utf-8")
    return path


def synthetic_cifar10(rng: np.random.Generator, n_per_batch: int = 20, *, n_test: int | None = None,
                      noise: float = 40.0) -> ImageDataset:
    """A small dataset shaped like CIFAR-10: ``5 * n_per_batch`` training and ``n_test`` test images.

    The same ``rng`` state gives the same dataset, so a test can rebuild what a
    writer below wrote and compare bit for bit.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    n_per_batch = check_int(n_per_batch, "n_per_batch", low=1)
    n_test = n_per_batch if n_test is None else check_int(n_test, "n_test", low=1)
    templates = rng.integers(0, 256, size=(len(CLASS_NAMES), N_FEATURES))

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, len(CLASS_NAMES), size=n)
        X = np.clip(np.rint(templates[y] + rng.normal(0.0, noise, size=(n, N_FEATURES))), 0, 255)
        return X.astype(np.uint8), y.astype(np.int64)

    X_train, y_train = draw(5 * n_per_batch)
    X_test, y_test = draw(n_test)
    return ImageDataset("cifar10", X_train, y_train, X_test, y_test, CLASS_NAMES, (32, 32, 3))


def _write_tree(folder: Path, ds: ImageDataset, files: tuple[tuple[str, ...], str, str], binary: bool, protocol: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    train, test, meta = files
    n = ds.X_train.shape[0] // len(train)
    for i, name in enumerate(train):
        rows = slice(i * n, (i + 1) * n)
        if binary:
            write_binary_batch(folder / name, ds.X_train[rows], ds.y_train[rows])
        else:
            write_python_batch(folder / name, ds.X_train[rows], ds.y_train[rows], protocol=protocol,
                               batch_label=f"training batch {i + 1} of 5")
    if binary:
        write_binary_batch(folder / test, ds.X_test, ds.y_test)
        write_binary_meta(folder / meta, ds.class_names)
    else:
        write_python_batch(folder / test, ds.X_test, ds.y_test, protocol=protocol, batch_label="testing batch 1 of 1")
        write_meta(folder / meta, ds.class_names, num_cases_per_batch=n, protocol=protocol)
    return folder


def write_cifar10_python_tree(root: str | Path, rng: np.random.Generator, n_per_batch: int = 20, *,
                              n_test: int | None = None, protocol: int = 2) -> Path:
    """Write ``root/cifar-10-batches-py`` (5 training batches, ``test_batch``, ``batches.meta``).

    The data are :func:`synthetic_cifar10` ``(rng, n_per_batch, n_test=n_test)``.
    Returns the ``cifar-10-batches-py`` folder.
    """
    ds = synthetic_cifar10(rng, n_per_batch, n_test=n_test)
    return _write_tree(Path(root) / PYTHON_FOLDER, ds, PYTHON_FILES, binary=False, protocol=protocol)


def write_cifar10_binary_tree(root: str | Path, rng: np.random.Generator, n_per_batch: int = 20, *,
                              n_test: int | None = None) -> Path:
    """Write ``root/cifar-10-batches-bin`` (``data_batch_1.bin`` ..., ``test_batch.bin``, ``batches.meta.txt``).

    The data are :func:`synthetic_cifar10` ``(rng, n_per_batch, n_test=n_test)``.
    Returns the ``cifar-10-batches-bin`` folder.
    """
    ds = synthetic_cifar10(rng, n_per_batch, n_test=n_test)
    return _write_tree(Path(root) / BINARY_FOLDER, ds, BINARY_FILES, binary=True, protocol=2)


def make_cifar10_archive(path: str | Path, rng: np.random.Generator, n_per_batch: int = 20, *,
                         n_test: int | None = None) -> Path:
    """Write a ``.tar.gz`` laid out like ``cifar-10-python.tar.gz`` (one top folder ``cifar-10-batches-py``).

    The data are :func:`synthetic_cifar10` ``(rng, n_per_batch, n_test=n_test)``. The bytes
    depend only on the arguments (times, owners and modes are fixed), so the same
    seed gives the same MD5. Returns ``path``.
    """
    path = Path(path)

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
        info.mode = 0o755 if info.isdir() else 0o644
        return info

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_cifar10_python_tree(tmp, rng, n_per_batch, n_test=n_test)
        (folder / "readme.html").write_text("<html>synthetic CIFAR-10 for tests</html>\n", encoding="utf-8")
        with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            tar.add(folder, arcname=PYTHON_FOLDER, filter=normalise)  # members in sorted order
    return path
