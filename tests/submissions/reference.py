"""A correct submission: the homework's KNN, Softmax and multiclass SVM (SPEC), for the grader's tests.

Plain numpy, nothing imported from gradproof (the sandbox runs a submission without it):
the vectorised distances clamp before the square root, ties go to the smallest label,
the loss is computed with log-sum-exp.  The deliberately broken submissions next to
this file subclass these classes and override one method each.
"""

import numpy as np


class KNN:
    def __init__(self):
        self.X_train = None
        self.y_train = None

    def train(self, X, y):
        self.X_train = np.asarray(X)
        self.y_train = np.asarray(y)

    def compute_distances(self, X, norm=None):
        if norm is None:
            norm = np.linalg.norm
        X = np.asarray(X, dtype=np.float64)
        X_train = np.asarray(self.X_train, dtype=np.float64)
        dists = np.zeros((X.shape[0], X_train.shape[0]))
        for i in range(X.shape[0]):
            for j in range(X_train.shape[0]):
                dists[i, j] = norm(X[i] - X_train[j])
        return dists

    def compute_L2_distances_vectorized(self, X):
        X = np.asarray(X, dtype=np.float64)
        T = np.asarray(self.X_train, dtype=np.float64)
        d2 = np.sum(X * X, axis=1)[:, None] + np.sum(T * T, axis=1)[None, :] - 2.0 * (X @ T.T)
        return np.sqrt(np.maximum(d2, 0.0))

    def predict_labels(self, dists, k=1):
        dists = np.asarray(dists)
        nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]
        labels = np.asarray(self.y_train)[nearest]
        return np.array([np.argmax(np.bincount(row)) for row in labels], dtype=np.int64)  # ties: smallest label


class Softmax:
    def __init__(self, dims=[10, 3073]):
        self.init_weights(dims)

    def init_weights(self, dims):
        self.W = np.random.normal(size=dims) * 1e-4

    def loss(self, X, y):
        total = 0.0
        for j in range(X.shape[0]):
            s = self.W @ X[j]
            s = s - s.max()
            total += np.log(np.exp(s).sum()) - s[y[j]]
        return total / X.shape[0]

    def loss_and_grad(self, X, y):
        total = 0.0
        grad = np.zeros_like(self.W)
        for j in range(X.shape[0]):
            s = self.W @ X[j]
            s = s - s.max()
            p = np.exp(s)
            total += np.log(p.sum()) - s[y[j]]  # -log P[y], finite even when P[y] underflows
            p /= p.sum()
            p[y[j]] -= 1.0
            grad += np.outer(p, X[j])
        return total / X.shape[0], grad / X.shape[0]

    def fast_loss_and_grad(self, X, y):
        N = X.shape[0]
        S = X @ self.W.T
        S = S - S.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(S).sum(axis=1))
        loss = float(np.mean(log_z - S[np.arange(N), y]))  # log-sum-exp: finite even where P[y] underflows
        P = np.exp(S - log_z[:, None])
        P[np.arange(N), y] -= 1.0
        return loss, P.T @ X / N

    def grad_check_sparse(self, X, y, your_grad, num_checks=10, h=1e-5):
        errors = []
        for _ in range(num_checks):
            ix = tuple(np.random.randint(n) for n in self.W.shape)
            old = self.W[ix]
            self.W[ix] = old + h
            up = self.fast_loss_and_grad(X, y)[0]
            self.W[ix] = old - h
            down = self.fast_loss_and_grad(X, y)[0]
            self.W[ix] = old
            numeric = (up - down) / (2 * h)
            analytic = your_grad[ix]
            errors.append(abs(numeric - analytic) / max(abs(numeric) + abs(analytic), 1e-300))
        return np.array(errors)

    def train(self, X, y, learning_rate=1e-3, num_iters=100, batch_size=200, verbose=False):
        losses = []
        for it in range(num_iters):
            idx = np.random.choice(X.shape[0], batch_size, replace=True)
            loss, grad = self.fast_loss_and_grad(X[idx], y[idx])
            self.W = self.W - learning_rate * grad
            losses.append(loss)
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss}")
        return losses

    def predict(self, X):
        return np.argmax(X @ self.W.T, axis=1)


# The multiclass SVM (linear_svm.py): W of shape (D, C), both losses return (loss, dW).
# Broken SVM submissions next to this file redefine one function or subclass LinearSVM.


def svm_loss_naive(W, X, y, reg):
    W = np.asarray(W, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    N, C = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        s = X[i] @ W
        for j in range(C):
            if j == y[i]:
                continue
            m = s[j] - s[y[i]] + 1.0
            if m > 0:
                loss += m
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return loss / N + reg * np.sum(W * W), dW / N + 2 * reg * W


def svm_loss_vectorized(W, X, y, reg):
    W = np.asarray(W, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    N = X.shape[0]
    rows = np.arange(N)
    S = X @ W
    margins = S - S[rows, y][:, None] + 1.0
    margins[rows, y] = 0.0
    M = (margins > 0).astype(np.float64)
    M[rows, y] = -M.sum(axis=1)
    return np.maximum(margins, 0).sum() / N + reg * np.sum(W * W), X.T @ M / N + 2 * reg * W


class LinearSVM:
    def __init__(self):
        self.W = None

    def loss(self, X, y, reg):
        return svm_loss_vectorized(self.W, X, y, reg)

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        N, D = X.shape
        if self.W is None:
            self.W = 0.001 * np.random.randn(D, int(np.max(y)) + 1)
        history = []
        for it in range(num_iters):
            idx = np.random.choice(N, batch_size)
            loss, grad = self.loss(X[idx], y[idx], reg)
            history.append(loss)
            self.W = self.W - learning_rate * grad
        return history

    def predict(self, X):
        return np.argmax(X @ self.W, axis=1)
