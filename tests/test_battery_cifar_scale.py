"""Battery at the homework's real shapes, arrays from numpy with a hypothesis-chosen seed.

* softmax: N = 500 (the dev set), D = 3073 (3072 pixels + bias), C = 10, every implementation,
  central differences on 20 sampled entries (the homework checks 10);
* kNN distances: 200 test × 5000 train × 3072 uint8 pixels, with duplicated images, for every
  vectorised L2 implementation (exact: integer data), checked on 300 sampled pairs plus
  "finite and ≥ 0" everywhere; the same for every vectorised L1 / L∞ implementation (each
  backend of numerics.accel included: ≈ 1.5 s for the numpy one).  One reduction, for time
  on this 2-core machine: the naive double loops (≈ 8 s each at 200 × 5000, six of them) use
  5 test rows × the full 5000 training rows;
* hinge (500 × 3072, labels ±1) and the ridge objective (500 × 3073) as extra large cases.

Hypothesis only chooses seeds and scales (``max_examples`` small).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from battery import (
    BatteryFailure,
    DistanceCase,
    HingeCase,
    RidgeCase,
    SoftmaxCase,
    check_distances,
    check_hinge_smooth,
    check_ridge,
    check_softmax,
    check_softmax_predict,
    distance_impls,
    hinge_impls,
    kink_clearance,
    noisy_impls,
    softmax_impls,
    FD_STEP,
)

N_DEV, D_PIXELS, C = 500, 3072, 10
N_TEST, N_TRAIN = 200, 5000
N_TEST_NAIVE = 5  # naive double loops

seeds = st.integers(0, 2**32 - 1)


def cifar_like_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    """uint8 'images' (n, 3072): a smooth per-image level plus pixel noise, clipped to 0..255."""
    level = rng.integers(30, 220, size=(n, 1))
    return np.clip(level + rng.normal(0, 40, size=(n, D_PIXELS)), 0, 255).astype(np.uint8)


def softmax_dev_case(seed: int, weight_scale: float) -> SoftmaxCase:
    """The homework's preprocessing: float pixels, mean image subtracted, bias column of ones."""
    rng = np.random.default_rng(seed)
    pixels = cifar_like_rows(rng, N_DEV).astype(np.float64)
    X = np.hstack([pixels - pixels.mean(axis=0), np.ones((N_DEV, 1))])
    W = rng.standard_normal((C, D_PIXELS + 1)) * weight_scale
    return SoftmaxCase(W, X, rng.integers(0, C, size=N_DEV))


@settings(max_examples=2)
@given(seed=seeds, weight_scale=st.sampled_from([1e-4, 1e-3]))
def test_softmax_every_implementation_at_500_x_3073(seed: int, weight_scale: float) -> None:
    note(f"seed {seed}, W ~ N(0, 1) * {weight_scale}")
    case = softmax_dev_case(seed, weight_scale)
    check_softmax(softmax_impls(), case, probes=20, rng=np.random.default_rng(seed))


@settings(max_examples=2)
@given(seed=seeds)
def test_softmax_predict_at_500_x_3073(seed: int) -> None:
    case = softmax_dev_case(seed, 1e-3)
    S = np.sort(case.X @ case.W.T, axis=1)
    assume(np.all(S[:, -1] - S[:, -2] > 1e-9))  # no near-ties: argmax well defined
    check_softmax_predict(softmax_impls(), case)


@settings(max_examples=1)
@given(seed=seeds)
def test_softmax_check_still_fails_a_mutant_at_scale(seed: int) -> None:
    """At CIFAR scale the bounds are wider (|x| ~ 128, D = 3073): a 0.1 % error must still fail."""
    case = softmax_dev_case(seed, 1e-3)
    real = softmax_impls()["loss/numerics.softmax_loss_and_grad"]

    def mutant(W: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = real(W, X, y)
        return loss, grad * 1.001

    with pytest.raises(BatteryFailure, match="gradient"):
        check_softmax({"loss/mutant x 1.001": mutant}, case, probes=20, rng=np.random.default_rng(seed))


def knn_case(seed: int, n_test: int, n_train: int) -> DistanceCase:
    """uint8 test and training rows; 5 test images duplicated into the training set."""
    rng = np.random.default_rng(seed)
    X_test = cifar_like_rows(rng, n_test)
    X_train = cifar_like_rows(rng, n_train)
    k = min(5, n_test)
    X_train[rng.choice(n_train, size=k, replace=False)] = X_test[:k]
    return DistanceCase(X_test, X_train, "uint8 CIFAR-like")


def _is_naive(name: str) -> bool:
    return "naive" in name or name.endswith("KNN.compute_distances") or "KNN.compute_distances(" in name


def _table(pred: object) -> dict[str, object]:
    return {k: v for k, v in distance_impls().items() if pred(k)}  # type: ignore[operator]


@settings(max_examples=1)
@given(seed=seeds)
def test_vectorised_l2_at_200_x_5000_x_3072(seed: int) -> None:
    impls = _table(lambda k: k.split("/")[0] in ("sq", "l2") and not _is_naive(k))
    check_distances(impls, knn_case(seed, N_TEST, N_TRAIN), pairs=300, rng=np.random.default_rng(seed))


@settings(max_examples=1)
@given(seed=seeds)
def test_vectorised_l1_linf_at_200_x_5000_x_3072(seed: int) -> None:
    impls = _table(lambda k: k.split("/")[0] in ("l1", "linf") and not _is_naive(k))
    check_distances(impls, knn_case(seed, N_TEST, N_TRAIN), pairs=300, rng=np.random.default_rng(seed))


@settings(max_examples=1)
@given(seed=seeds)
def test_naive_loops_at_5_x_5000_x_3072(seed: int) -> None:
    impls = _table(_is_naive)
    check_distances(impls, knn_case(seed, N_TEST_NAIVE, N_TRAIN), pairs=300, rng=np.random.default_rng(seed))


def test_every_distance_implementation_is_checked_at_scale() -> None:
    names = set(distance_impls())
    vec_l2 = {k for k in names if k.split("/")[0] in ("sq", "l2") and not _is_naive(k)}
    vec_l1 = {k for k in names if k.split("/")[0] in ("l1", "linf") and not _is_naive(k)}
    naive = {k for k in names if _is_naive(k)}
    assert vec_l2 | vec_l1 | naive == names
    assert naive and vec_l2 and vec_l1


@settings(max_examples=2)
@given(seed=seeds)
def test_hinge_at_500_x_3072(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = (cifar_like_rows(rng, N_DEV).astype(np.float64) - 127.5) / 127.5
    case = HingeCase(rng.standard_normal(D_PIXELS) * 0.02, float(rng.normal()), X, rng.choice([-1, 1], size=N_DEV))
    assume(kink_clearance(case, FD_STEP) > 2)
    check_hinge_smooth(hinge_impls(), case, probes=20, rng=rng)


@settings(max_examples=2)
@given(seed=seeds, sigma=st.sampled_from([0.0, 0.1, 1.0]))
def test_ridge_objective_at_500_x_3073(seed: int, sigma: float) -> None:
    rng = np.random.default_rng(seed)
    X = np.hstack([rng.standard_normal((N_DEV, D_PIXELS)), np.ones((N_DEV, 1))])
    case = RidgeCase(rng.standard_normal(D_PIXELS + 1) * 0.01, X, rng.standard_normal(N_DEV), sigma)
    check_ridge({k: v for k, v in noisy_impls().items() if k.startswith("objective/")}, case, probes=20, rng=rng)
