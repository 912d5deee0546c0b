"""A corpus of hostile CIFAR-10 data files, built at run time, each with its expected outcome.

Every case writes its file(s) into a folder it is given and names the loader to
run on them and what must happen: a specific error (type and message pattern), or
acceptance with a check of what was loaded. The pickles are assembled opcode by
opcode with the small helpers below, so each one is exactly the attack it names
(no pickler would write most of them).

>>> case = CORPUS["9-byte memo index 2**32-1"]
>>> case.loader, case.error.__name__, case.match
('python_batch', 'DataFormatError', 'expected a pickled dict, got NoneType')
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from numerics.data import DataFormatError, DownloadError, UnsafePickleError
from numerics.data.cifar import (
    CLASS_NAMES, PYTHON_FOLDER, load_binary_batch, load_binary_meta, load_cifar10, load_python_batch, load_python_meta,
)
from numerics.data.download import download_cifar10, file_md5
from numerics.data.official_format import write_meta, write_python_batch
from numerics.data.subset import load_cifar10_subset

# ---------------------------------------------------------------- a tiny pickle assembler
STOP, MARK, TUPLE, REDUCE, BUILD, NONE = b".", b"(", b"t", b"R", b"b", b"N"
EMPTY_DICT, EMPTY_LIST, SETITEM, SETITEMS, APPEND, APPENDS = b"}", b"]", b"s", b"u", b"a", b"e"
TRUE, FALSE, PROTO2, PROTO4, POP = b"\x88", b"\x89", b"\x80\x02", b"\x80\x04", b"0"


def text(s: str) -> bytes:
    """BINUNICODE."""
    e = s.encode()
    return b"X" + struct.pack("<I", len(e)) + e


def raw(b: bytes) -> bytes:
    """BINBYTES."""
    return b"B" + struct.pack("<I", len(b)) + b


def num(i: int) -> bytes:
    """BININT for 32-bit values, LONG1 beyond."""
    if -(1 << 31) <= i < (1 << 31):
        return b"J" + struct.pack("<i", i)
    n = (i.bit_length() + 8) // 8
    return b"\x8a" + bytes([n]) + i.to_bytes(n, "little", signed=True)


def tup(*items: bytes) -> bytes:
    return MARK + b"".join(items) + TUPLE


def glob(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def call(module: str, name: str, *args: bytes) -> bytes:
    return glob(module, name) + tup(*args) + REDUCE


def ints(shape: tuple[int, ...]) -> bytes:
    return tup(*(num(s) for s in shape))


def dtype(code: str, order: str = "|", *, subarray: bytes = NONE, fields: bytes = NONE) -> bytes:
    state = tup(num(3), text(order), subarray, NONE, fields, num(-1), num(-1), num(0))
    return call("numpy", "dtype", text(code), FALSE, TRUE) + state + BUILD


def array(shape: tuple[int, ...], code: str, data: bytes, order: str = "|", *, module: str = "numpy.core.multiarray",
          rec_shape: tuple[int, ...] = (0,), build: bool = True, data_op: bytes | None = None) -> bytes:
    """``_reconstruct(ndarray, rec_shape, b'b')`` then BUILD ``(1, shape, dtype, False, data)``."""
    ops = call(module, "_reconstruct", glob("numpy", "ndarray"), ints(rec_shape), raw(b"b"))
    if build:
        ops += tup(num(1), ints(shape), dtype(code, order), FALSE, raw(data) if data_op is None else data_op) + BUILD
    return ops


def labels_list(labels: list[int]) -> bytes:
    return EMPTY_LIST + MARK + b"".join(num(v) for v in labels) + APPENDS


def batch_dict(data_ops: bytes, labels_ops: bytes) -> bytes:
    return PROTO2 + EMPTY_DICT + MARK + text("data") + data_ops + text("labels") + labels_ops + SETITEMS + STOP


def meta_dict(names_ops: bytes) -> bytes:
    return PROTO2 + EMPTY_DICT + text("label_names") + names_ops + SETITEM + STOP


GOOD = np.arange(2 * 3072, dtype=np.int64).reshape(2, 3072).astype(np.uint8)


def good_batch(**array_kw: Any) -> bytes:
    return batch_dict(array((2, 3072), "u1", GOOD.tobytes(), **array_kw), labels_list([3, 7]))


# ---------------------------------------------------------------- cases
#: What each case's ``loader`` name runs on the path its ``build`` returned.
LOADERS: dict[str, Callable[[Path], Any]] = {
    "python_batch": load_python_batch,
    "python_meta": load_python_meta,
    "binary_batch": load_binary_batch,
    "binary_meta": load_binary_meta,
    "subset": load_cifar10_subset,
    "cifar10": load_cifar10,
    # the archive is already in the folder, with the MD5 passed: extraction only, no network
    "download": lambda p: download_cifar10(p.parent, url="http://127.0.0.1:9/never-used", md5=file_md5(p), progress=False),
}


@dataclass(frozen=True)
class Case:
    """One hostile input: ``build(folder) -> path``; :data:`LOADERS` ``[loader]`` runs on it.

    ``error`` / ``match``: the exception type and a regex its message must match
    (``None``: the input is legitimate and must load, and ``check`` is run on the result).
    ``file_named``: the message must name the file (or folder) built.
    """

    build: Callable[[Path], Path]
    loader: str
    error: type[Exception] | None
    match: str = ""
    check: Callable[[Any], None] | None = None
    file_named: bool = True
    subprocess: bool = False  # run in a child with a timeout (could hang, or is too many ops for tracemalloc)


def _file(name: str, content: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path
    return build


def _sparse(name: str, size: int) -> Callable[[Path], Path]:
    """A file that claims ``size`` bytes without using the disk (a hole): refused before any byte is read."""
    def build(folder: Path) -> Path:
        path = folder / name
        with open(path, "wb") as f:
            f.truncate(size)
        return path
    return build


def _batch(content: bytes) -> Callable[[Path], Path]:
    return _file("data_batch_1", content)


def _subset_with(name: str, make: Callable[[Path], None]) -> Callable[[Path], Path]:
    """A valid subset folder, then ``make(folder / name)`` replaces or adds one entry."""
    def build(folder: Path) -> Path:
        sub = folder / "subset"
        sub.mkdir()
        rng = np.random.default_rng(0)
        write_python_batch(sub / "data_batch_1_first3", rng.integers(0, 256, (3, 3072), dtype=np.uint8), [0, 1, 2])
        write_python_batch(sub / "test_batch_first2", rng.integers(0, 256, (2, 3072), dtype=np.uint8), [3, 4])
        write_meta(sub / "batches.meta")
        target = sub / name
        if target.exists():
            target.unlink()
        make(target)
        return sub
    return build


def _outside_batch(target: Path) -> None:
    outside = target.parent.parent / "outside_batch"
    write_python_batch(outside, np.zeros((2, 3072), np.uint8), [0, 0])
    target.symlink_to(outside)


def _tree_with(name: str, make: Callable[[Path], None], binary: bool = False) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        from numerics.data.official_format import write_cifar10_binary_tree, write_cifar10_python_tree
        writer = write_cifar10_binary_tree if binary else write_cifar10_python_tree
        tree = writer(folder / "root", np.random.default_rng(1), 1)
        (tree / name).unlink()
        make(tree / name)
        return folder / "root"
    return build


def _tar(members: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                tar.addfile(m)
            else:
                info = tarfile.TarInfo(m[0])
                info.size = len(m[1])
                tar.addfile(info, io.BytesIO(m[1]))
    return buf.getvalue()


def _info(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info


def _huge_member_archive() -> bytes:
    """A gzip of one tar header claiming a 1 TiB member, and no data: refused at the header."""
    info = tarfile.TarInfo(f"{PYTHON_FOLDER}/data_batch_1")
    info.size = 1 << 40
    return gzip.compress(info.tobuf(tarfile.GNU_FORMAT) + b"\0" * 1024, mtime=0)


def _archive(content: bytes) -> Callable[[Path], Path]:
    return _file("cifar-10-python.tar.gz", content)


def _check_good(result: Any) -> None:
    X, y = result
    assert np.array_equal(X, GOOD) and y.tolist() == [3, 7] and X.flags.writeable


def _check_fortran(result: Any) -> None:
    X, _ = result
    assert np.array_equal(X, GOOD) and X.flags.c_contiguous


def _check_names(result: Any) -> None:
    assert result == CLASS_NAMES


def _check_subset(result: Any) -> None:
    assert result.X_train.shape == (3, 3072) and result.X_test.shape == (2, 3072)


def _legit(obj: Any, protocol: int) -> bytes:
    return pickle.dumps(obj, protocol=protocol)


_ND = ("numpy", "ndarray")
_REFUSED_CALL = r"refused to call numpy\.ndarray .*nothing from it was run"
_CLAIM = (600_000, 3072)
_BIG_STRING = text("x" * (1 << 20))
_PWN = tup(text("touch /tmp/gradproof-hostile-pwned"))

CORPUS: dict[str, Case] = {
    # --- numpy.ndarray called directly: object arrays of forged pointers, zero strides
    "object ndarray in batches.meta": Case(_file("batches.meta", meta_dict(
        call(*_ND, ints((10,)), text("O"), raw(b"\x41" * 80)))), "python_meta", UnsafePickleError, _REFUSED_CALL),
    "zero-stride ndarray claiming 600,000 images": Case(_batch(batch_dict(
        call(*_ND, ints(_CLAIM), text("u1"), raw(b"\0"), num(0), ints((0, 0))), labels_list([0]))),
        "python_batch", UnsafePickleError, _REFUSED_CALL),
    # --- _reconstruct misuse
    "_reconstruct never given data": Case(_batch(batch_dict(array((2, 3072), "u1", b"", build=False), labels_list([3, 7]))),
                                          "python_batch", DataFormatError, r"got shape \(0,\) and dtype int8"),
    "_reconstruct of a 600,000-image shape": Case(_batch(batch_dict(array(_CLAIM, "u1", b"", rec_shape=_CLAIM, build=False),
                                                                    labels_list([0]))),
                                                  "python_batch", DataFormatError, r"refused: .*_reconstruct\(numpy\.ndarray, \(0,\)"),
    "state claims 600,000 images, holds 100 bytes": Case(_batch(batch_dict(array(_CLAIM, "u1", b"\0" * 100), labels_list([0]))),
                                                         "python_batch", DataFormatError, "needs 1843200000 bytes of data, the file holds 100"),
    "state holds one byte too many": Case(_batch(batch_dict(array((2, 3072), "u1", GOOD.tobytes() + b"\0"), labels_list([3, 7]))),
                                          "python_batch", DataFormatError, "needs 6144 bytes of data, the file holds 6145"),
    "object dtype in the array state": Case(_batch(batch_dict(array((2,), "O8", b"\x41" * 16), labels_list([0, 0]))),
                                            "python_batch", DataFormatError, r"numpy\.dtype\('O8'\) holds Python objects"),
    "object array contents as a list": Case(_batch(batch_dict(array((1,), "u1", b"", data_op=EMPTY_LIST), labels_list([0]))),
                                            "python_batch", DataFormatError, "got a list .*only plain numeric arrays"),
    "structured dtype": Case(_batch(batch_dict(array((1,), "V8", b"\0" * 8), labels_list([0]))),
                             "python_batch", DataFormatError, r"numpy\.dtype\('V8'\) is not a plain numeric dtype"),
    "sub-array dtype state": Case(_batch(batch_dict(
        call("numpy.core.multiarray", "_reconstruct", glob(*_ND), ints((0,)), raw(b"b"))
        + tup(num(1), ints((1,)), dtype("u1", subarray=tup(text("u1"), ints((1 << 30,)))), FALSE, raw(b"\0")) + BUILD,
        labels_list([0]))), "python_batch", DataFormatError, "sub-arrays, fields or metadata"),
    "negative dimension": Case(_batch(batch_dict(array((-1, 3072), "u1", b""), labels_list([0]))),
                               "python_batch", DataFormatError, r"array shape: expected a tuple .* integers >= 0"),
    "array state set twice": Case(_batch(batch_dict(
        array((1,), "u1", b"\0") + tup(num(1), ints((2, 3072)), dtype("u1"), FALSE, raw(GOOD.tobytes())) + BUILD,
        labels_list([0]))), "python_batch", DataFormatError, "state set twice"),
    "_codecs.encode with rot13": Case(_batch(batch_dict(call("_codecs", "encode", text("abc"), text("rot13")), labels_list([0]))),
                                      "python_batch", DataFormatError, "only latin-1 is allowed"),
    "_codecs.encode repeated on a 1 MiB string": Case(_batch(
        PROTO2 + _BIG_STRING + b"q\x00" + EMPTY_LIST + MARK
        + (glob("_codecs", "encode") + b"h\x00" + text("latin1") + b"\x86" + REDUCE) * 64 + APPENDS + STOP),
        "python_batch", DataFormatError, "would take more than .* bytes of memory"),
    # --- memo, lengths, integers
    "9-byte memo index 2**32-1": Case(_batch(PROTO2 + NONE + b"r\xff\xff\xff\xff" + STOP),
                                      "python_batch", DataFormatError, "expected a pickled dict, got NoneType"),
    "memo read never written": Case(_batch(PROTO2 + b"j\xff\xff\xff\x7f" + STOP), "python_batch", DataFormatError,
                                    "memo index 2147483647 was never stored"),
    "BINBYTES8 claims 2**62 bytes": Case(_batch(PROTO4 + b"\x8e" + struct.pack("<Q", 1 << 62) + b"abc" + STOP),
                                         "python_batch", DataFormatError, "declares 4611686018427387904 bytes but only 4 remain"),
    "BYTEARRAY8 claims 2**63 bytes": Case(_batch(b"\x80\x05\x96" + struct.pack("<Q", 1 << 63) + STOP),
                                          "python_batch", DataFormatError, "declares 9223372036854775808 bytes but only 1 remain"),
    "BINUNICODE claims 4 GiB": Case(_batch(PROTO2 + b"X\xff\xff\xff\xff" + b"x" * 10 + STOP),
                                    "python_batch", DataFormatError, "declares 4294967295 bytes but only 11 remain"),
    "LONG4 claims 2**31-1 bytes": Case(_batch(PROTO2 + b"\x8b\xff\xff\xff\x7f" + STOP),
                                       "python_batch", DataFormatError, "an integer of 2147483647 bytes"),
    "FRAME larger than the file": Case(_batch(PROTO4 + b"\x95" + struct.pack("<Q", 1 << 40) + NONE + STOP),
                                       "python_batch", DataFormatError, "FRAME declares 1099511627776 bytes"),
    "label beyond int64": Case(_batch(batch_dict(array((2, 3072), "u1", GOOD.tobytes()), EMPTY_LIST + MARK + num(1 << 100)
                                                 + num(0) + APPENDS)), "python_batch", DataFormatError, "labels"),
    # --- structure
    "5,000 nested lists": Case(_batch(PROTO2 + EMPTY_LIST * 5_000 + APPEND * 4_999 + STOP),
                                 "python_batch", DataFormatError, "nested more than 32 deep"),
    "100 nested marks": Case(_batch(PROTO2 + MARK * 100 + STOP), "python_batch", DataFormatError, "more than 64 nested marks"),
    "a list that contains itself": Case(_batch(PROTO2 + EMPTY_LIST + b"q\x00h\x00" + APPEND + STOP),
                                        "python_batch", DataFormatError, "contains itself"),
    "APPEND onto a dict": Case(_batch(PROTO2 + EMPTY_DICT + NONE + APPEND + STOP), "python_batch", DataFormatError,
                               r"APPEND\(S\) on a dict, not a list"),
    "SETITEM onto a list": Case(_batch(PROTO2 + EMPTY_LIST + NONE + NONE + SETITEM + STOP), "python_batch",
                                DataFormatError, r"SETITEM\(S\) on a list, not a dict"),
    "a list as a dict key": Case(_batch(PROTO2 + EMPTY_DICT + EMPTY_LIST + num(1) + SETITEM + STOP),
                                 "python_batch", DataFormatError, "dict key of type list"),
    "200,000 empty lists": Case(_batch(PROTO2 + EMPTY_LIST * 200_000 + STOP),
                                "python_batch", DataFormatError, "would take more than .* bytes of memory", subprocess=True),
    "2,200,000 no-op opcodes": Case(_batch(PROTO2 + (NONE + POP) * 1_100_000 + NONE + STOP),
                                       "python_batch", DataFormatError, "more than 2000000 pickle operations",
                                       subprocess=True),
    "trailing bytes after STOP": Case(_batch(good_batch() + b"\0" * 100), "python_batch", DataFormatError,
                                      "100 bytes after the end of the pickle"),
    "empty file": Case(_batch(b""), "python_batch", DataFormatError, "ends before the pickle does"),
    "a JPEG, not a pickle": Case(_batch(b"\xff\xd8\xff\xe0" + b"\0" * 50), "python_batch", DataFormatError, "unknown opcode"),
    "truncated in the pixel data": Case(_batch(good_batch()[:3000]), "python_batch", DataFormatError, "truncated or corrupt"),
    # --- code-running routes
    "GLOBAL os.system": Case(_batch(PROTO2 + call("os", "system", text("touch /tmp/gradproof-hostile-pwned")) + STOP),
                             "python_batch", UnsafePickleError, r"refused to load the global 'os\.system'"),
    "STACK_GLOBAL builtins.eval": Case(_batch(PROTO4 + b"\x8c\x08builtins\x8c\x04eval\x93" + _PWN + REDUCE + STOP),
                                       "python_batch", UnsafePickleError, r"refused to load the global 'builtins\.eval'"),
    "INST subprocess.call": Case(_batch(b"(S'ls'\nisubprocess\ncall\n."), "python_batch", UnsafePickleError,
                                 r"refused to load the global 'subprocess\.call'"),
    "OBJ with an allowed class": Case(_batch(PROTO2 + MARK + glob(*_ND) + b"o" + STOP), "python_batch", UnsafePickleError,
                                      "refused the OBJ opcode"),
    "EXT2 extension code": Case(_batch(PROTO2 + b"\x83\xef\xbe" + STOP), "python_batch", UnsafePickleError,
                                "extension code 48879"),
    "NEWOBJ": Case(_batch(PROTO2 + glob(*_ND) + tup() + b"\x81" + STOP), "python_batch", DataFormatError, "NEWOBJ opcode"),
    "persistent id": Case(_batch(b"P1\n."), "python_batch", DataFormatError, "persistent"),
    "out-of-band buffer": Case(_batch(b"\x80\x05\x97" + STOP), "python_batch", DataFormatError, "out-of-band buffers"),
    "a set of strings": Case(_batch(PROTO4 + b"\x8f" + STOP), "python_batch", DataFormatError, "EMPTY_SET opcode"),
    "bytes() with an argument": Case(_batch(PROTO2 + call("builtins", "bytes", num(1 << 30)) + STOP),
                                     "python_batch", DataFormatError, r"bytes\(\.\.\.\) is allowed only with no arguments"),
    # --- meta files
    "meta names not UTF-8": Case(_file("batches.meta", meta_dict(EMPTY_LIST + MARK + raw(b"\xff\xfe") * 10 + APPENDS)),
                                 "python_meta", DataFormatError, "expected UTF-8 class names"),
    "meta with 5,000 names": Case(_file("batches.meta", meta_dict(EMPTY_LIST + MARK + text("cat") * 5_000 + APPENDS)),
                                    "python_meta", DataFormatError, r"expected 10 non-empty class names, got \['cat', .*\.\.\.\]$"),
    "meta with a terminal escape in a name": Case(_file("batches.meta", meta_dict(
        EMPTY_LIST + MARK + text("\x1b[2Jcat") + text("dog") * 9 + APPENDS)), "python_meta", DataFormatError,
        "expected printable class names"),
    "binary meta with a 1000-character name": Case(_file("batches.meta.txt", ("x" * 1000 + "\n" + "dog\n" * 9).encode()),
                                                   "binary_meta", DataFormatError, "at most 64 characters"),
    "meta of 2 MiB": Case(_file("batches.meta", b"\0" * (2 << 20)), "python_meta", DataFormatError,
                          "2097152 bytes, more than the 1048576 bytes"),
    "python batch of 300 MiB (sparse)": Case(_sparse("data_batch_1", 300 << 20), "python_batch", DataFormatError,
                                             "314572800 bytes, more than the 268435456 bytes a CIFAR-10 python batch"),
    "binary batch of 300 MiB (sparse)": Case(_sparse("data_batch_1.bin", 300 << 20), "binary_batch", DataFormatError,
                                             "314572800 bytes, more than the 268435456 bytes a CIFAR-10 binary batch"),
    "binary batch with label 255": Case(_file("data_batch_1.bin", b"\xff" + bytes(3072)), "binary_batch",
                                        DataFormatError, r"labels in 0\.\.9, got 255"),
    "binary meta of 2 MiB": Case(_file("batches.meta.txt", b"cat\n" * (1 << 19)), "binary_meta", DataFormatError,
                                 "more than the 1048576 bytes"),
    # --- files that are not regular files
    "FIFO named like a subset batch": Case(_subset_with("data_batch_1_first3", lambda p: os.mkfifo(p)), "subset",
                                           DataFormatError, r"data_batch_1_first3: is a FIFO \(named pipe\), not a regular file",
                                           subprocess=True),
    "/dev/zero link as the subset test batch": Case(_subset_with("test_batch_first2", lambda p: p.symlink_to("/dev/zero")),
                                                    "subset", DataFormatError, "test_batch_first2: is a symbolic link",
                                                    subprocess=True),
    "link to a batch outside the subset folder": Case(_subset_with("data_batch_2_first2", _outside_batch), "subset",
                                                      DataFormatError, "data_batch_2_first2: is a symbolic link"),
    "dangling batches.meta link": Case(_subset_with("batches.meta", lambda p: p.symlink_to("/nonexistent/meta")), "subset",
                                       DataFormatError, "batches.meta: is a symbolic link"),
    "two parts of one training batch": Case(_subset_with("data_batch_1_first2", lambda p: write_python_batch(
        p, np.zeros((2, 3072), np.uint8), [0, 0])), "subset", DataFormatError, "more than one part of the same training batch"),
    "a subset file with fewer rows than its name": Case(_subset_with("test_batch_first2", lambda p: write_python_batch(
        p.with_name("test_batch_first9"), np.zeros((2, 3072), np.uint8), [0, 0])), "subset", DataFormatError,
        "named for its first 9 rows but holds 2"),
    "batches.meta is a folder": Case(_subset_with("batches.meta", lambda p: p.mkdir()), "subset", DataFormatError,
                                     "batches.meta: is a folder"),
    "FIFO as data_batch_3 of the official tree": Case(_tree_with("data_batch_3", lambda p: os.mkfifo(p)), "cifar10",
                                                      DataFormatError, "data_batch_3: is a FIFO", subprocess=True),
    "/dev/zero link as a binary batch": Case(_tree_with("data_batch_1.bin", lambda p: p.symlink_to("/dev/zero"), binary=True),
                                             "cifar10", DataFormatError, r"data_batch_1\.bin: is a symbolic link", subprocess=True),
    # --- archives (the file is already in the folder with the MD5 the test passes)
    "archive hard link member": Case(_archive(_tar([_info(f"{PYTHON_FOLDER}/data_batch_1", tarfile.LNKTYPE, "/etc/passwd")])),
                                     "download", DownloadError, "a link or special file"),
    "archive device member": Case(_archive(_tar([_info(f"{PYTHON_FOLDER}/data_batch_1", tarfile.CHRTYPE)])),
                                  "download", DownloadError, "a link or special file"),
    "archive sparse member": Case(_archive(_tar([_info(f"{PYTHON_FOLDER}/data_batch_1", tarfile.GNUTYPE_SPARSE)])),
                                  "download", DownloadError, "a link or special file"),
    "archive FIFO member": Case(_archive(_tar([_info(f"{PYTHON_FOLDER}/data_batch_1", tarfile.FIFOTYPE)])),
                                "download", DownloadError, "a link or special file"),
    "archive absolute path": Case(_archive(_tar([("/tmp/gradproof-hostile-abs", b"x")])), "download", DownloadError,
                                  "would land outside"),
    "archive 1 TiB member header": Case(_archive(_huge_member_archive()), "download", DownloadError,
                                        "1099511627776 bytes, more than 67108864"),
    "archive of 100 members": Case(_archive(_tar([(f"{PYTHON_FOLDER}/f{i}", b"x") for i in range(100)])), "download",
                                   DownloadError, "more than 64 members"),
    "archive duplicate member": Case(_archive(_tar([(f"{PYTHON_FOLDER}/data_batch_1", b"x")] * 2)), "download",
                                     DownloadError, "twice"),
    # --- legitimate files written in unusual but valid ways: accepted
    "valid: numpy 2 names (numpy._core)": Case(_batch(good_batch(module="numpy._core.multiarray")), "python_batch", None,
                                               check=_check_good),
    "valid: Python 2 layout (numpy.core, py2 strings)": Case(
        lambda folder: write_python_batch(folder / "data_batch_1", GOOD, [3, 7], python2=True), "python_batch", None,
        check=_check_good),
    "valid: protocol 5 (_frombuffer, BYTEARRAY8)": Case(_batch(_legit({b"data": GOOD, b"labels": [3, 7]}, 5)),
                                                        "python_batch", None, check=_check_good),
    "valid: protocol 0": Case(_batch(_legit({b"data": GOOD, b"labels": [3, 7]}, 0)), "python_batch", None,
                              check=_check_good),
    "valid: Fortran-ordered pixels": Case(_batch(_legit({b"data": np.asfortranarray(GOOD), b"labels": [3, 7]}, 4)),
                                          "python_batch", None, check=_check_fortran),
    "valid: big-endian int16 label array": Case(_batch(_legit({b"data": GOOD, b"labels": np.array([3, 7], ">i2")}, 2)),
                                                "python_batch", None, check=_check_good),
    "valid: numpy int64 scalars as labels": Case(_batch(_legit({b"data": GOOD, b"labels": [np.int64(3), np.int64(7)]}, 2)),
                                                 "python_batch", None, check=_check_good),
    "valid: meta written by Python 3 at protocol 2": Case(lambda folder: write_meta(folder / "batches.meta", python2=False),
                                                          "python_meta", None, check=_check_names),
    "valid: subset folder with a README": Case(_subset_with("README.md", lambda p: p.write_text("hello")), "subset", None,
                                               check=_check_subset, file_named=False),
}
