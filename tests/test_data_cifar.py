"""CIFAR-10 loaders: round trips of both official formats, the restricted unpickler, format errors."""

from __future__ import annotations

import copyreg
import os
import pickle
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics.data import DataFormatError, DataNotFoundError, ImageDataset, UnsafePickleError, load_dataset
from numerics.data.cifar import (
    BINARY_FOLDER, CLASS_NAMES, PYTHON_FOLDER, find_cifar10, load_binary_batch, load_binary_meta, load_cifar10,
    load_python_batch, load_python_meta,
)
from numerics.data.official_format import (
    synthetic_cifar10, write_binary_batch, write_binary_meta, write_cifar10_binary_tree, write_cifar10_python_tree,
    write_meta, write_python_batch,
)

SEED = 20240611
N_PER_BATCH = 4
PROTOCOLS = [(0, None), (1, None), (2, True), (2, False), (3, None), (4, None)]


def _expected(n_per_batch: int = N_PER_BATCH, n_test: int | None = None) -> ImageDataset:
    return synthetic_cifar10(np.random.default_rng(SEED), n_per_batch, n_test=n_test)


def _assert_same(ds: ImageDataset, ref: ImageDataset) -> None:
    for field in ("X_train", "y_train", "X_test", "y_test"):
        got, want = getattr(ds, field), getattr(ref, field)
        assert got.dtype == want.dtype and got.shape == want.shape, field
        assert np.array_equal(got, want), f"{field} differs"  # bit-exact
    assert ds.class_names == CLASS_NAMES and ds.image_shape == (32, 32, 3) and ds.name == "cifar10"


# ---------------------------------------------------------------- round trips
def test_python_tree_round_trip_is_bit_exact(tmp_path: Path) -> None:
    folder = write_cifar10_python_tree(tmp_path, np.random.default_rng(SEED), N_PER_BATCH, n_test=3)
    assert folder == tmp_path / PYTHON_FOLDER
    _assert_same(load_cifar10(tmp_path), _expected(n_test=3))
    _assert_same(load_cifar10(folder, fmt="python"), _expected(n_test=3))  # the batches folder itself


def test_binary_tree_round_trip_is_bit_exact(tmp_path: Path) -> None:
    folder = write_cifar10_binary_tree(tmp_path, np.random.default_rng(SEED), N_PER_BATCH)
    assert folder == tmp_path / BINARY_FOLDER
    assert (folder / "data_batch_1.bin").stat().st_size == N_PER_BATCH * 3073
    _assert_same(load_cifar10(tmp_path), _expected())
    _assert_same(load_cifar10(folder, fmt="binary"), _expected())


def test_round_trip_detects_a_changed_pixel(tmp_path: Path) -> None:
    folder = write_cifar10_binary_tree(tmp_path, np.random.default_rng(SEED), N_PER_BATCH)
    raw = bytearray((folder / "test_batch.bin").read_bytes())
    raw[1 + 5] ^= 1  # one pixel bit of the first test image
    (folder / "test_batch.bin").write_bytes(bytes(raw))
    with pytest.raises(AssertionError, match="X_test differs"):
        _assert_same(load_cifar10(tmp_path), _expected())


def test_auto_prefers_python_and_fmt_selects(tmp_path: Path) -> None:
    write_cifar10_python_tree(tmp_path, np.random.default_rng(1), 2)
    write_cifar10_binary_tree(tmp_path, np.random.default_rng(2), 2)
    assert find_cifar10(tmp_path) == (tmp_path / PYTHON_FOLDER, "python")
    assert find_cifar10(tmp_path, "binary") == (tmp_path / BINARY_FOLDER, "binary")
    assert np.array_equal(load_cifar10(tmp_path).X_train, synthetic_cifar10(np.random.default_rng(1), 2).X_train)
    assert np.array_equal(load_cifar10(tmp_path, fmt="binary").X_train, synthetic_cifar10(np.random.default_rng(2), 2).X_train)
    with pytest.raises(ValueError, match="fmt: expected 'auto', 'python' or 'binary', got 'png'"):
        load_cifar10(tmp_path, fmt="png")


