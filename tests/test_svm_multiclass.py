"""Problem 6, the multiclass SVM: the battery's checks, the derivation, numerics, questions, experiment, CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, note

from battery import BatteryFailure
from battery.svm import (
    SvmCase,
    check_svm_initial,
    check_svm_kink,
    check_svm_smooth,
    check_svm_wide,
    one_sided_slopes,
    svm_cases,
    svm_impls,
    svm_initial_cases,
    svm_kink_cases,
    svm_wide_cases,
)


def _note(case: SvmCase) -> None:
    note(f"W = {case.W.tolist()!r}\nX = {case.X.tolist()!r}\ny = {case.y.tolist()!r}\nreg = {case.reg!r}")


# -- the battery ---------------------------------------------------------------------------------

@given(case=svm_cases())
def test_off_the_kinks_exact_and_central_differences(case: SvmCase) -> None:
    _note(case)
    check_svm_smooth(svm_impls(), case)


@given(case=svm_kink_cases())
def test_at_a_kink_every_subgradient_is_in_the_subdifferential(case: SvmCase) -> None:
    _note(case)
    check_svm_kink(svm_impls(), case)


@given(case=svm_wide_cases())
# found by the thorough profile: the naive loop sums 10 terms per sample into the true class's column
@example(case=SvmCase(np.zeros((1, 11)), np.array([[13.0], [7.188329832282068e-06], [7.188329832282068e-06]]),
                      np.array([0, 0, 0]), 0.0))
def test_naive_vectorised_derived_agree_at_wide_sizes(case: SvmCase) -> None:
    _note(case)
    check_svm_wide(svm_impls(), case)


@pytest.mark.parametrize("reg", [1.2e-38, 1e-40, 5e-324])
def test_wide_check_allows_underflow_but_still_catches_the_factor_2(reg: float) -> None:
    """The flaky case: float32, X = 0, reg near float32's smallest normal -- 2·reg·W underflows to a
    subnormal, where float32 code differs from float64 code by a few η.  The bound's η term admits
    that, and is still far below the error of the reg gradient without its factor 2."""
    rng = np.random.default_rng(5)
    W = rng.uniform(-2**-6, 2**-6, (7, 9)).astype(np.float32)
    case = SvmCase(W, np.zeros((6, 7), np.float32), rng.integers(0, 9, 6), reg)
    check_svm_wide(svm_impls(), case)
    impls = svm_impls()
    real = impls["svm/numerics.svm_loss_naive"]

    def without_2(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> tuple[float, np.ndarray]:
        loss, dW = real(W, X, y, reg)
        return loss, dW - reg * np.asarray(W, dtype=np.float64)

    impls["svm/numerics.svm_loss_naive"] = without_2
    if reg > 1e-300:  # at reg = 5e-324, reg·W is 0 and the mistake is invisible
        with pytest.raises(BatteryFailure, match="svm_loss_naive"):
            check_svm_wide(impls, case)


@given(case=svm_initial_cases())
def test_loss_at_zero_weights_is_exactly_c_minus_1(case: tuple[int, SvmCase]) -> None:
    check_svm_initial(svm_impls(), case)


@given(case=svm_kink_cases())
def test_kink_cases_really_have_a_kink(case: SvmCase) -> None:
    """Some entry's one-sided slopes differ (the kink is seen) and backward ≤ forward (convexity)."""
    back, fwd = one_sided_slopes(case)
    assert any(b < f for b, f in zip(back, fwd))
    assert all(b <= f for b, f in zip(back, fwd))


# -- the derivation --------------------------------------------------------------------------------

def test_every_step_is_checked_symbolically_and_passes() -> None:
    from derive.svm.maths import derivation

    results = derivation().verify()
    assert all(r.ok for r in results), [(r.step.label, r.detail) for r in results if not r.ok]
    checked = [r for r in results if r.method != "definition"]
    assert checked and all(r.method == "symbolic" for r in checked)


@pytest.mark.parametrize("label, wrong", [
    ("grad-sympy", lambda e, m: e.subs(m.LAM, m.LAM / 2)),                # reg gradient without the 2
    ("grad-entry", lambda e, m: e.subs(m.LAM, m.LAM / 2)),                 # the matrix form, idem
    ("grad", lambda e, m: e + m.W[m.d, m.k]),                              # a stray term
    ("dmargin", lambda e, m: e.subs(m.k, m.j)),                            # the wrong class
    ("subdiff", lambda e, m: type(e)(type(e.lamda)(e.lamda.variables, 2 * e.lamda.expr), e.base_sets[0])),
    ("initial-loss", lambda e, m: m.C * m.DELTA),                          # the true class counted
    ("dW", lambda e, m: e.subs(m.LAM, m.LAM / 2)),
])
def test_a_wrong_step_fails_its_check(label: str, wrong) -> None:
    from dataclasses import replace

    import derive.svm.maths as m

    d = m.derivation()
    index = [s.label for s in d.steps].index(label)
    step = d.steps[index]
    bad = d.replace_step(index, replace(step, rhs=wrong(step.rhs, m)))
    assert not bad.check_step(index).ok


