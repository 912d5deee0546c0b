"""Cross-validation of kNN over k and norms, its result object, and the kNN figures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from numerics.knn import cv as cv_mod
from numerics.knn import plots
from numerics.knn.cv import K_CHOICES, CVResult, cross_validate
from numerics.knn.distances import compute_distances
from numerics.knn.predict import predict_labels
from numerics.preprocess import kfold_indices


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """Three noisy uint8 clusters in 10 dimensions, 90 samples (with ties in the distances)."""
    rng = np.random.default_rng(0)
    centres = rng.integers(60, 196, size=(3, 10))
    y = rng.integers(0, 3, size=90)
    X = np.clip(centres[y] + rng.integers(-60, 61, size=(90, 10)), 0, 255).astype(np.uint8)
    return X, y


def reference_cv(X, y, ks, norms, n_folds, rng) -> np.ndarray:
    """Fold by fold, norm by norm, k by k, with the plain functions (no reuse at all)."""
    folds = kfold_indices(len(y), n_folds, rng)
    errors = np.empty((len(norms), len(ks), n_folds))
    for f, val in enumerate(folds):
        train = np.sort(np.concatenate([g for i, g in enumerate(folds) if i != f]))
        for a, norm in enumerate(norms):
            for b, k in enumerate(ks):
                pred = predict_labels(compute_distances(X[val], X[train], norm), y[train], k)
                errors[a, b, f] = np.mean(pred != y[val])
    return errors


@pytest.mark.parametrize("seed", [None, 0, 7])
def test_matches_reference(data, seed) -> None:
    X, y = data
    ks, norms = (1, 2, 5, 10), ("l1", "l2", "linf")
    rng = None if seed is None else np.random.default_rng(seed)
    result = cross_validate(X, y, ks=ks, norms=norms, n_folds=4, rng=rng)
    ref_rng = None if seed is None else np.random.default_rng(seed)
    expected = reference_cv(X, y, ks, norms, 4, ref_rng)
    assert result.ks == ks and result.norms == norms and result.errors.shape == (3, 4, 4)
    np.testing.assert_array_equal(result.errors, expected)
    assert ((result.errors >= 0) & (result.errors <= 1)).all()


def test_defaults_are_the_homework(data) -> None:
    X, y = data
    result = cross_validate(X, y)
    assert result.ks == K_CHOICES == (1, 2, 3, 5, 7, 10, 15, 20, 25, 30)
    assert result.norms == ("l2",) and result.n_folds == 5
    # rng None: contiguous folds, as np.array_split
    np.testing.assert_array_equal(result.errors, reference_cv(X, y, K_CHOICES, ("l2",), 5, None))


def test_same_seed_same_result_and_seed_matters(data) -> None:
    X, y = data
    run = lambda s: cross_validate(X, y, ks=(1, 3), norms=("l1",), rng=np.random.default_rng(s)).errors  # noqa: E731
    np.testing.assert_array_equal(run(3), run(3))
    assert any(not np.array_equal(run(3), run(s)) for s in (4, 5, 6))


def test_distances_once_per_fold_and_norm_one_partial_sort(data, monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = data
    dist_calls: list[str] = []
    sort_calls: list[int] = []
    gram_calls: list[int] = []
    real_dist, real_sort, real_gram = cv_mod.compute_distances, cv_mod.nearest_indices, cv_mod.gram

    def spy_dist(a, b, norm):
        dist_calls.append(norm)
        return real_dist(a, b, norm)

    def spy_sort(d, k_max):
        sort_calls.append(k_max)
        return real_sort(d, k_max)

    def spy_gram(a, b):
        gram_calls.append(a.data.shape[0])
        return real_gram(a, b)

    monkeypatch.setattr(cv_mod, "compute_distances", spy_dist)
    monkeypatch.setattr(cv_mod, "nearest_indices", spy_sort)
    monkeypatch.setattr(cv_mod, "gram", spy_gram)
    ks = (1, 3, 5, 7, 10, 15)
    result = cross_validate(X, y, ks=ks, norms=("l1", "l2"), n_folds=3)
    # L1 once per fold; L2 of uint8 data: one shared Gram matrix of all 90 samples, sliced per fold
    assert sorted(dist_calls) == ["l1"] * 3  # not 6 ks x 2 norms x 3 folds = 36
    assert gram_calls == [90]
    assert sort_calls == [15] * 6  # one partial sort with k_max per (fold, norm)
    dist_calls.clear()
    gram_calls.clear()
    float_result = cross_validate(X + 0.25, y, ks=ks, norms=("l2",), n_folds=3)  # float data: fold by fold
    assert dist_calls == ["l2"] * 3 and gram_calls == []
    monkeypatch.undo()
    np.testing.assert_array_equal(result.errors, cross_validate(X, y, ks=ks, norms=("l1", "l2"), n_folds=3).errors)
    np.testing.assert_array_equal(result.errors[1], float_result.errors[0])  # a shift changes no distance


def test_shared_gram_equals_fold_by_fold(data, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared-Gram route gives exactly the errors of the fold-by-fold one (and is the one taken)."""
    X, y = data
    shared = cross_validate(X, y, norms=("l2",), rng=np.random.default_rng(1))
    monkeypatch.setattr(cv_mod, "GRAM_MAX_BYTES", 0)
    monkeypatch.setattr(cv_mod, "gram", lambda a, b: pytest.fail("the Gram route was taken"))
    np.testing.assert_array_equal(shared.errors, cross_validate(X, y, norms=("l2",), rng=np.random.default_rng(1)).errors)