@pytest.mark.parametrize(("protocol", "python2"), PROTOCOLS)
def test_python_batch_round_trip_every_protocol(tmp_path: Path, protocol: int, python2: bool | None) -> None:
    ref = _expected()
    path = write_python_batch(tmp_path / "b", ref.X_train, ref.y_train, protocol=protocol, python2=python2)
    X, y = load_python_batch(path)
    assert X.dtype == np.uint8 and y.dtype == np.int64
    assert np.array_equal(X, ref.X_train) and np.array_equal(y, ref.y_train)


def test_python2_layout_matches_the_official_files(tmp_path: Path) -> None:
    raw = write_python_batch(tmp_path / "b", _expected().X_test, _expected().y_test).read_bytes()
    assert raw.startswith(b"\x80\x02}")  # protocol 2, a dict
    assert b"cnumpy.core.multiarray\n_reconstruct\n" in raw and b"cnumpy\ndtype\n" in raw and b"U\x02u1" in raw
    assert b"_codecs" not in raw and b"U\x04data" in raw  # Python 2 strings, not encode(...) calls
    py3 = write_python_batch(tmp_path / "c", _expected().X_test, _expected().y_test, python2=False).read_bytes()
    assert b"_codecs" in py3 and b"numpy._core" in py3


@given(n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), protocol=st.sampled_from(PROTOCOLS))
def test_batch_writers_round_trip(tmp_path_factory: pytest.TempPathFactory, n: int, seed: int, protocol: tuple[int, bool | None]) -> None:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    y = rng.integers(0, 10, size=n)
    d = tmp_path_factory.mktemp("rt")
    Xp, yp = load_python_batch(write_python_batch(d / "p", X, y, protocol=protocol[0], python2=protocol[1]))
    Xb, yb = load_binary_batch(write_binary_batch(d / "b", X, y))
    for Xg, yg in ((Xp, yp), (Xb, yb)):
        assert np.array_equal(Xg, X) and np.array_equal(yg, y)


def test_meta_round_trip(tmp_path: Path) -> None:
    assert load_python_meta(write_meta(tmp_path / "m")) == CLASS_NAMES
    assert load_python_meta(write_meta(tmp_path / "m3", protocol=3)) == CLASS_NAMES
    assert load_binary_meta(write_binary_meta(tmp_path / "t")) == CLASS_NAMES


# ---------------------------------------------------------------- restricted unpickler
def _payloads(marker: Path) -> dict[str, object]:
    class Reduce:
        def __init__(self, func: object, args: tuple[object, ...]) -> None:
            self.func, self.args = func, args

        def __reduce__(self) -> tuple[object, ...]:
            return self.func, self.args

    touch = f"open({str(marker)!r}, 'w').close()"
    return {
        "os.system": Reduce(os.system, (f"touch {shlex.quote(str(marker))}",)),
        "builtins.exec": Reduce(exec, (touch,)),
        "builtins.eval": Reduce(eval, (touch,)),
        "subprocess.call": Reduce(subprocess.call, ([sys.executable, "-c", touch],)),
    }


PAYLOADS = ["os.system", "builtins.exec", "builtins.eval", "subprocess.call"]


@pytest.mark.parametrize("protocol", [0, 2, 4])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path: Path, payload: str, protocol: int) -> None:
    marker = tmp_path / "pwned"
    evil = _payloads(marker)[payload]
    ref = _expected()
    # A batch that looks right up to the point where it asks for the payload.
    blob = pickle.dumps({b"data": ref.X_test, b"labels": ref.y_test.tolist(), b"batch_label": evil}, protocol=protocol)
    path = tmp_path / "data_batch_1"
    path.write_bytes(blob)
    module_name, name = payload.split(".")
    module = {"os": "(posix|nt|os)", "builtins": "(builtins|__builtin__)", "subprocess": "(subprocess|commands)"}
    module = module.get(module_name, module_name)  # as pickled (protocols < 3 use Python 2 names)
    with pytest.raises(UnsafePickleError, match=rf"{path}: refused to load the global '{module}\.{name}'.*nothing from it was run"):
        load_python_batch(path)
    assert not marker.exists()
    # Control: the plain unpickler does run it, so the marker check above can fail.
    pickle.loads(blob)
    assert marker.exists()