def test_the_results_are_the_issues_formulas() -> None:
    import sympy as sp

    from derive.svm.maths import C, DELTA, derivation

    d = derivation()
    assert d.step("margin-true").rhs == DELTA
    assert sp.expand(d.step("initial-loss").rhs - (C - 1) * DELTA) == 0


# -- numerics --------------------------------------------------------------------------------------

def _data(rng: np.random.Generator, N: int = 30, D: int = 7, C: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return rng.standard_normal((D, C)), rng.standard_normal((N, D)), rng.integers(0, C, size=N)


def test_naive_equals_vectorised_and_inputs_are_untouched() -> None:
    from numerics.linear_svm import svm_loss_naive, svm_loss_vectorized

    W, X, y = _data(np.random.default_rng(0))
    copies = (W.copy(), X.copy(), y.copy())
    (l1, g1), (l2, g2) = svm_loss_naive(W, X, y, 0.3), svm_loss_vectorized(W, X, y, 0.3)
    assert abs(l1 - l2) < 1e-12 and np.max(np.abs(g1 - g2)) < 1e-12 and g1.shape == W.shape
    assert all(np.array_equal(a, b) for a, b in zip((W, X, y), copies))


@pytest.mark.parametrize("args, fragment", [
    ((np.zeros((3, 2)), np.zeros((4, 2)), np.zeros(4, int), 0.0), "X: expected 3 columns"),
    ((np.zeros((3, 2)), np.zeros((4, 3)), np.array([0, 1, 2, 0]), 0.0), "labels in 0..1"),
    ((np.zeros((3, 2)), np.zeros((4, 3)), np.zeros(3, int), 0.0), "expected 4 labels"),
    ((np.zeros((3, 2)), np.zeros((4, 3)), np.zeros(4, int), -1.0), "reg"),
    ((np.full((3, 2), np.nan), np.zeros((4, 3)), np.zeros(4, int), 0.0), "W"),
    ((np.zeros((3, 2)), np.zeros((4, 3)), np.zeros(4, int), float("inf")), "reg"),
])
def test_bad_input_gets_a_clear_error(args, fragment: str) -> None:
    from numerics.linear_svm import svm_loss_naive, svm_loss_vectorized

    for fn in (svm_loss_naive, svm_loss_vectorized):
        with pytest.raises(ValueError, match=fragment):
            fn(*args)


def test_linear_svm_trains_like_softmax_samples_and_is_reproducible() -> None:
    from numerics.linear_svm import LinearSVM

    rng = np.random.default_rng(3)
    X = np.hstack([rng.standard_normal((120, 3)), np.ones((120, 1))])
    y = np.argmax(X @ rng.standard_normal((4, 3)), axis=1)
    runs = [LinearSVM(rng=np.random.default_rng(7)) for _ in range(2)]
    hist = [m.train(X, y, learning_rate=0.05, reg=1e-3, num_iters=150, batch_size=30) for m in runs]
    assert hist[0] == hist[1] and np.array_equal(runs[0].W, runs[1].W)
    assert np.mean(hist[0][-20:]) < hist[0][0] and np.mean(runs[0].predict(X) == y) > 0.8
    # the batches are drawn as Softmax.train draws them: rng.integers(0, N, size=batch_size) per step
    seq = np.random.default_rng(7)
    seq.standard_normal((4, 3))  # the initial weights
    first = seq.integers(0, 120, size=30)
    probe = LinearSVM(rng=np.random.default_rng(7))
    probe.train(X, y, learning_rate=0.05, reg=0.0, num_iters=1, batch_size=30)
    from numerics.linear_svm import svm_loss_vectorized

    W0 = 0.001 * np.random.default_rng(7).standard_normal((4, 3))
    expected = W0 - 0.05 * svm_loss_vectorized(W0, X[first], y[first], 0.0)[1]
    assert np.allclose(probe.W, expected, rtol=0, atol=1e-15)


def test_a_too_large_step_stops_training_instead_of_overflowing() -> None:
    from numerics.linear_svm import LinearSVM

    X = np.full((10, 2), 1e150)
    y = np.arange(10) % 2
    m = LinearSVM(rng=np.random.default_rng(0))
    hist = m.train(X, y, learning_rate=1e150, reg=1.0, num_iters=50, batch_size=5)
    assert m.diverged and not np.isfinite(hist[-1]) and np.all(np.isfinite(m.W)) and len(hist) < 50


def test_predict_before_train_and_huge_batches_are_refused() -> None:
    from numerics.linear_svm import LinearSVM

    with pytest.raises(ValueError, match="call train"):
        LinearSVM().predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="batch_size: expected a batch of at most"):
        LinearSVM(rng=np.random.default_rng(0)).train(np.zeros((4, 3)), np.array([0, 1, 0, 1]), batch_size=10**9)


