"""The assignment's standard correct solution as a student writes it (CS231n style): student code.

Not imported by gradproof: ``gradproof bench-grade`` grades copies of it in the sandbox, and the
grader's tests expect it to score 100 / 100.  Plain numpy: the loss subtracts the row maximum (no
overflow) and takes ``-log`` of the probability, as the assignment does (so P[y] may underflow for a
true class far below the maximum: advice, no points); ``grad_check_sparse`` prints the
assignment's line ``numerical: %f analytic: %f, relative error: %e`` and returns nothing.
"""

import numpy as np


class KNN:
    def __init__(self):
        pass

    def train(self, X, y):
        self.X_train = X
        self.y_train = y

    def compute_distances(self, X, norm=None):
        if norm is None:
            norm = lambda x: np.sqrt(np.sum(x**2))
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in np.arange(num_test):
            for j in np.arange(num_train):
                dists[i, j] = norm(X[i].astype(np.float64) - self.X_train[j].astype(np.float64))
        return dists

    def compute_L2_distances_vectorized(self, X):
        X = X.astype(np.float64)
        Xtr = self.X_train.astype(np.float64)
        d2 = np.sum(X**2, axis=1, keepdims=True) + np.sum(Xtr**2, axis=1) - 2 * X @ Xtr.T
        return np.sqrt(np.maximum(d2, 0))

    def predict_labels(self, dists, k=1):
        num_test = dists.shape[0]
        y_pred = np.zeros(num_test, dtype=int)
        for i in np.arange(num_test):
            closest_y = self.y_train[np.argsort(dists[i], kind="stable")[:k]]
            y_pred[i] = np.argmax(np.bincount(closest_y))  # ties: bincount's argmax is the smallest label
        return y_pred


class Softmax:
    def __init__(self, dims=[10, 3073]):
        self.init_weights(dims=dims)

    def init_weights(self, dims):
        self.W = np.random.normal(size=dims) * 0.0001

    def loss(self, X, y):
        loss = 0.0
        num_train = X.shape[0]
        for i in np.arange(num_train):
            scores = self.W.dot(X[i])
            scores -= np.max(scores)
            probs = np.exp(scores) / np.sum(np.exp(scores))
            loss -= np.log(probs[y[i]])
        return loss / num_train

    def loss_and_grad(self, X, y):
        loss = 0.0
        grad = np.zeros_like(self.W)
        num_train = X.shape[0]
        for i in np.arange(num_train):
            scores = self.W.dot(X[i])
            scores -= np.max(scores)
            probs = np.exp(scores) / np.sum(np.exp(scores))
            loss -= np.log(probs[y[i]])
            probs[y[i]] -= 1
            grad += np.outer(probs, X[i])
        return loss / num_train, grad / num_train

    def grad_check_sparse(self, X, y, your_grad, num_checks=10, h=1e-5):
        for i in np.arange(num_checks):
            ix = tuple([np.random.randint(m) for m in self.W.shape])
            oldval = self.W[ix]
            self.W[ix] = oldval + h
            fxph = self.loss(X, y)
            self.W[ix] = oldval - h
            fxmh = self.loss(X, y)
            self.W[ix] = oldval
            grad_numerical = (fxph - fxmh) / (2 * h)
            grad_analytic = your_grad[ix]
            rel_error = abs(grad_numerical - grad_analytic) / (abs(grad_numerical) + abs(grad_analytic))
            print("numerical: %f analytic: %f, relative error: %e" % (grad_numerical, grad_analytic, rel_error))

    def fast_loss_and_grad(self, X, y):
        num_train = X.shape[0]
        scores = X.dot(self.W.T)
        scores -= np.max(scores, axis=1, keepdims=True)
        probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
        probs[np.arange(num_train), y] -= 1
        grad = probs.T.dot(X) / num_train
        return loss, grad

    def train(self, X, y, learning_rate=1e-3, num_iters=100, batch_size=200, verbose=False):
        num_train, dim = X.shape
        num_classes = np.max(y) + 1
        self.init_weights(dims=[num_classes, dim])
        loss_history = []
        for it in np.arange(num_iters):
            idx = np.random.choice(num_train, batch_size)
            loss, grad = self.fast_loss_and_grad(X[idx], y[idx])
            loss_history.append(loss)
            self.W = self.W - learning_rate * grad
            if verbose and it % 100 == 0:
                print("iteration {} / {}: loss {}".format(it, num_iters, loss))
        return loss_history

    def predict(self, X):
        return np.argmax(X.dot(self.W.T), axis=1)