def test_every_global_route_goes_through_find_class(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    inst = f"(S'touch {marker}'\nios\nsystem\n.".encode()  # protocol 0 INST opcode
    (tmp_path / "inst").write_bytes(inst)
    with pytest.raises(UnsafePickleError, match=r"refused to load the global 'os\.system'"):
        load_python_batch(tmp_path / "inst")
    copyreg.add_extension(os.system.__module__, "system", 0xBEEF)  # EXT opcodes
    try:
        blob = pickle.dumps(_payloads(marker)["os.system"], protocol=2)
        assert b"\x83" in blob or b"\x82" in blob
        (tmp_path / "ext").write_bytes(blob)
        with pytest.raises(UnsafePickleError, match="refused to load the global"):
            load_python_batch(tmp_path / "ext")
    finally:
        copyreg.remove_extension(os.system.__module__, "system", 0xBEEF)
    (tmp_path / "persid").write_bytes(b"P1\n.")
    with pytest.raises(DataFormatError, match="persistent"):
        load_python_batch(tmp_path / "persid")
    assert not marker.exists()


def test_allowed_globals_are_restricted_in_their_arguments(tmp_path: Path) -> None:
    import _codecs

    class Encode:
        def __reduce__(self) -> tuple[object, ...]:
            return _codecs.encode, ("abc", "rot13")

    (tmp_path / "codec").write_bytes(pickle.dumps({b"data": Encode()}, protocol=2))
    with pytest.raises(DataFormatError, match="only latin-1 is allowed"):
        load_python_batch(tmp_path / "codec")
    # An object array is refused at its dtype, before any of its contents is unpickled.
    (tmp_path / "obj").write_bytes(pickle.dumps({b"data": np.array([print], dtype=object)}, protocol=2))
    with pytest.raises(DataFormatError, match=r"numpy\.dtype\('O8'\) holds Python objects"):
        load_python_batch(tmp_path / "obj")


# ---------------------------------------------------------------- format errors
def _dump(path: Path, obj: object) -> Path:
    path.write_bytes(pickle.dumps(obj, protocol=4))  # protocol 2 would pickle b"" via builtins.bytes, refused
    return path


GOOD_X = np.zeros((3, 3072), np.uint8)
BAD_BATCHES = {
    "not a dict": ([GOOD_X], "expected a pickled dict, got list"),
    "no labels": ({b"data": GOOD_X}, r"missing \['labels'\]"),
    "float data": ({b"data": GOOD_X.astype(float), b"labels": [0, 1, 2]}, "uint8 array of shape .* got shape .* float64"),
    "short rows": ({b"data": GOOD_X[:, :3071], b"labels": [0, 1, 2]}, r"got shape \(3, 3071\)"),
    "1-D data": ({b"data": GOOD_X.ravel(), b"labels": [0]}, r"got shape \(9216,\)"),
    "no rows": ({b"data": GOOD_X[:0], b"labels": []}, "n >= 1"),
    "list data": ({b"data": GOOD_X.tolist(), b"labels": [0, 1, 2]}, "got list"),
    "label 10": ({b"data": GOOD_X, b"labels": [0, 10, 2]}, r"labels in 0\.\.9, got 10"),
    "label -1": ({b"data": GOOD_X, b"labels": [0, -1, 2]}, r"labels in 0\.\.9, got -1"),
    "too few labels": ({b"data": GOOD_X, b"labels": [0, 1]}, "expected 3 labels"),
    "float labels": ({b"data": GOOD_X, b"labels": [0.0, 1.0, 2.0]}, "list of ints"),
    "str labels": ({b"data": GOOD_X, b"labels": np.array(["a", "b", "c"])}, r"refused: .*numpy.dtype\(.U1.\) is not a plain numeric dtype"),
    "float labels array": ({b"data": GOOD_X, b"labels": np.array([0.0, 1.0, 2.0])}, "integer labels"),
}


@pytest.mark.parametrize("case", sorted(BAD_BATCHES))
def test_bad_python_batch_names_the_file(tmp_path: Path, case: str) -> None:
    obj, message = BAD_BATCHES[case]
    path = _dump(tmp_path / "data_batch_3", obj)
    with pytest.raises(DataFormatError, match=rf"{path}: .*{message}"):
        load_python_batch(path)


@pytest.mark.parametrize("cut", [1, 100, 5000, 9000])
def test_truncated_python_batch(tmp_path: Path, cut: int) -> None:
    raw = write_python_batch(tmp_path / "b", GOOD_X, [0, 1, 2]).read_bytes()
    (tmp_path / "b").write_bytes(raw[:-cut])
    with pytest.raises(DataFormatError, match=rf"{tmp_path / 'b'}: not a readable pickle.*truncated or corrupt"):
        load_python_batch(tmp_path / "b")


@pytest.mark.parametrize(("size_change", "message"), [(-1, "3 records and 3072 bytes left over"), (+5, "4 records and 5 bytes")])
def test_binary_batch_size_must_be_whole_records(tmp_path: Path, size_change: int, message: str) -> None:
    raw = write_binary_batch(tmp_path / "b.bin", np.ones((4, 3072), np.uint8), [0, 1, 2, 3]).read_bytes()
    (tmp_path / "b.bin").write_bytes(raw[:size_change] if size_change < 0 else raw + b"\0" * size_change)
    with pytest.raises(DataFormatError, match=rf"b\.bin: expected a whole number of 3073-byte records.*{message}"):
        load_binary_batch(tmp_path / "b.bin")


def test_binary_batch_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.bin").write_bytes(b"")
    with pytest.raises(DataFormatError, match=r"empty\.bin: .*got 0 bytes"):
        load_binary_batch(tmp_path / "empty.bin")
    raw = bytearray(write_binary_batch(tmp_path / "lab.bin", np.ones((2, 3072), np.uint8), [0, 1]).read_bytes())
    raw[3073] = 10  # the second record's label byte
    (tmp_path / "lab.bin").write_bytes(bytes(raw))
    with pytest.raises(DataFormatError, match=r"lab\.bin: labels: expected labels in 0\.\.9, got 10"):
        load_binary_batch(tmp_path / "lab.bin")
    with pytest.raises(DataNotFoundError, match="no such file"):
        load_binary_batch(tmp_path / "missing.bin")
    with pytest.raises(FileNotFoundError):  # DataNotFoundError is one
        load_python_batch(tmp_path / "missing")


def test_bad_meta(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"expected 10 non-empty class names"):
        load_python_meta(write_meta(tmp_path / "m", CLASS_NAMES[:9]))
    with pytest.raises(DataFormatError, match=r"missing \['label_names'\]"):
        load_python_meta(_dump(tmp_path / "k", {b"names": []}))
    with pytest.raises(DataFormatError, match="list of strings"):
        load_python_meta(_dump(tmp_path / "s", {b"label_names": [1, 2]}))
    with pytest.raises(DataFormatError, match=r"t\.txt: expected 10 non-empty class names"):
        load_binary_meta(write_binary_meta(tmp_path / "t.txt", CLASS_NAMES + ("extra",)))


def test_incomplete_or_missing_tree(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="no CIFAR-10 cifar-10-batches-py or cifar-10-batches-bin folder"):
        load_cifar10(tmp_path)
    folder = write_cifar10_python_tree(tmp_path, np.random.default_rng(0), 1)
    (folder / "data_batch_4").unlink()
    with pytest.raises(DataNotFoundError, match=r"incomplete CIFAR-10 python version, missing \['data_batch_4'\]"):
        load_cifar10(tmp_path)
    write_python_batch(folder / "data_batch_4", np.zeros((1, 3072), np.uint8), [11 % 10])
    (folder / "data_batch_5").write_bytes(b"\x80\x02}q")
    with pytest.raises(DataFormatError, match="data_batch_5: not a readable pickle"):
        load_cifar10(tmp_path)


def test_writers_validate(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="X: expected dtype uint8, got dtype int64"):
        write_python_batch(tmp_path / "b", np.zeros((1, 3072), np.int64), [0])
    with pytest.raises(ValueError, match="X: expected 3072 columns"):
        write_binary_batch(tmp_path / "b", np.zeros((1, 30), np.uint8), [0])
    with pytest.raises(ValueError, match="protocol: expected an integer <= 4, got 5"):
        write_python_batch(tmp_path / "b", GOOD_X, [0, 1, 2], protocol=5)
    with pytest.raises(ValueError, match="only at protocol 2"):
        write_python_batch(tmp_path / "b", GOOD_X, [0, 1, 2], protocol=3, python2=True)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        synthetic_cifar10(0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- dataset, load_dataset, data dir
def test_image_layout_is_channel_planar() -> None:
    ds = _expected(1)
    imgs = ds.images(ds.X_train)
    assert imgs.shape == (5, 32, 32, 3)
    i, h, w, c = 3, 7, 30, 2
    assert imgs[i, h, w, c] == ds.X_train[i, c * 1024 + h * 32 + w]
    with pytest.raises(ValueError, match="X: expected 3072 columns"):
        ds.images(ds.X_train[:, :10])


def test_image_dataset_validates_and_is_read_only() -> None:
    X = np.zeros((2, 4), np.uint8)
    kw = dict(name="t", y_train=[0, 1], X_test=X, y_test=[1, 1], class_names=("a", "b"), image_shape=(2, 2, 1))
    ds = ImageDataset(X_train=X, **kw)  # type: ignore[arg-type]
    assert ds.y_train.dtype == np.int64
    with pytest.raises(ValueError, match="read-only"):
        ds.X_train[0, 0] = 1
    X[0, 0] = 7  # the caller's array stays writeable
    with pytest.raises(ValueError, match="X_train: expected dtype uint8 pixels, got dtype float64"):
        ImageDataset(X_train=X.astype(float), **kw)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="X_train: expected 4 columns"):
        ImageDataset(X_train=np.zeros((2, 5), np.uint8), **kw)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"y_train: expected labels in 0\.\.1, got 2"):
        ImageDataset(X_train=X, **{**kw, "y_train": [0, 2]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="image_shape: expected"):
        ImageDataset(X_train=X, **{**kw, "image_shape": (2, 2)})  # type: ignore[arg-type]


def test_load_dataset_cifar10(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"name: expected one of \('cifar10', 'digits', 'cifar10-subset'\), got 'cifar100'"):
        load_dataset("cifar100")
    with pytest.raises(DataNotFoundError, match=rf"CIFAR-10 not found in {tmp_path}.*download=True.*cifar-10-python\.tar\.gz.*{tmp_path}"):
        load_dataset("cifar10", tmp_path)
    write_cifar10_binary_tree(tmp_path, np.random.default_rng(SEED), N_PER_BATCH)
    _assert_same(load_dataset("cifar10", tmp_path), _expected())
    monkeypatch.setenv("GRADPROOF_DATA_DIR", str(tmp_path))
    _assert_same(load_dataset("cifar10"), _expected())


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from numerics.data import default_data_dir

    monkeypatch.setenv("GRADPROOF_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_data_dir() == tmp_path / "d"
    monkeypatch.delenv("GRADPROOF_DATA_DIR")
    assert default_data_dir() == tmp_path / "x" / "gradproof"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert default_data_dir() == tmp_path / "h" / ".cache" / "gradproof"
    assert not (tmp_path / "h").exists()  # nothing created


# ---------------------------------------------------------------- optional: the real subset
SUBSET = os.environ.get("GRADPROOF_CIFAR_SUBSET_DIR")


@pytest.mark.skipif(not SUBSET, reason="set GRADPROOF_CIFAR_SUBSET_DIR to the real CIFAR-10 subset folder")
def test_real_cifar10_subset() -> None:
    root = Path(SUBSET or "")
    for name, n in (("data_batch_1_first4000", 4000), ("test_batch_first1000", 1000)):
        X, y = load_python_batch(root / name)
        assert X.shape == (n, 3072) and X.dtype == np.uint8 and y.dtype == np.int64
        assert y.min() >= 0 and y.max() <= 9 and len(np.unique(y)) == 10
        assert 0 < X.mean() < 255 and X.min() == 0 and X.max() == 255
    assert load_python_meta(root / "batches.meta") == CLASS_NAMES