def test_gradient_check_tells_right_from_wrong_and_flags_kinks() -> None:
    from numerics.linear_svm import svm_grad_check, svm_loss_vectorized

    W, X, y = _data(np.random.default_rng(1))
    _, g = svm_loss_vectorized(W, X, y, 0.1)
    ok = svm_grad_check(W, X, y, 0.1, g, num_checks=W.size, rng=np.random.default_rng(0))
    assert ok.passed and not ok.kinks.any()
    bad = svm_grad_check(W, X, y, 0.1, g * 1.01, num_checks=W.size, rng=np.random.default_rng(0))
    assert not bad.passed
    # a margin exactly at 0: the probes of that pair's columns straddle the kink and are flagged
    Xk, yk = np.array([[1.0, 1.0]]), np.array([0])
    Wk = np.array([[0.0, -0.5], [0.0, -0.5]])  # margin of class 1: -1 + 1 = 0
    res = svm_grad_check(Wk, Xk, yk, 0.0, svm_loss_vectorized(Wk, Xk, yk, 0.0)[1], num_checks=4,
                         rng=np.random.default_rng(0))
    assert res.kinks.all() and res.passed


def test_sweep_grid_and_best() -> None:
    from numerics.linear_svm import svm_sweep

    rng = np.random.default_rng(4)
    X = np.hstack([rng.standard_normal((90, 3)), np.ones((90, 1))])
    y = np.argmax(X @ rng.standard_normal((4, 3)), axis=1)
    sw = svm_sweep(X[:60], y[:60], X[60:], y[60:], [1e-3, 1e-1], [0.0, 1.0, 10.0], num_iters=40, batch_size=20,
                   rng=np.random.default_rng(0), n_classes=3)
    assert sw.val_grid().shape == (2, 3) and len(sw.cells) == 6
    assert sw.best.val_accuracy == max(c.val_accuracy for c in sw.cells)
    again = svm_sweep(X[:60], y[:60], X[60:], y[60:], [1e-3, 1e-1], [0.0, 1.0, 10.0], num_iters=40, batch_size=20,
                      rng=np.random.default_rng(0), n_classes=3)
    assert [c.val_accuracy for c in sw.cells] == [c.val_accuracy for c in again.cells]
    with pytest.raises(ValueError, match="at least one"):
        svm_sweep(X[:60], y[:60], X[60:], y[60:], [], [1.0], num_iters=1, batch_size=1, rng=np.random.default_rng(0))


def test_the_shared_sweep_engine_spawns_one_stream_per_point_and_refuses_bad_input() -> None:
    """numerics.sweep serves both sweeps: point k gets child k of rng.spawn, the first best wins a tie."""
    from numerics.sweep import best_on_validation, sweep_data, train_grid

    draws = train_grid(["a", "b"], lambda p, r: (p, float(r.random())), rng=np.random.default_rng(3))
    children = np.random.default_rng(3).spawn(2)
    assert draws == [("a", float(children[0].random())), ("b", float(children[1].random()))]
    assert best_on_validation([0.2, 0.9, 0.9, 0.1]) == 1
    with pytest.raises(ValueError, match="at least one"):
        best_on_validation([])
    with pytest.raises(ValueError, match="numpy.random.Generator, got int"):
        train_grid([1], lambda p, r: p, rng=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="y_val"):
        sweep_data(np.zeros((3, 2)), [0, 1, 2], np.zeros((1, 2)), [5], 3)
    with pytest.raises(ValueError, match="X_val"):
        sweep_data(np.zeros((3, 2)), [0, 1, 2], np.zeros((1, 3)), [0], None)


