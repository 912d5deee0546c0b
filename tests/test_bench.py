"""``gradproof bench`` runs end to end on tiny sizes and reports every workload and peer (no timing asserted)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from numerics import accel
from numerics.bench import report, workloads
from numerics.bench.peers import cv_peers, distance_peers, installed_peers
from numerics.bench.timing import LoadMonitor, Timing, measure
from numerics.commands import bench as bench_cmd
from numerics.knn import compute_distances, cross_validate


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    bench_cmd.configure(parser)
    return bench_cmd.run(parser.parse_args(argv))


@pytest.fixture(scope="module")
def tiny_json() -> dict:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        # the cold-start probe compiles every kernel in two fresh processes: tested on its own below
        assert _run(["--tiny", "--json", "--repeats", "1", "--only", "distances", "cv", "scale", "softmax"]) == 0
    return json.loads(buf.getvalue())


def test_every_workload_and_peer_is_reported(tiny_json: dict) -> None:
    rows = tiny_json["rows"]
    names = {r["workload"].split()[0] for r in rows}
    assert names == {"distances", "cv", "predict", "softmax"}
    dist_impls = {r["implementation"] for r in rows if r["workload"].startswith("distances l1")}
    expected = {f"gradproof ({accel.resolve_backend()})", "scikit-learn", "scipy"}
    expected |= {p for p in ("torch", "faiss") if installed_peers()[p]}
    if accel.resolve_backend() == "numba":
        expected.add("gradproof (numpy path)")
    assert dist_impls == expected
    for r in rows:
        assert r["median_s"] >= r["best_s"] > 0 and len(r["samples_s"]) >= 1
    l2 = next(r for r in rows if r["workload"].startswith("distances l2") and r["target"])
    assert l2["reference"] == "float64 GEMM timed beside it" and l2["vs_reference"] > 0
    assert tiny_json["size"] == "tiny" and tiny_json["machine"]["gemm64_gflops"] > 0


def test_gradproof_paths_agree_in_the_bench(tiny_json: dict) -> None:
    kinds = set(workloads.DIST_TARGETS)
    seen = set()
    for r in tiny_json["rows"]:
        if r["workload"].startswith("distances") and r["implementation"].startswith("gradproof"):
            kind = next(k for k in kinds if r["workload"].endswith(k))
            seen.add(kind)
            if kind.endswith("pixels"):  # uint8 and float64 pixels: exact, the same numbers
                assert "exact: paths equal, and equal to the uint8 result" in r["notes"], r
            elif not r["workload"].startswith("distances l2"):
                assert "paths equal bit for bit" in r["notes"], r
    assert seen == kinds


def test_softmax_rows_report_steps_and_the_memory_bound(tiny_json: dict) -> None:
    sgd = [r for r in tiny_json["rows"] if r["workload"].startswith("softmax SGD")]
    assert {r["implementation"] for r in sgd} >= {"plain numpy loop (1 BLAS thread)", f"gradproof ({accel.resolve_backend()})"}
    for r in sgd:
        assert r["reference"] == "plain numpy loop, 1 thread" and "MB read/step" in r["notes"][0]
        assert "the memory-bound time" in r["notes"][0]


def test_plain_sgd_matches_the_model_update() -> None:
    """The baseline does the homework's SGD: one step equals Softmax.train's (same batch, same weights)."""
    from numerics.softmax_model import Softmax

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 6)), rng.integers(0, 3, 30)
    W = workloads.plain_sgd(X, y, 1, 5, np.random.default_rng(7), lr=0.1)
    model = Softmax((3, 6), rng=np.random.default_rng(7))
    model.train(X, y, learning_rate=0.1, num_iters=1, batch_size=5)
    np.testing.assert_allclose(W, model.W, rtol=1e-12, atol=1e-15)
    assert workloads.softmax_step_bytes(10, 3073, 200) == 8 * (200 * 3073 + 2 * 10 * 3073)


def test_cold_start_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from numerics.bench import coldstart

    ok = coldstart.run_probe(sys.executable, "/nonexistent", 60.0, code="import os, json; print(json.dumps({'kernels': {'x': len(os.environ['NUMBA_CACHE_DIR'])}}))")
    assert ok == {"error": None, "kernels": {"x": len("/nonexistent")}, "compiled": None}
    assert "boom" in coldstart.run_probe(sys.executable, None, 60.0, code="raise SystemExit('boom')")["error"]
    assert "could not start" in coldstart.run_probe(sys.executable + "-missing", None, 5.0)["error"]
    assert "timed out" in coldstart.run_probe(sys.executable, None, 0.5, code="import time; time.sleep(5)")["error"]
    fake = {"compile": {"error": None, "kernels": {"import": 1.0, "softmax": 20.0}, "compiled": 14},
            "cached": {"error": "boom", "kernels": {}, "compiled": None}}
    monkeypatch.setattr(coldstart, "cold_start", lambda: fake)
    ctx = workloads.Context("tiny", 1, np.random.default_rng(0), 1.0, 1.0, 1.0)
    workloads.cold_start(ctx)
    first, second = ctx.rows
    assert first.timing.median == 21.0 and "softmax 20.00 s" in first.notes[0] and first.met is None
    assert second.met is False and "failed: boom" in second.notes[0]
    assert "14 kernel signatures compiled" in first.notes[1]
    fake["cached"] = {"error": None, "kernels": {"import": 0.5}, "compiled": 0}
    workloads.cold_start(ctx)
    assert ctx.rows[-1].met is True and "0 kernel signatures compiled" in ctx.rows[-1].notes[1]
    fake["cached"]["compiled"] = 2
    workloads.cold_start(ctx)
    assert ctx.rows[-1].met is False


def test_text_report_and_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--tiny", "--only", "distances", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "| workload | implementation | median s |" in out and "GEMM float64" in out
    assert "softmax" not in out.split("\n\n", 1)[1]


def test_bad_repeats(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--tiny", "--repeats", "0"]) == 2
    assert "--repeats: expected an integer >= 1, got 0" in capsys.readouterr().err


def test_peers_compute_the_same_distances() -> None:
    rng = np.random.default_rng(0)
    A, B = rng.integers(0, 256, (3, 8), dtype=np.uint8), rng.integers(0, 256, (5, 8), dtype=np.uint8)
    for norm in ("l1", "l2", "linf"):
        ours = compute_distances(A, B, norm)
        for name, fn in distance_peers(A, B, norm).items():
            np.testing.assert_allclose(fn(), ours, rtol=1e-5, err_msg=f"{name} {norm}")


def test_cv_peers_agree_with_gradproof_without_ties() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 5)).astype(np.float64) * 50 + 128  # no equal distances
    y = rng.integers(0, 3, 40)
    ours = cross_validate(X, y, ks=(1, 3), norms=("l2", "l1"), n_folds=4).errors
    for name, fn in cv_peers(X, y, (1, 3), ("l2", "l1"), 4).items():
        np.testing.assert_array_equal(fn(), ours, err_msg=name)


def test_measure_budget_and_samples() -> None:
    calls: list[int] = []
    t = measure(lambda: calls.append(1), repeats=4)
    assert len(t.samples) == 4 and len(calls) == 5  # one warm-up
    t = measure(lambda: calls.append(1), repeats=4, warmup=False, budget=0.0)
    assert len(t.samples) == 1  # over budget after the first run
    assert Timing((3.0, 1.0, 2.0)).median == 2.0 and Timing((3.0, 1.0)).best == 1.0


def test_load_monitor() -> None:
    with pytest.raises(ValueError, match="expected start"):
        LoadMonitor().stop()
    load = LoadMonitor().start().stop()
    assert load["wall_s"] > 0 and (load["others_cores"] is None or load["others_cores"] >= 0)


def test_numpy_path_context_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADPROOF_ACCEL", raising=False)
    with workloads.numpy_path():
        assert accel.resolve_backend() == "numpy"
    assert accel.resolve_backend() == ("numba" if accel.HAVE_NUMBA else "numpy")


def test_report_row_marks() -> None:
    rows = [workloads.Row("w", "x", Timing((1.0,)), "ref", 0.5, "t", False), workloads.Row("w", "y", Timing((1.0,)))]
    table = report.markdown_table(rows)
    assert "| 2.00x ref | t | NO |" in table and table.count("\n") == 3
