r"""The globals a pickled numpy array may name, each a checked constructor of ours.

numpy pickles an array as ``_reconstruct(ndarray, (0,), b'b')`` followed by a
BUILD with ``(version, shape, dtype, is_fortran, raw_bytes)`` (protocols 0-4), or
as ``_frombuffer(buffer, dtype, shape, order)`` (protocol 5); a dtype as
``dtype('u1', False, True)`` plus a BUILD with its byte order; a numpy scalar as
``scalar(dtype, raw_bytes)``; and Python 3 writes ``bytes`` at protocols 0-2 as
``_codecs.encode(text, 'latin1')``. :data:`NUMPY_GLOBALS` maps exactly these
names (numpy 1.x ``numpy.core`` and numpy 2.x ``numpy._core``) to functions that

* admit only plain numeric dtypes (:data:`PLAIN_DTYPES`: no object, string,
  structured, sub-array or datetime dtypes);
* build an array only from a buffer whose length is exactly
  ``prod(shape) * itemsize`` (so no zero strides, no views of other memory, and
  no array left uninitialised: ``_reconstruct`` itself makes an empty array);
* charge the bytes they are about to allocate to the reader's budget first.

Arrays are read-only (they may be views of the bytes they were pickled in: copy
what you keep); numpy's own ``__setstate__`` stores a non-native byte order
byte-swapped to native, values unchanged.

``numpy.ndarray`` may be named, but only passed to ``_reconstruct``: calling it
would build an array over any memory with any strides.

Examples
--------
>>> import pickle, numpy as np
>>> from numerics.data.safe_pickle import load_pickle
>>> load_pickle(pickle.dumps(np.arange(3, dtype=np.int16), protocol=2), "ok", globals_=NUMPY_GLOBALS, builders=NUMPY_BUILDERS)
array([0, 1, 2], dtype=int16)
>>> load_pickle(pickle.dumps(np.array([1, 2], object), protocol=2), "evil", globals_=NUMPY_GLOBALS, builders=NUMPY_BUILDERS)
Traceback (most recent call last):
...
numerics.data.errors.DataFormatError: evil: refused: numpy.dtype: numpy.dtype('O8') holds Python objects; ...
"""

from __future__ import annotations

from math import prod
from typing import Any, Callable

import numpy as np

from numerics.data.safe_pickle import Constructor, Token

__all__ = ["PLAIN_DTYPES", "DtypeSpec", "NUMPY_GLOBALS", "NUMPY_BUILDERS", "MAX_NDIM"]

#: dtype codes (as numpy pickles them) an array may have.
PLAIN_DTYPES = ("b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8", "c8", "c16")
MAX_NDIM = 32
_NDARRAY = Token("numpy.ndarray")
_BYTEORDERS = ("<", ">", "|", "=")
Charge = Callable[[int], None]


def _text(value: Any, what: str) -> str:
    if isinstance(value, bytes):  # Python 2 ``str``, read as bytes
        return value.decode("latin-1")
    if not isinstance(value, str):
        raise TypeError(f"{what}: expected a string, got {type(value).__name__}")
    return value