def test_subdifferential_membership_can_fail() -> None:
    from derive.svm.functions import subgradient_in_subdifferential, svm_grad

    Xk, yk = np.array([[1.0, 1.0]]), np.array([0])
    Wk = np.array([[0.0, -0.5], [0.0, -0.5]])
    g0, g1 = svm_grad(Wk, Xk, yk, 0.0, kink_value=0.0), svm_grad(Wk, Xk, yk, 0.0, kink_value=1.0)
    assert not np.array_equal(g0, g1)
    for h in (0.0, 0.3, 1.0):
        assert subgradient_in_subdifferential(g0 + h * (g1 - g0), Wk, Xk, yk, 0.0)
    assert not subgradient_in_subdifferential(g0 + 1.5 * (g1 - g0), Wk, Xk, yk, 0.0)
    assert not subgradient_in_subdifferential(g0 - 0.5 * (g1 - g0), Wk, Xk, yk, 0.0)


# -- check-answer ----------------------------------------------------------------------------------

def test_geq_instead_of_gt_is_accepted() -> None:
    """At a margin of exactly 0, ≥ takes the kink value 1: another subgradient (the instances avoid the kinks)."""
    from derive.answers import check_answer

    geq = "X.T @ ((m >= 0) * (1 - Y) - Y * sum((m >= 0) * (1 - Y), axis=1, keepdims=1)) / N + 2 * reg * W"
    assert check_answer("svm.grad_W", geq).equivalent
    assert check_answer("svm.grad_w_k", "1/N * sum_i ((1 - 1{y_i = k}) * 1{m[i, k] >= 0} - 1{y_i = k} * "
                                        "sum_j (1 - 1{y_i = j}) * 1{m[i, j] >= 0}) * x_i + 2 * reg * W[:, k]").equivalent


@pytest.mark.parametrize("qid, text, code", [
    ("svm.grad_w_k", "1/N * sum_i ((1 - 1{y_i = k}) * 1{m[i, k] > 0} - 1{y_i = k} * sum_j 1{m[i, j] > 0}) * x_i "
                     "+ 2 * reg * W[:, k]", "true_class_counted"),
    ("svm.grad_w_k", "1/N * sum_i (1 - 1{y_i = k}) * 1{m[i, k] > 0} * x_i + 2 * reg * W[:, k]",
     "missing_true_class_term"),
    ("svm.grad_W", "X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) + 2 * reg * W",
     "missing_mean"),
    ("svm.grad_W", "X.T @ ((m > 0) * (1 - Y) - Y * sum((m > 0) * (1 - Y), axis=1, keepdims=1)) / N + reg * W",
     "reg_without_2"),
    ("svm.initial_loss", "C", "true_class_counted"),
])
def test_classic_mistakes_are_named(qid: str, text: str, code: str) -> None:
    from derive.answers import check_answer

    r = check_answer(qid, text)
    assert not r.equivalent and r.mistake == code, r.report()


# -- experiment, CLI -------------------------------------------------------------------------------

def test_experiment_record_is_reproducible_and_figures_are_written(tmp_path: Path) -> None:
    from numerics.svm_experiment import FIGURES, run_svm_experiment, save_svm_figures

    kw = dict(num_iters=30, batch_size=50, learning_rates=(1e-3, 1e-2), regs=(0.5, 2.5), seed=1)
    a, b = run_svm_experiment("digits", **kw), run_svm_experiment("digits", **kw)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    r = a.to_dict()
    assert r["C_minus_1"] == 9.0 and abs(r["initial_data_loss"] - 9.0) < 0.1 and len(r["sweep"]) == 4
    paths = save_svm_figures(a, tmp_path)
    assert [p.name for p in paths] == list(FIGURES) and all(p.stat().st_size > 1000 for p in paths)


def test_problem_checks_pass_on_digits_and_can_fail(tmp_path: Path) -> None:
    from derive.registry import ExperimentContext
    from derive.svm.experiment import svm_checks
    from numerics.svm_experiment import run_svm_experiment

    rec = run_svm_experiment("digits", num_iters=200, learning_rates=(1e-3,), regs=(2.5,)).to_dict()
    checks = svm_checks(rec, "digits", None, np.random.default_rng(0))
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    broken = json.loads(json.dumps(rec))
    broken["near_zero"]["data_loss"] = 10.0  # C instead of C − 1
    broken["grad_check"]["vectorised"][0] = 1e-3
    broken["naive_vs_vectorised"]["grad_max_abs_difference"] = 1e-6
    broken["sgd"]["mean_last_100"] = broken["sgd"]["first_loss"] + 1
    failed = {c.name for c in svm_checks(broken, "digits", None, np.random.default_rng(0)) if not c.passed}
    assert failed == {"svm: initial loss ≈ C − 1", "svm: sparse gradient check", "svm: naive = vectorised",
                      "svm: SGD learns"}
    # a probe across a kink is set aside (its error says nothing about the subgradient); weights that are not
    # near 0 (a gap at or above Δ = 1) do not support the claim, whatever the loss
    kinked = json.loads(json.dumps(rec))
    kinked["grad_check"]["vectorised"][0], kinked["grad_check"]["kink_probes"]["vectorised"][0] = 1e-3, True
    kinked["near_zero"]["max_score_gap"] = 1.5
    by_name = {c.name: c for c in svm_checks(kinked, "digits", None, np.random.default_rng(0))}
    assert by_name["svm: sparse gradient check"].passed and not by_name["svm: initial loss ≈ C − 1"].passed
    kinked["grad_check"]["kink_probes"] = {k: [True] * len(v) for k, v in kinked["grad_check"]["kink_probes"].items()}
    assert not {c.name: c for c in svm_checks(kinked, "digits", None, np.random.default_rng(0))}[
        "svm: sparse gradient check"].passed
    assert ExperimentContext  # the registry's context type is what run() receives


