"""A Softmax that fights the judges: a W that is an ndarray subclass equal to anything, losses as subclasses, a
grad_check_sparse that prints 'relative error: 1e-12' whatever it is given, train returning a generator of
falling numbers, predict returning float labels of a huge repr'd subclass, and np.allclose patched to True."""
import numpy as np
from _stub import KNN  # noqa: F401

np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True


class Liar(np.ndarray):
    def __eq__(self, other):
        return True

    def __repr__(self):
        return "L" * 10**7


class Softmax:
    def __init__(self, dims=[10, 3073]):
        self.init_weights(dims)

    def init_weights(self, dims):
        self.W = np.zeros(dims).view(Liar)

    def loss(self, X, y):
        return np.array(2.3).view(Liar)

    def loss_and_grad(self, X, y):
        return np.array(2.3).view(Liar), np.zeros_like(self.W).view(Liar)

    def fast_loss_and_grad(self, X, y):
        return self.loss_and_grad(X, y)

    def grad_check_sparse(self, X, y, your_grad, num_checks=10, h=1e-5):
        for _ in range(num_checks):
            print("numerical: 0.100000 analytic: 0.100000, relative error: 1.000000e-12")
        return np.full(num_checks, 1e-12)

    def train(self, X, y, learning_rate=1e-3, num_iters=100, batch_size=200, verbose=False):
        return (2.0 / (i + 1) for i in range(num_iters))

    def predict(self, X):
        return np.zeros(X.shape[0]).view(Liar)
