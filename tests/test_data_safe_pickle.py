"""The bounded pickle reader and the regular-file reader: valid pickles round-trip, limits hold at their edges, fuzzed files fail cleanly."""

from __future__ import annotations

import os
import pickle
import socket
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics.data import DataFormatError, DataNotFoundError, UnsafePickleError
from numerics.data import files
from numerics.data.cifar import load_python_batch
from numerics.data.files import read_regular_file
from numerics.data.official_format import write_python_batch
from numerics.data.pickle_numpy import NUMPY_BUILDERS, NUMPY_GLOBALS, PLAIN_DTYPES
from numerics.data.safe_pickle import Constructor, PickleLimits, load_pickle


def _load(blob: bytes, limits: PickleLimits = PickleLimits()) -> object:
    return load_pickle(blob, "f", globals_=NUMPY_GLOBALS, builders=NUMPY_BUILDERS, limits=limits)


@given(code=st.sampled_from(PLAIN_DTYPES), order=st.sampled_from("<>"), shape=st.lists(st.integers(0, 4), max_size=3),
       fortran=st.booleans(), protocol=st.integers(0, 5), seed=st.integers(0, 2**32 - 1))
def test_plain_arrays_round_trip_at_every_protocol(code: str, order: str, shape: list[int], fortran: bool,
                                                   protocol: int, seed: int) -> None:
    dt = np.dtype(code).newbyteorder(order) if np.dtype(code).itemsize > 1 else np.dtype(code)
    raw = np.random.default_rng(seed).integers(0, 256, size=int(np.prod(shape)) * dt.itemsize, dtype=np.uint8)
    a = np.frombuffer(raw.tobytes(), dt).reshape(shape)
    a = np.asfortranarray(a) if fortran else a
    obj = {b"a": a, "labels": [1, -2, 2**40], "x": (1.5, None, True, b"", "é")}
    got = _load(pickle.dumps(obj, protocol=protocol))
    ref = pickle.loads(pickle.dumps(obj, protocol=protocol))
    assert isinstance(got, dict) and got.keys() == ref.keys() and got["labels"] == ref["labels"] and got["x"] == ref["x"]
    # numpy's own __setstate__ byte-swaps to native order; _frombuffer (protocol 5) keeps the file's order
    assert got[b"a"].dtype.newbyteorder("=") == a.dtype.newbyteorder("=") and got[b"a"].shape == a.shape
    assert got[b"a"].astype(a.dtype).tobytes() == a.tobytes()  # bit-exact values (NaN payloads included)
    assert not got[b"a"].flags.writeable  # a view of the file's bytes: read-only


@pytest.fixture(scope="module")
def valid_batches(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    folder = tmp_path_factory.mktemp("fuzz")
    X = np.arange(2 * 3072).reshape(2, 3072).astype(np.uint8)
    blobs = [write_python_batch(folder / f"p{p}", X, [1, 2], protocol=p).read_bytes() for p in (0, 2, 4)]
    return [*blobs, pickle.dumps({b"data": X, b"labels": [1, 2]}, protocol=5)]


@given(which=st.integers(0, 3), edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255),
                                                          st.sampled_from(["set", "insert", "delete", "cut"])),
                                                min_size=1, max_size=4))
def test_fuzzed_batches_fail_only_with_a_data_error(tmp_path_factory: pytest.TempPathFactory, valid_batches: list[bytes],
                                                    which: int, edits: list[tuple[float, int, str]]) -> None:
    blob = bytearray(valid_batches[which])
    for where, byte, how in edits:
        i = int(where * len(blob)) if blob else 0
        if how == "set" and blob:
            blob[i] = byte
        elif how == "insert":
            blob[i:i] = bytes([byte])
        elif how == "delete" and blob:
            del blob[i]
        elif how == "cut":
            del blob[i:]
    path = tmp_path_factory.mktemp("f") / "data_batch_1"
    path.write_bytes(bytes(blob))
    try:
        X, y = load_python_batch(path)
    except DataFormatError as exc:  # UnsafePickleError is one
        assert str(path) in str(exc)
    else:
        assert X.dtype == np.uint8 and X.shape[1] == 3072 and y.shape == (X.shape[0],) and y.min() >= 0 and y.max() <= 9


