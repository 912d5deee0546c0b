"""The svm losses return what no encoder expects: a repr of 10**8 characters, NaN and inf, ints, strings,
complex arrays, a tuple of three, a loss of shape (2,), dW of the wrong shape; LinearSVM.train returns a generator."""
import numpy as np
from _stub import KNN  # noqa: F401


class HugeRepr:
    def __repr__(self):
        return "x" * 10**8

    __str__ = __repr__


_calls = {"n": 0}


def svm_loss_naive(W, X, y, reg):
    _calls["n"] += 1
    k = _calls["n"] % 5
    if k == 0:
        return HugeRepr(), HugeRepr()
    if k == 1:
        return float("nan"), np.full(W.shape, np.inf)
    if k == 2:
        return 3, np.zeros(W.shape, dtype=np.int64)
    if k == 3:
        return "1.0", np.zeros(W.shape, dtype=np.complex128)
    return 1.0, 2.0, 3.0


def svm_loss_vectorized(W, X, y, reg):
    return np.array([1.0, 2.0]), np.zeros((W.shape[0],))


class LinearSVM:
    def __init__(self):
        self.W = HugeRepr()

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        return (float(i) for i in range(num_iters))

    def predict(self, X):
        return np.full(X.shape[0], np.nan)