def test_cli_runs_and_refuses_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    from derive.cli import main

    assert main(["svm", "--quiet", "--json", "--num-iters", "20", "--learning-rates", "1e-3", "--regs", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_classes"] == 10 and len(out["sweep"]) == 1
    for bad in (["--n-train", "0"], ["--learning-rate", "nan"], ["--regs", "-1"], ["--batch-size", "0"]):
        assert main(["svm", "--quiet", "--num-iters", "5", *bad]) == 2
        assert "gradproof svm: error:" in capsys.readouterr().err


@pytest.mark.skipif(not os.environ.get("GRADPROOF_CIFAR_SUBSET_DIR"), reason="GRADPROOF_CIFAR_SUBSET_DIR not set")
def test_cifar_subset_run() -> None:
    from numerics.svm_experiment import run_svm_experiment

    r = run_svm_experiment("cifar10-subset", data_dir=os.environ["GRADPROOF_CIFAR_SUBSET_DIR"], num_iters=100,
                           learning_rates=(1e-7,), regs=(2.5e4,)).to_dict()
    assert r["n_features"] == 3073 and abs(r["initial_data_loss"] - 9.0) < 0.5
    assert r["sgd"]["mean_last_100"] < r["sgd"]["first_loss"] and r["best"]["val_accuracy"] > 0.15


# -- check-derivation ------------------------------------------------------------------------------

_LOSS_LINE = (r"L(W) = \frac{1}{N}\sum_{i=1}^{N}\sum_{j=1}^{C}\left(1 - \mathbb{1}\{j = y_i\}\right)"
              r"\max\left(0, x_i^\top w_j - x_i^\top w_{y_i} + 1\right) + \lambda \sum_{d=1}^{D}\sum_{j=1}^{C} W_{d,j}^2")


@pytest.mark.parametrize("grad_line, follows", [
    (r"\nabla_W L(W) = \frac{1}{N} X^\top M + 2 \lambda W", True),
    (r"\nabla_W L(W) = \frac{1}{N} X^\top M + \lambda W", False),  # the regulariser's 2 forgotten
    (r"\nabla_W L(W) = X^\top M + 2 \lambda W", False),  # 1/N forgotten
])
def test_check_derivation_knows_the_svm(tmp_path: Path, capsys: pytest.CaptureFixture[str], grad_line: str,
                                        follows: bool) -> None:
    from derive.cli import main

    path = tmp_path / "svm.tex"
    path.write_text(_LOSS_LINE + "\n" + grad_line + "\n", encoding="utf-8")
    status = main(["check-derivation", "--problem", "svm", "--json", str(path)])
    out = json.loads(capsys.readouterr().out)
    assert (status == 0) == follows, out


def test_benchmark_workload_runs_at_the_tiny_size() -> None:
    """svm_workload appends one row against one GEMM (timings are measured in `gradproof bench`, not asserted)."""
    from numerics.bench.workloads import Context
    from numerics.svm_experiment import svm_workload

    ctx = Context("tiny", 1, np.random.default_rng(0), 1.0, 1.0, 1.0)
    svm_workload(ctx)
    (row,) = ctx.rows
    assert row.workload.startswith("svm vectorised loss+grad 300x33") and row.reference_s and row.timing.median > 0
    from numerics.svm_experiment import svm_loss_bytes

    assert svm_loss_bytes(300, 33, 10) == 8 * (2 * 300 * 33 + 2 * 33 * 10 + 4 * 300 * 10)
    (note,) = row.notes
    assert f"{svm_loss_bytes(300, 33, 10) / 1e6:.1f} MB moved" in note and "x the memory-bound time" in note
