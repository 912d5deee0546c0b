"""Tests of ``gradproof softmax`` (numerics/commands/softmax.py), offline."""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from numerics.commands import softmax as cmd
from numerics.data.official_format import write_cifar10_python_tree

SMALL = ["--n-train", "300", "--n-val", "100", "--n-test", "100", "--n-dev", "50",
         "--num-iters", "60", "--batch-size", "50", "--quiet"]


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="gradproof softmax")
    cmd.configure(parser)
    status = cmd.run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_defaults():
    parser = argparse.ArgumentParser()
    cmd.configure(parser)
    args = parser.parse_args([])
    assert (args.dataset, args.num_iters, args.batch_size, args.seed, args.json, args.out) == ("digits", 1500, 200, 0, False, None)
    assert cmd.DEFAULT_SIZES["cifar10"] == (49000, 1000, 1000, 500)
    assert sum(cmd.DEFAULT_SIZES["digits"][:2]) <= 1500 and cmd.DEFAULT_SIZES["digits"][2] <= 297


def test_text_report(capsys):
    status, out, _ = _run(SMALL, capsys)
    assert status == 0
    for needle in ("log C = log 10 = 2.302585", "gradient check (10 random entries", "loop:", "vectorised:",
                   "loop vs vectorised", "SGD (learning rate 0.001, 60 iterations, batch 50)",
                   "learning-rate sweep", "<- best", "best learning rate", "test accuracy"):
        assert needle in out


def test_json_report_and_same_seed_same_output(capsys):
    status, out, _ = _run([*SMALL, "--json"], capsys)
    assert status == 0
    r = json.loads(out)
    assert r["sizes"] == {"train": 300, "val": 100, "test": 100, "dev": 50}
    assert r["n_features"] == 65 and r["n_classes"] == 10
    assert r["initial_loss"] == pytest.approx(math.log(10), abs=0.01)
    assert r["log_C"] == pytest.approx(math.log(10))
    assert len(r["grad_check"]["loop"]) == 10 and max(r["grad_check"]["loop"] + r["grad_check"]["fast"]) < 1e-5
    assert r["loop_vs_fast"]["loss_difference"] < 1e-12 and r["loop_vs_fast"]["grad_max_abs_difference"] < 1e-12
    assert len(r["sgd"]["losses"]) == 60 and r["sgd"]["final_loss"] < r["sgd"]["first_loss"]
    assert [e["learning_rate"] for e in r["sweep"]] == list(cmd.DEFAULT_SWEEP["digits"])
    assert r["best"]["val_accuracy"] == max(e["val_accuracy"] for e in r["sweep"])
    assert r["best"]["test_error"] == pytest.approx(1 - r["best"]["test_accuracy"])
    assert _run([*SMALL, "--json"], capsys)[1] == out
    assert _run([*SMALL, "--json", "--seed", "1"], capsys)[1] != out


def test_timing_goes_to_stderr_only(capsys):
    argv = [a for a in SMALL if a != "--quiet"]
    status, out, err = _run(argv, capsys)
    assert status == 0 and "timing on the dev set" in err and "timing" not in out


def test_digits_defaults_learn(capsys):
    status, out, _ = _run(["--json", "--quiet"], capsys)
    r = json.loads(out)
    assert status == 0 and r["sizes"] == dict(zip(("train", "val", "test", "dev"), cmd.DEFAULT_SIZES["digits"]))
    assert r["sgd"]["val_accuracy"] > 0.85 and r["best"]["val_accuracy"] > 0.9 and r["best"]["test_accuracy"] > 0.8


def test_figures_are_saved(tmp_path, capsys):
    status, out, _ = _run([*SMALL, "--json", "--out", str(tmp_path / "figs")], capsys)
    assert status == 0
    paths = json.loads(out)["figures"]
    assert [p.rsplit("/", 1)[-1] for p in paths] == list(cmd.FIGURES)
    for name in cmd.FIGURES:
        assert (tmp_path / "figs" / name).stat().st_size > 1000


def test_cifar10_from_official_format_files(tmp_path, capsys):
    write_cifar10_python_tree(tmp_path, np.random.default_rng(0), n_per_batch=20, n_test=30)
    argv = ["--dataset", "cifar10", "--data-dir", str(tmp_path), "--n-train", "80", "--n-val", "20",
            "--n-test", "30", "--n-dev", "10", "--num-iters", "5", "--batch-size", "16", "--json", "--quiet"]
    status, out, _ = _run(argv, capsys)
    r = json.loads(out)
    assert status == 0 and r["n_features"] == 3073 and r["dataset"] == "cifar10"
    assert r["sgd"]["learning_rate"] == cmd.DEFAULT_LEARNING_RATE["cifar10"]
    assert [e["learning_rate"] for e in r["sweep"]] == [1e-5, 5e-5, 1e-4, 5e-4, 1e-3]


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--n-train", "5000"], "n_train"),
        (["--n-val", "400"], "n_train + n_val"),
        (["--n-dev", "0"], "n_dev"),
        (["--batch-size", "0"], "--batch-size: expected an integer >= 1, got 0"),
        (["--num-iters", "0"], "--num-iters: expected an integer >= 1, got 0"),
        (["--learning-rates", "1e-3", "-1"], "--learning-rates: expected a finite number > 0, got -1.0"),
        (["--learning-rate", "0"], "--learning-rate: expected a finite number > 0, got 0.0"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, match, capsys):
    status, out, err = _run([*argv, "--quiet"], capsys)
    assert status == 2 and out == ""
    assert err.startswith("gradproof softmax: error:")
    assert match in err


def test_missing_cifar_says_how_to_get_it(tmp_path, capsys):
    status, _, err = _run(["--dataset", "cifar10", "--data-dir", str(tmp_path), "--quiet"], capsys)
    assert status == 2 and "download" in err.lower() and str(tmp_path) in err


def test_module_import_is_light():
    code = "import sys, numerics.commands.softmax; print('numpy' in sys.modules, 'sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