def test_progress_bar(data, capsys: pytest.CaptureFixture[str]) -> None:
    X, y = data
    cross_validate(X, y, ks=(1,), n_folds=3, progress=True)
    assert "cross-validation" in capsys.readouterr().err
    cross_validate(X, y, ks=(1,), n_folds=3, progress=False)
    assert capsys.readouterr().err == ""


def test_inputs_not_modified(data) -> None:
    X, y = data
    X0, y0 = X.copy(), y.copy()
    cross_validate(X, y, ks=(1, 3), norms=("l1", "linf"), rng=np.random.default_rng(0))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ks": ()}, r"ks: expected a non-empty sequence of integers, got \(\)"),
        ({"ks": 3}, r"ks: expected a non-empty sequence of integers, got 3"),
        ({"ks": (1, 0)}, r"ks: expected an integer >= 1, got 0"),
        ({"ks": (1, 2.5)}, r"ks: expected an integer, got 2.5"),
        ({"ks": (3, 1, 3)}, r"ks: expected distinct values, got \(3, 1, 3\)"),
        ({"ks": (1, 73)}, r"ks: expected every k <= 72 \(the smallest training split of 90 samples in 5 folds\), got k = 73"),
        ({"norms": "l2"}, r"norms: expected a non-empty sequence of names from \('l1', 'l2', 'linf'\), got 'l2'"),
        ({"norms": ()}, r"norms: expected a non-empty sequence"),
        ({"norms": ("l2", "cosine")}, r"norms: expected names from \('l1', 'l2', 'linf'\), got 'cosine'"),
        ({"norms": ("l2", "l2")}, r"norms: expected distinct names, got \('l2', 'l2'\)"),
        ({"n_folds": 1}, r"n_folds: expected an integer >= 2, got 1"),
        ({"n_folds": 91}, r"n_folds: expected an integer <= 90, got 91"),
        ({"rng": 0}, r"rng: expected a numpy.random.Generator or None, got 0"),
    ],
)
def test_errors(data, kwargs, message: str) -> None:
    X, y = data
    with pytest.raises(ValueError, match=message):
        cross_validate(X, y, **kwargs)


def test_data_errors(data) -> None:
    X, y = data
    with pytest.raises(ValueError, match=r"y: expected 90 labels \(one per row of X\), got 89"):
        cross_validate(X, y[:-1])
    with pytest.raises(ValueError, match=r"X: expected a 2-D array"):
        cross_validate(X[0], y[:10])
    with pytest.raises(ValueError, match=r"X: expected finite values"):
        cross_validate(np.full((10, 2), np.nan), np.zeros(10, dtype=int), ks=(1,))


# --------------------------------------------------------------------------- CVResult

def make_result() -> CVResult:
    errors = np.array(
        [  # norms x ks x folds
            [[0.2, 0.2], [0.1, 0.1], [0.1, 0.1]],  # l2: k=2 and k=3 tie -> 2
            [[0.3, 0.1], [0.0, 0.2], [0.05, 0.05]],  # l1: k=3 best (0.05); k=2 mean 0.1 ties with l2
        ]
    )
    return CVResult(ks=(1, 2, 3), norms=("l2", "l1"), errors=errors)


def test_result_helpers() -> None:
    r = make_result()
    np.testing.assert_allclose(r.mean(), [[0.2, 0.1, 0.1], [0.2, 0.1, 0.05]])
    np.testing.assert_allclose(r.std(), [[0, 0, 0], [0.1, 0.1, 0]], atol=1e-15)
    assert r.n_folds == 2
    assert r.best_k("l2") == 2  # tie between k = 2 and 3: the smaller k
    assert r.best_k("l1") == 3
    assert r.best_norm(2) == "l2"  # tie: the earlier norm
    assert r.best_norm(3) == "l1"
    assert r.best() == (3, "l1")
    np.testing.assert_array_equal(r.fold_errors("l1", 2), [0.0, 0.2])
    d = json.loads(json.dumps(r.to_dict()))
    assert d["ks"] == [1, 2, 3] and d["norms"] == ["l2", "l1"] and d["n_folds"] == 2
    assert np.array_equal(d["errors"], r.errors)