def _flag(value: Any, what: str) -> bool:
    if type(value) is bool or (type(value) is int and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{what}: expected True/False or 0/1, got a {type(value).__name__}")


class DtypeSpec:
    """A checked plain dtype from a pickle, with the byte order its BUILD set."""

    __slots__ = ("code", "byteorder")

    def __init__(self, code: str) -> None:
        self.code, self.byteorder = code, "="

    def resolve(self) -> np.dtype[Any]:
        dt = np.dtype(self.code)
        return dt.newbyteorder(self.byteorder) if self.byteorder in "<>" and dt.itemsize > 1 else dt

    def __repr__(self) -> str:
        return f"DtypeSpec({self.code!r}, byteorder={self.byteorder!r})"


def _make_dtype(charge: Charge, spec: Any, align: Any = False, copy: Any = False) -> DtypeSpec:
    code = _text(spec, "numpy.dtype")
    _flag(align, "numpy.dtype align")
    _flag(copy, "numpy.dtype copy")
    if code not in PLAIN_DTYPES:
        why = "holds Python objects" if code.lstrip("<>|=").startswith("O") else "is not a plain numeric dtype"
        raise ValueError(f"numpy.dtype({code!r}) {why}; only plain numeric dtypes are allowed ({', '.join(PLAIN_DTYPES)})")
    charge(128)
    return DtypeSpec(code)


def _set_dtype_state(charge: Charge, spec: DtypeSpec, state: Any) -> None:
    if not (isinstance(state, tuple) and len(state) in (8, 9)):
        raise ValueError(f"a dtype state must be a tuple of 8 items, got {type(state).__name__} of length {len(state) if isinstance(state, tuple) else '-'}")
    version, order, subarray, names, fields, elsize, alignment, flags = state[:8]
    if type(version) is not int or version not in (3, 4):
        raise ValueError(f"dtype state version: expected 3 or 4, got {version!r:.40}")
    order = _text(order, "dtype byte order")
    if order not in _BYTEORDERS:
        raise ValueError(f"dtype byte order: expected one of {_BYTEORDERS}, got {order!r:.40}")
    if any(v is not None for v in (subarray, names, fields, *state[8:])):
        raise ValueError("a dtype with sub-arrays, fields or metadata; only plain numeric dtypes are allowed")
    if not all(type(v) is int for v in (elsize, alignment, flags)):
        raise ValueError("dtype state: size, alignment and flags must be integers")
    spec.byteorder = order


def _shape(value: Any) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or len(value) > MAX_NDIM or not all(type(v) is int and v >= 0 for v in value):
        raise ValueError(f"array shape: expected a tuple of at most {MAX_NDIM} integers >= 0, got {value!r:.80}")
    return tuple(value)


def _dtype(value: Any) -> np.dtype[Any]:
    if not isinstance(value, DtypeSpec):
        raise TypeError(f"array dtype: expected a pickled numpy.dtype, got {type(value).__name__}")
    return value.resolve()


def _buffer(charge: Charge, raw: Any, shape: tuple[int, ...], dt: np.dtype[Any]) -> bytes:
    """``raw`` as bytes, which must hold exactly ``prod(shape) * itemsize`` of them."""
    if isinstance(raw, str):  # numpy under Python 2 / protocol 0
        charge(len(raw))
        raw = raw.encode("latin-1")
    elif isinstance(raw, bytearray):  # protocol 5 in-band buffers
        charge(len(raw))
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        what = "a list (an object array's contents)" if isinstance(raw, list) else type(raw).__name__
        raise TypeError(f"array data: expected bytes, got {what}; only plain numeric arrays are allowed")
    need = prod(shape) * dt.itemsize
    if need != len(raw):
        raise ValueError(f"an array of shape {shape} and dtype {dt} needs {need} bytes of data, the file holds {len(raw)}")
    charge(256)
    return raw


def _reconstruct(charge: Charge, cls: Any, shape: Any, typecode: Any) -> np.ndarray[Any, Any]:
    if cls is not _NDARRAY or _shape(shape) != (0,) or _text(typecode, "typecode") != "b":
        raise ValueError("expected _reconstruct(numpy.ndarray, (0,), b'b') as numpy writes it")
    charge(256)
    return np.empty(0, np.int8)  # no bytes: an array never given its state stays empty, never uninitialised


def _set_array_state(charge: Charge, arr: np.ndarray[Any, Any], state: Any) -> None:
    if arr.size or arr.dtype != np.int8 or arr.shape != (0,):
        raise ValueError("an array's state set twice")
    if not (isinstance(state, tuple) and len(state) in (4, 5)):
        raise ValueError(f"an array state must be a tuple (version, shape, dtype, is_fortran, data), got {type(state).__name__}")
    if len(state) == 5 and (type(state[0]) is not int or state[0] not in (0, 1)):
        raise ValueError(f"array state version: expected 0 or 1, got {state[0]!r:.40}")
    shape_, dtype_, fortran, raw = state[-4:]
    shape, dt, fortran = _shape(shape_), _dtype(dtype_), _flag(fortran, "is_fortran")
    arr.__setstate__((1, shape, dt, fortran, _buffer(charge, raw, shape, dt)))
    arr.flags.writeable = False  # it may share the immutable bytes object it was built from


def _frombuffer(charge: Charge, buf: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray[Any, Any]:
    shape_, dt, order_ = _shape(shape), _dtype(dtype), _text(order, "order")
    if order_ not in ("C", "F"):
        raise ValueError(f"order: expected 'C' or 'F', got {order_!r:.20}")
    return np.frombuffer(_buffer(charge, buf, shape_, dt), dt).reshape(shape_, order=order_)  # type: ignore[call-overload]


def _scalar(charge: Charge, dtype: Any, raw: Any) -> Any:
    dt = _dtype(dtype)
    return np.frombuffer(_buffer(charge, raw, (1,), dt), dt)[0]


def _latin1_encode(charge: Charge, text: Any, encoding: Any = "utf-8") -> bytes:
    """``_codecs.encode`` restricted to latin-1: how Python 3 pickles ``bytes`` at protocols 0-2."""
    enc = _text(encoding, "encoding")
    if enc.lower().replace("-", "").replace("_", "") not in ("latin1", "latin", "iso88591", "l1"):
        raise ValueError(f"_codecs.encode with encoding {enc!r:.40}: only latin-1 is allowed")
    if not isinstance(text, str):
        raise TypeError(f"_codecs.encode: expected a str, got {type(text).__name__}")
    charge(len(text) + 64)
    return text.encode("latin-1")


def _empty_bytes(charge: Charge, *args: Any) -> bytes:
    """``bytes()``: how Python 3 pickles ``b''`` at protocols 0-2."""
    if args:
        raise TypeError("bytes(...) is allowed only with no arguments (the empty byte string)")
    return b""


_RECONSTRUCT = Constructor("numpy _reconstruct", _reconstruct)
_SCALAR = Constructor("numpy scalar", _scalar)
_FROMBUFFER = Constructor("numpy _frombuffer", _frombuffer)
_BYTES = Constructor("bytes", _empty_bytes)
#: (module, name) -> what a pickle naming it gets.
NUMPY_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,  # numpy 1.x (the official files)
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,  # numpy 2.x
    ("numpy.core.multiarray", "scalar"): _SCALAR,
    ("numpy._core.multiarray", "scalar"): _SCALAR,
    ("numpy.core.numeric", "_frombuffer"): _FROMBUFFER,  # protocol 5
    ("numpy._core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): Constructor("numpy.dtype", _make_dtype),
    ("_codecs", "encode"): Constructor("_codecs.encode", _latin1_encode),
    ("__builtin__", "bytes"): _BYTES,
    ("builtins", "bytes"): _BYTES,
}
#: The types BUILD may set state on, and how.
NUMPY_BUILDERS: dict[type, Callable[..., None]] = {np.ndarray: _set_array_state, DtypeSpec: _set_dtype_state}