def _nested(depth: int) -> bytes:
    return b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."


def test_nesting_limit_is_exact() -> None:
    assert isinstance(_load(_nested(32)), list)
    with pytest.raises(DataFormatError, match="nested more than 32 deep"):
        _load(_nested(33))


def test_shared_but_acyclic_structures_are_fine() -> None:
    shared = [1, 2]
    assert _load(pickle.dumps([shared, shared, (shared,)], protocol=2)) == [[1, 2], [1, 2], ([1, 2],)]


def test_op_and_budget_limits_are_exact() -> None:
    blob = b"\x80\x02" + b"N0" * 10 + b"N."  # PROTO + 21 pushes/pops + STOP = 23 operations
    assert _load(blob, PickleLimits(max_ops=23)) is None
    with pytest.raises(DataFormatError, match="more than 22 pickle operations"):
        _load(blob, PickleLimits(max_ops=22))
    text = b"\x80\x02X" + struct.pack("<I", 1000) + b"a" * 1000 + b"."
    assert _load(text, PickleLimits(budget_factor=0, budget_extra=1000 + 64 + 8)) == "a" * 1000
    with pytest.raises(DataFormatError, match="would take more than 1071 bytes of memory"):
        _load(text, PickleLimits(budget_factor=0, budget_extra=1000 + 64 + 7))


def test_a_global_that_is_not_a_constructor_is_never_called() -> None:
    called = []
    blob = b"\x80\x02cm\nf\n)R."  # GLOBAL m.f, EMPTY_TUPLE, REDUCE
    with pytest.raises(UnsafePickleError, match="refused to call a function"):
        load_pickle(blob, "f", globals_={("m", "f"): lambda *a: called.append(a)}, builders={})
    assert called == []
    assert load_pickle(blob, "f", globals_={("m", "f"): Constructor("f", lambda charge: 5)}, builders={}) == 5


def test_huge_memo_index_costs_nothing() -> None:
    blob = b"\x80\x02N" + b"".join(b"r" + struct.pack("<I", 2**32 - 1 - i) for i in range(1000)) + b"j\xff\xff\xff\xff."
    assert _load(blob) is None


def test_a_file_swapped_after_lstat_is_caught_by_fstat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    regular = tmp_path / "regular"
    regular.write_bytes(b"x")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    real_lstat = os.lstat
    monkeypatch.setattr(files.os, "lstat", lambda p: real_lstat(regular))  # as if the FIFO appeared after the lstat
    with pytest.raises(DataFormatError, match="is a FIFO"):
        read_regular_file(fifo, max_bytes=10, what="thing")


@pytest.mark.parametrize("change", [-1, +1])
def test_a_file_that_changes_size_while_read_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        change: int) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    real_fstat = os.fstat

    def fstat(fd: int) -> os.stat_result:  # as if the file grew or shrank between fstat and read
        st = list(real_fstat(fd))
        st[6] += change  # st_size
        return os.stat_result(st)

    monkeypatch.setattr(files.os, "fstat", fstat)
    with pytest.raises(DataFormatError, match="changed size while being read"):
        read_regular_file(path, max_bytes=100, what="thing")


def test_read_regular_file_limits(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_regular_file(path, max_bytes=100, what="thing") == b"x" * 100
    with pytest.raises(DataFormatError, match="100 bytes, more than the 99 bytes a thing can have"):
        read_regular_file(path, max_bytes=99, what="thing")
    with pytest.raises(DataNotFoundError, match="no such file"):
        read_regular_file(tmp_path / "missing", max_bytes=1, what="thing")
    with pytest.raises(DataFormatError, match="is a folder, not a regular file"):
        read_regular_file(tmp_path, max_bytes=1, what="thing")
    sock_path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(sock_path))
        with pytest.raises(DataFormatError, match="is a socket, not a regular file"):
            read_regular_file(sock_path, max_bytes=1, what="thing")
    (tmp_path / "link").symlink_to(path)  # even a link to a good file inside the folder
    with pytest.raises(DataFormatError, match="is a symbolic link"):
        read_regular_file(tmp_path / "link", max_bytes=100, what="thing")
