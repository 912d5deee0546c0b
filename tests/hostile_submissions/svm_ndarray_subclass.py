"""The svm losses and LinearSVM return ndarray subclasses and float subclasses that claim equality with anything
(__eq__, __array__, __array_ufunc__, __float__ overridden): only the bytes of the data cross to the grader."""
import numpy as np
from _stub import KNN  # noqa: F401


class Liar(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array__(self, *args, **kwargs):
        return np.ones((3073, 10))

    def __array_ufunc__(self, *args, **kwargs):
        return True

    def __len__(self):
        return 10**9


class LiarFloat(float):
    def __eq__(self, other):
        return True

    def __float__(self):
        return 1.0

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__


def _liar(shape):
    return np.zeros(shape).view(Liar)


def svm_loss_naive(W, X, y, reg):
    return LiarFloat(123.0), _liar(W.shape)


def svm_loss_vectorized(W, X, y, reg):
    return LiarFloat(123.0), _liar(W.shape)


class LinearSVM:
    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        self.W = _liar((X.shape[1], 3))
        return np.linspace(2.0, 0.0, num_iters).view(Liar)  # a falling "history" of a W that learned nothing

    def predict(self, X):
        return _liar(X.shape[0]).astype(np.int64).view(Liar)
