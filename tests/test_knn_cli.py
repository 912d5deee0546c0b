"""``gradproof knn`` end to end: digits offline, a synthetic CIFAR-10 tree, JSON, determinism."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from derive.cli import main
from numerics.commands import knn as knn_cmd
from numerics.data import load_dataset
from numerics.data.official_format import write_cifar10_python_tree
from numerics.knn import KNN, cross_validate
from numerics.preprocess import first_n

SMALL = ["--n-train", "300", "--n-test", "60", "--folds", "3", "--quiet"]
PNG = b"\x89PNG\r\n\x1a\n"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    knn_cmd.configure(parser)
    return parser.parse_args(argv)


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert knn_cmd.run(parse([*argv, "--json"])) == 0
    return json.loads(capsys.readouterr().out)


def test_defaults() -> None:
    args = parse([])
    assert (args.dataset, args.folds, args.seed, args.json, args.out, args.n_train, args.n_test) == (
        "digits", 5, 0, False, None, None, None)
    assert knn_cmd.DEFAULT_SIZES["cifar10"] == (5000, 500)


def test_digits_text_report_and_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "figs"
    assert main(["knn", *SMALL, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for needle in ("digits: 300 training / 60 test images, 64 features, 10 classes",
                   "k = 1, L2 distance: test error", "3-fold cross-validation", "best k (L2): ",
                   "error per norm at k = ", "best (k, norm): (", "improvement over k = 1 with L2: "):
        assert needle in text, needle
    table = [line.split() for line in text.splitlines() if line.strip().split(" ")[0].isdigit()]
    assert [int(row[0]) for row in table] == [1, 2, 3, 5, 7, 10, 15, 20, 25, 30]
    assert all(len(row) == 1 + 3 * 3 for row in table)  # k, then "mean ± std" for L2, L1, L∞
    for name in knn_cmd.FIGURES:
        assert (out / name).read_bytes()[:8] == PNG


def test_json_numbers_are_the_homework_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    r = run_json([*SMALL, "--ks", "1", "3", "5"], capsys)
    # recompute independently with the library
    X_tr, y_tr, X_te, y_te = first_n(load_dataset("digits"), 300, 60)
    model = KNN().train(X_tr, y_tr)
    k1 = np.mean(model.predict(X_te, k=1, norm="l2") != y_te)
    assert r["k1_l2_test_error"] == pytest.approx(k1)
    fold_rng = np.random.default_rng(np.random.SeedSequence(0).spawn(2)[0])
    cv = cross_validate(X_tr, y_tr, ks=(1, 3, 5), norms=("l2", "l1", "linf"), n_folds=3, rng=fold_rng)
    assert r["cv"]["errors"] == cv.errors.tolist()
    assert r["best_k"] == cv.best_k("l2")
    assert r["best"] == {"k": r["best_k"], "norm": cv.best_norm(r["best_k"])}
    assert set(r["error_per_norm_at_best_k"]) == {"l2", "l1", "linf"}
    best = np.mean(model.predict(X_te, k=r["best"]["k"], norm=r["best"]["norm"]) != y_te)
    assert r["best_test_error"] == pytest.approx(best)
    assert r["improvement_over_k1_l2"] == pytest.approx(k1 - best)
    assert (r["n_train"], r["n_test"], r["n_features"], r["figures"]) == (300, 60, 64, [])


def test_digits_default_sizes_use_everything(capsys: pytest.CaptureFixture[str]) -> None:
    r = run_json(["--quiet", "--ks", "1", "--folds", "2"], capsys)
    ds = load_dataset("digits")
    assert (r["n_train"], r["n_test"]) == (ds.X_train.shape[0], ds.X_test.shape[0])


def test_same_seed_identical_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*SMALL, "--ks", "1", "3", "7", "--seed", "5", "--out", str(tmp_path)]
    assert knn_cmd.run(parse(argv)) == 0
    first, pngs = capsys.readouterr().out, {n: (tmp_path / n).read_bytes() for n in knn_cmd.FIGURES}
    assert knn_cmd.run(parse(argv)) == 0
    assert capsys.readouterr().out == first
    assert {n: (tmp_path / n).read_bytes() for n in knn_cmd.FIGURES} == pngs
    # and the seed matters (the folds are a seeded permutation)
    others = [run_json([*SMALL, "--ks", "1", "3", "7", "--seed", str(s)], capsys)["cv"]["errors"] for s in (5, 6)]
    assert others[0] != others[1]


def test_synthetic_cifar10(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_cifar10_python_tree(tmp_path, np.random.default_rng(0), n_per_batch=12, n_test=20)
    r = run_json(["--dataset", "cifar10", "--data-dir", str(tmp_path), "--n-train", "60", "--n-test", "20",
                  "--folds", "3", "--ks", "1", "3", "--quiet", "--out", str(tmp_path / "figs")], capsys)
    assert (r["dataset"], r["n_features"], r["n_classes"]) == ("cifar10", 3072, 10)
    assert 0.0 <= r["best_test_error"] <= 1.0
    assert (tmp_path / "figs" / "knn_samples.png").read_bytes()[:8] == PNG


def test_cifar10_default_sizes_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_cifar10_python_tree(tmp_path, np.random.default_rng(0), n_per_batch=4, n_test=5)
    assert knn_cmd.run(parse(["--dataset", "cifar10", "--data-dir", str(tmp_path), "--quiet"])) == 2
    err = capsys.readouterr().err
    assert "gradproof knn: error: n_train: expected an integer <= 20, got 5000" in err


def test_missing_cifar10_says_how_to_get_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert knn_cmd.run(parse(["--dataset", "cifar10", "--data-dir", str(tmp_path / "empty"), "--quiet"])) == 2
    err = capsys.readouterr().err
    assert err.startswith("gradproof knn: error: ") and "--download" in err


def test_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    # bad arguments are a clear error (exit 2), never a traceback
    assert knn_cmd.run(parse([*SMALL, "--ks", "1", "201"])) == 2
    assert "ks: expected every k <= 200" in capsys.readouterr().err
    assert knn_cmd.run(parse([*SMALL, "--folds", "1"])) == 2
    assert "n_folds: expected an integer >= 2, got 1" in capsys.readouterr().err
    assert knn_cmd.run(parse(["--n-train", "0", "--quiet"])) == 2
    assert "n_train: expected an integer >= 1, got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["--dataset", "mnist"])