def test_result_is_frozen_and_owns_its_errors() -> None:
    errors = np.zeros((1, 2, 3))
    r = CVResult(ks=(1, 2), norms=("l2",), errors=errors)
    errors[0, 0, 0] = 1.0
    assert r.errors[0, 0, 0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        r.errors[0, 0, 0] = 1.0


def test_result_errors() -> None:
    with pytest.raises(ValueError, match=r"errors: expected shape \(1, 2, n_folds\), got \(2, 1, 3\)"):
        CVResult(ks=(1, 2), norms=("l2",), errors=np.zeros((2, 1, 3)))
    r = make_result()
    with pytest.raises(ValueError, match=r"norm: expected one of \('l2', 'l1'\), got 'linf'"):
        r.best_k("linf")
    with pytest.raises(ValueError, match=r"k: expected one of \(1, 2, 3\), got 4"):
        r.best_norm(4)


# --------------------------------------------------------------------------- figures

def test_plot_error_vs_k_and_norm(tmp_path) -> None:
    r = make_result()
    fig = plots.plot_error_vs_k(r, "l1")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "L1" in ax.get_title() and ax.get_xlabel().startswith("k")
    # every fold's point is drawn: the grey markers hold n_ks x n_folds values
    assert sum(len(line.get_xdata()) for line in ax.get_lines() if line.get_color() == "0.6") == 3 * 2
    fig.savefig(tmp_path / "k.png")
    fig2 = plots.plot_error_vs_norm(r, 3)
    assert [t.get_text() for t in fig2.axes[0].get_xticklabels()] == ["L2", "L1"]
    fig2.savefig(tmp_path / "norm.png")
    for name in ("k.png", "norm.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_errors() -> None:
    r = make_result()
    with pytest.raises(ValueError, match=r"norm: expected one of"):
        plots.plot_error_vs_k(r, "linf")
    with pytest.raises(ValueError, match=r"k: expected one of"):
        plots.plot_error_vs_norm(r, 30)
    with pytest.raises(ValueError, match=r"result: expected a CVResult, got dict"):
        plots.plot_error_vs_k({}, "l2")  # type: ignore[arg-type]


@pytest.mark.parametrize("channels", [1, 3])
def test_sample_grid(channels: int, tmp_path) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(40, 4, 5, channels), dtype=np.uint8)
    labels = np.repeat([0, 1, 2, 3], 10)
    labels[labels == 3] = 2  # class 3 has no image: its column stays blank
    fig = plots.plot_sample_grid(images, labels, ["a", "b", "c", "d"], per_class=3, rng=rng)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "d"]
    canvas = np.asarray(ax.get_images()[0].get_array())
    assert canvas.shape == (3 * 5 - 1, 4 * 6 - 1, 3)  # 3 rows of H=4 (+1 gap), 4 columns of W=5 (+1 gap)
    assert (canvas[:, 3 * 6 :] == 1.0).all()  # class "d" has no image: its column stays white
    assert not (canvas[:, 2 * 6 : 2 * 6 + 5] == 1.0).all()
    fig.savefig(tmp_path / "grid.png")
    assert (tmp_path / "grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # without rng: the first per_class images of each class, top to bottom
    canvas = np.asarray(plots.plot_sample_grid(images, labels, ["a", "b", "c", "d"], per_class=2).axes[0].get_images()[0].get_array())
    scale = images.max() if channels == 1 else 255
    np.testing.assert_allclose(canvas[:4, :5], np.broadcast_to(images[0] / scale, (4, 5, 3)))
    np.testing.assert_allclose(canvas[5:9, 6:11], np.broadcast_to(images[11] / scale, (4, 5, 3)))


@pytest.mark.parametrize(
    ("images", "labels", "names", "kwargs", "message"),
    [
        (np.zeros((2, 4, 4), np.uint8), [0, 1], ["a", "b"], {}, r"images: expected a 4-D array of shape \(n, H, W, C\)"),
        (np.zeros((2, 4, 4, 1)), [0, 1], ["a", "b"], {}, r"images: expected dtype uint8, got float64"),
        (np.zeros((2, 4, 4, 2), np.uint8), [0, 1], ["a", "b"], {}, r"images: expected 1 or 3 channels"),
        (np.zeros((2, 4, 4, 1), np.uint8), [0, 2], ["a", "b"], {}, r"labels: expected labels in 0..1, got 2"),
        (np.zeros((2, 4, 4, 1), np.uint8), [0], ["a", "b"], {}, r"labels: expected 2 labels"),
        (np.zeros((2, 4, 4, 1), np.uint8), [0, 0], [], {}, r"class_names: expected at least one name"),
        (np.zeros((2, 4, 4, 1), np.uint8), [0, 1], ["a", "b"], {"per_class": 0}, r"per_class: expected an integer >= 1"),
        (np.zeros((2, 4, 4, 1), np.uint8), [0, 1], ["a", "b"], {"rng": 1}, r"rng: expected a numpy.random.Generator"),
    ],
)
def test_sample_grid_errors(images, labels, names, kwargs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plots.plot_sample_grid(images, labels, names, **kwargs)
