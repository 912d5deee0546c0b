"""kNN prediction: stable neighbour order, majority vote with ties to the smallest label, KNN class."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numerics.knn import KNN, l2_distances, nearest_indices, predict_from_neighbours, predict_labels
from numerics.knn.distances import NORMS, compute_distances


# --------------------------------------------------------------------------- references

def reference_nearest(D: np.ndarray, k: int) -> np.ndarray:
    """Sort each row by (distance, index) in plain Python."""
    return np.array([sorted(range(D.shape[1]), key=lambda j: (D[i, j], j))[:k] for i in range(D.shape[0])])


def reference_vote(labels: list[int]) -> int:
    """Majority label; a tie goes to the smallest label."""
    counts = Counter(labels)
    top = max(counts.values())
    return min(c for c, n in counts.items() if n == top)


@st.composite
def tied_dists(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    """Distance matrices with many ties (few distinct values) and a k_max."""
    n_test = draw(st.integers(1, 6), label="n_test")
    n_train = draw(st.integers(1, 12), label="n_train")
    values = draw(st.integers(1, 4), label="distinct values")
    D = draw(hnp.arrays(np.float64, (n_test, n_train), elements=st.integers(0, values - 1).map(float)), label="dists")
    k = draw(st.integers(1, n_train), label="k_max")
    return D, k


# --------------------------------------------------------------------------- nearest_indices

@given(case=tied_dists())
def test_nearest_indices_stable_order(case: tuple[np.ndarray, int]) -> None:
    D, k = case
    got = nearest_indices(D, k)
    note(f"got={got!r}")
    assert got.dtype == np.int64 and got.shape == (D.shape[0], k)
    np.testing.assert_array_equal(got, reference_nearest(D, k))
    np.testing.assert_array_equal(got, np.argsort(D, axis=1, kind="stable")[:, :k])


def test_tie_straddling_the_boundary_takes_lower_indices() -> None:
    D = np.array([[1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 1.0]])
    np.testing.assert_array_equal(nearest_indices(D, 4), [[1, 8, 0, 2]])
    all_tied = np.zeros((3, 50))
    np.testing.assert_array_equal(nearest_indices(all_tied, 5), np.tile(np.arange(5), (3, 1)))


def test_stability_check_can_fail() -> None:
    """The reference rejects an order that breaks a distance tie by the higher index."""
    D = np.zeros((1, 3))
    assert not np.array_equal(np.array([[2, 1, 0]]), reference_nearest(D, 3))


# --------------------------------------------------------------------------- voting

@given(
    labels=hnp.arrays(np.int64, st.tuples(st.integers(1, 5), st.integers(1, 8)), elements=st.integers(0, 3)),
    data=st.data(),
)
def test_vote_matches_reference(labels: np.ndarray, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, labels.shape[1]), label="k")
    got = predict_from_neighbours(labels, k, n_classes=4)
    expected = [reference_vote(list(row[:k])) for row in labels]
    np.testing.assert_array_equal(got, expected)


def test_vote_tie_goes_to_smallest_label() -> None:
    assert predict_from_neighbours([[5, 2]], k=2, n_classes=6).tolist() == [2]
    assert predict_from_neighbours([[9, 9, 3, 3, 1]], k=4, n_classes=10).tolist() == [3]
    assert predict_from_neighbours([[9, 9, 3, 3, 1]], k=5, n_classes=10).tolist() == [3]
    assert predict_from_neighbours([[9, 9, 3, 3, 1]], k=1, n_classes=10).tolist() == [9]
    # a vote without a tie is a plain majority, even for a larger label
    assert predict_from_neighbours([[7, 0, 7]], k=3, n_classes=8).tolist() == [7]


def test_vote_check_can_fail() -> None:
    """A vote that breaks ties towards the largest label disagrees with the reference."""
    assert reference_vote([5, 2]) == 2 and reference_vote([5, 2]) != max([5, 2])


# --------------------------------------------------------------------------- predict_labels

@given(case=tied_dists(), data=st.data())
def test_predict_labels_matches_reference(case: tuple[np.ndarray, int], data: st.DataObject) -> None:
    D, k = case
    y = data.draw(hnp.arrays(np.int64, D.shape[1], elements=st.integers(0, 4)), label="y_train")
    expected = [reference_vote([int(y[j]) for j in row]) for row in reference_nearest(D, k)]
    np.testing.assert_array_equal(predict_labels(D, y, k), expected)


def test_equal_distances_use_training_order_not_label_order() -> None:
    # k = 1 with two points at the same distance: the lower *index* wins, not the lower label
    assert predict_labels([[1.0, 1.0]], [3, 1], k=1).tolist() == [3]
    # k = 2 with a tie at the 2nd place: index 1 (label 4) is taken, index 2 (label 0) is not
    assert predict_labels([[0.0, 2.0, 2.0]], [4, 4, 0], k=2).tolist() == [4]


def test_predict_labels_integer_and_float_dists() -> None:
    assert predict_labels(np.array([[3, 1, 2]]), [0, 1, 2], k=1).tolist() == [1]
    assert predict_labels(np.array([[3, 1, 2]], dtype=np.float32), [0, 1, 2], k=3).tolist() == [0]


@pytest.mark.parametrize(
    ("dists", "y", "k", "message"),
    [
        ([[0.0, 1.0]], [0, 1], 3, r"k: expected at most n_train = 2 \(the number of training samples\), got k = 3"),
        ([[0.0, 1.0]], [0, 1], 0, r"k: expected an integer >= 1, got 0"),
        ([[0.0, 1.0]], [0, 1], 1.0, r"k: expected an integer, got 1.0"),
        ([[0.0, 1.0]], [0, 1, 2], 1, r"y_train: expected 2 labels \(one per column of dists\), got 3"),
        ([[0.0, 1.0]], [0, -1], 1, r"y_train: expected non-negative labels, got -1"),
        ([[0.0, 1.0]], [0, 0.5], 1, r"y_train: expected integer labels"),
        ([[0.0, np.nan]], [0, 1], 1, r"dists: expected finite values"),
        ([0.0, 1.0], [0, 1], 1, r"dists: expected a 2-D array"),
        (np.zeros((0, 2)), [0, 1], 1, r"dists: expected a non-empty array"),
        ([[True, False]], [0, 1], 1, r"dists: expected real distances, got dtype bool"),
    ],
)
def test_predict_labels_errors(dists, y, k, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        predict_labels(dists, y, k)


@pytest.mark.parametrize(
    ("dists", "k", "message"),
    [
        ([[0.0, 1.0]], 3, r"k_max: expected at most n_train = 2 \(the number of training samples\), got k_max = 3"),
        ([[0.0, 1.0]], 0, r"k_max: expected an integer >= 1, got 0"),
        ([[np.inf, 1.0]], 1, r"dists: expected finite values"),
        ([["a", "b"]], 1, r"dists: expected a numeric array"),
    ],
)
def test_nearest_indices_errors(dists, k, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        nearest_indices(dists, k)


@pytest.mark.parametrize(
    ("labels", "k", "n_classes", "message"),
    [
        ([[0, 1]], 3, 2, r"k: expected at most k_max = 2 \(the columns of neighbour_labels\), got k = 3"),
        ([[0, 1]], 0, 2, r"k: expected an integer >= 1, got 0"),
        ([[0, 2]], 1, 2, r"neighbour_labels: expected labels in 0..1, got 2"),
        ([[0, 1]], 1, 0, r"n_classes: expected an integer >= 1, got 0"),
        ([0, 1], 1, 2, r"neighbour_labels: expected a 2-D array"),
    ],
)
def test_predict_from_neighbours_errors(labels, k, n_classes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        predict_from_neighbours(labels, k, n_classes)


# --------------------------------------------------------------------------- the KNN class

@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = rng.integers(40, 216, size=(3, 12))
    y = np.arange(60) % 3
    X = np.clip(centres[y] + rng.integers(-30, 31, size=(60, 12)), 0, 255).astype(np.uint8)
    return X[:45], y[:45], X[45:], y[45:]


def test_knn_interface(blobs) -> None:
    X_tr, y_tr, X_te, y_te = blobs
    model = KNN()
    assert model.train(X_tr, y_tr) is model
    assert model.X_train_ is not None and model.X_train_.dtype == np.uint8  # stored, not converted
    naive = model.compute_distances(X_te)  # default: L2 norm, double loop
    fast = model.compute_L2_distances_vectorized(X_te)
    assert naive.shape == fast.shape == (15, 45)
    np.testing.assert_array_equal(naive, fast)  # integer pixels: exact
    l1 = model.compute_distances(X_te, norm=lambda v: np.abs(v).sum())
    np.testing.assert_array_equal(l1, compute_distances(X_te, X_tr, "l1"))
    for k in (1, 3, 7):
        pred = model.predict_labels(fast, k=k)
        assert pred.dtype == np.int64 and pred.shape == (15,)
        np.testing.assert_array_equal(pred, predict_labels(fast, y_tr, k))
    assert np.mean(model.predict_labels(fast, k=3) == y_te) > 0.9


@pytest.mark.parametrize("norm", [*NORMS, np.linalg.norm])
@pytest.mark.parametrize("budget", [1, 8 * 45 * 4, 1 << 28])
def test_knn_predict_blocks_equal_whole(blobs, norm, budget: int) -> None:
    X_tr, y_tr, X_te, _ = blobs
    model = KNN().train(X_tr, y_tr)
    expected = predict_labels(compute_distances(X_te, X_tr, norm), y_tr, 5)
    np.testing.assert_array_equal(model.predict(X_te, k=5, norm=norm, max_block_bytes=budget), expected)


def test_knn_does_not_modify_inputs(blobs) -> None:
    X_tr, y_tr, X_te, _ = blobs
    copies = X_tr.copy(), y_tr.copy(), X_te.copy()
    model = KNN().train(X_tr, y_tr)
    model.predict(X_te, k=3, norm="l1")
    model.compute_distances(X_te)
    for a, b in zip((X_tr, y_tr, X_te), copies, strict=True):
        np.testing.assert_array_equal(a, b)


def test_knn_errors(blobs) -> None:
    X_tr, y_tr, X_te, _ = blobs
    fresh = KNN()
    for call in (lambda: fresh.predict(X_te), lambda: fresh.compute_distances(X_te),
                 lambda: fresh.compute_L2_distances_vectorized(X_te), lambda: fresh.predict_labels([[0.0]])):
        with pytest.raises(ValueError, match=r"KNN: expected a trained model.*call train\(X, y\) first"):
            call()
    with pytest.raises(ValueError, match=r"y: expected 45 labels \(one per row of X\), got 44"):
        KNN().train(X_tr, y_tr[:-1])
    with pytest.raises(ValueError, match=r"X: expected a 2-D array"):
        KNN().train(X_tr[0], y_tr[:1])
    model = KNN().train(X_tr, y_tr)
    with pytest.raises(ValueError, match=r"X: expected 12 columns, got shape \(15, 11\)"):
        model.predict(X_te[:, :11])
    with pytest.raises(ValueError, match=r"k: expected at most n_train = 45 \(the number of training samples\), got k = 46"):
        model.predict(X_te, k=46)
    with pytest.raises(ValueError, match=r"k: expected at most n_train = 45"):
        model.predict_labels(l2_distances(X_te, X_tr), k=46)
    with pytest.raises(ValueError, match=r"dists: expected 45 columns \(one per training row\), got shape \(15, 44\)"):
        model.predict_labels(l2_distances(X_te, X_tr[:44]))
    with pytest.raises(ValueError, match=r"norm: expected a callable norm\(vector\) -> float or None, got 'l1'"):
        model.compute_distances(X_te, norm="l1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"norm: expected a callable or one of 'l1', 'l2', 'linf', got 'l7'"):
        model.predict(X_te, norm="l7")
    with pytest.raises(ValueError, match=r"max_block_bytes: expected an integer >= 1, got 0"):
        model.predict(X_te, max_block_bytes=0)
