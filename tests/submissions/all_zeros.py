"""An all-zeros stub: every method returns zeros of the right shape. "No loops" and "speed-up"
must give nothing (the methods are wrong), and nothing is diagnosed as a wrong sign."""

import numpy as np


class KNN:
    def train(self, X, y):
        self.X_train, self.y_train = X, y

    def compute_distances(self, X, norm=None):
        return np.zeros((X.shape[0], self.X_train.shape[0]))

    def compute_L2_distances_vectorized(self, X):
        return np.zeros((X.shape[0], self.X_train.shape[0]))

    def predict_labels(self, dists, k=1):
        return np.zeros(dists.shape[0], dtype=int)


class Softmax:
    def __init__(self, dims=[10, 3073]):
        self.init_weights(dims)

    def init_weights(self, dims):
        self.W = np.zeros(dims)

    def loss(self, X, y):
        return 0.0

    def loss_and_grad(self, X, y):
        return 0.0, np.zeros_like(self.W)

    def fast_loss_and_grad(self, X, y):
        return 0.0, np.zeros_like(self.W)

    def grad_check_sparse(self, X, y, your_grad, num_checks=10, h=1e-5):
        return np.zeros(num_checks)

    def train(self, X, y, learning_rate=1e-3, num_iters=100, batch_size=200, verbose=False):
        return [0.0] * num_iters

    def predict(self, X):
        return np.zeros(X.shape[0], dtype=int)


def svm_loss_naive(W, X, y, reg):
    return 0.0, np.zeros_like(W)


def svm_loss_vectorized(W, X, y, reg):
    return 0.0, np.zeros_like(W)


class LinearSVM:
    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        self.W = np.zeros((X.shape[1], int(np.max(y)) + 1))
        return [0.0] * num_iters

    def predict(self, X):
        return np.zeros(X.shape[0], dtype=int)
