"""The hostile data-file corpus (tests/hostile_data.py): each file gets its expected outcome, fast and in bounded memory.

Each case runs its loader under tracemalloc (numpy reports its buffers to it) and
must stay under a peak of a small multiple of the file plus a few MiB, whatever
the file claims (600,000 images, a 2**32 memo index, 2**62-byte strings). Cases
that could block (FIFOs, /dev/zero) run in a child process with a timeout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hostile_data
from hostile_data import CORPUS, LOADERS, Case
from numerics.data import load_dataset

PEAK_FACTOR, PEAK_EXTRA = 6, 12 << 20  # the reader's budget is 4 x file + 4 MiB
CHILD_TIMEOUT = 60.0


def _size(path: Path) -> int:
    """Bytes the input really holds (a sparse file's hole counts for nothing)."""
    paths = list(path.rglob("*")) if path.is_dir() else [path]
    return sum(min(p.lstat().st_size, p.lstat().st_blocks * 512) for p in paths)


def _run_in_child(case_name: str, target: Path) -> dict[str, Any]:
    """Run the case's loader in a fresh interpreter; a hang fails on the timeout instead of blocking the suite.

    Reports the error and how much the loader raised the child's peak resident memory (``ru_maxrss``, KiB).
    """
    code = (
        "import json, resource, sys; sys.path.insert(0, sys.argv[3]); import hostile_data as t\n"
        "case = t.CORPUS[sys.argv[1]]\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    t.LOADERS[case.loader](t.Path(sys.argv[2])); out = {'error': None}\n"
        "except Exception as exc:\n    out = {'error': type(exc).__name__, 'message': str(exc)}\n"
        "out['peak_kib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, case_name, str(target), str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    assert proc.returncode == 0, f"child crashed with status {proc.returncode}: {proc.stderr[-2000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_file_gets_its_expected_outcome(tmp_path: Path, name: str) -> None:
    case: Case = CORPUS[name]
    folder = tmp_path / "data"
    folder.mkdir()
    target = case.build(folder)
    if case.subprocess:
        start = time.monotonic()
        out = _run_in_child(name, target)
        assert case.error is not None and out["error"] == case.error.__name__, out
        assert re.search(case.match, out["message"]), out["message"]
        assert str(target) in out["message"] or target.name in out["message"]
        assert time.monotonic() - start < CHILD_TIMEOUT
        limit = PEAK_FACTOR * _size(target) + PEAK_EXTRA
        assert out["peak_kib"] * 1024 <= limit, f"peak rose by {out['peak_kib']} KiB for a {_size(target)}-byte input"
        return
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        if case.error is None:
            result = LOADERS[case.loader](target)
            assert case.check is not None
            case.check(result)
        else:
            with pytest.raises(case.error, match=case.match) as info:
                LOADERS[case.loader](target)
            if case.file_named:
                assert str(target) in str(info.value) or target.name in str(info.value)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    limit = PEAK_FACTOR * _size(target) + PEAK_EXTRA
    assert peak <= limit, f"peak {peak} bytes for a {_size(target)}-byte input (limit {limit})"
    assert not Path("/tmp/gradproof-hostile-pwned").exists()


def test_corpus_is_large_and_mixed() -> None:
    errors = [c for c in CORPUS.values() if c.error is not None]
    assert len(CORPUS) >= 30 and len(errors) >= 20 and len(CORPUS) - len(errors) >= 5
    assert {c.loader for c in CORPUS.values()} >= {"python_batch", "python_meta", "subset", "cifar10", "download"}


def _mk(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / re.sub(r"\W+", "_", name)
    folder.mkdir()
    return folder


NAIVE_ACCEPTS = ("_reconstruct never given data", "a list that contains itself", "trailing bytes after STOP",
                 "5,000 nested lists")


@pytest.mark.parametrize("name", NAIVE_ACCEPTS)
def test_the_corpus_can_fail(tmp_path: Path, name: str) -> None:
    """Control: the plain unpickler (what a naive loader uses) raises nothing on these, so their cases are not vacuous."""
    import pickle

    target = CORPUS[name].build(_mk(tmp_path, name))
    pickle.loads(target.read_bytes())  # no error: the expected refusal above comes from our checks


def _object_array_meta(target: Path) -> None:
    target.write_bytes(CORPUS["object ndarray in batches.meta"].build(target.parent.parent).read_bytes())


@pytest.mark.parametrize(("make", "message"), [
    (lambda folder: CORPUS["FIFO named like a subset batch"].build(folder),
     "data_batch_1_first3: is a FIFO (named pipe), not a regular file"),
    (lambda folder: hostile_data._subset_with("batches.meta", _object_array_meta)(folder),
     "batches.meta: refused to call numpy.ndarray"),
])
def test_cli_reports_a_hostile_subset_without_a_traceback(tmp_path: Path, make: Any, message: str) -> None:
    target = make(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "derive.cli", "knn", "--dataset", "cifar10-subset", "--data-dir",
                           str(target)], capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    assert proc.returncode == 2, proc
    assert message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_real_subset_is_still_accepted() -> None:
    folder = os.environ.get("GRADPROOF_CIFAR_SUBSET_DIR")
    if not folder:
        pytest.skip("GRADPROOF_CIFAR_SUBSET_DIR not set (optional real-data check)")
    tracemalloc.start()
    try:
        ds = load_dataset("cifar10-subset", folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert ds.X_train.shape == (4000, 3072) and ds.X_test.shape == (1000, 3072)
    assert np.bincount(ds.y_test, minlength=10).min() > 0
    files = sum(p.stat().st_size for p in Path(folder).iterdir())
    assert peak <= PEAK_FACTOR * files + PEAK_EXTRA, peak
