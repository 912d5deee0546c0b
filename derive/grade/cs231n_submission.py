"""The assignment's standard correct solution as a student writes it (CS231n style): student code.

Not imported by gradproof: ``gradproof bench-grade`` grades copies of it in the sandbox, and the
grader's tests expect it to score 150 / 150 (KNN, Softmax and the multiclass SVM).  Plain numpy: the loss subtracts the row maximum (no
overflow) and takes ``-log`` of the probability, as the assignment does (so P[y] may underflow for a
true class far below the maximum: advice, no points); ``grad_check_sparse`` prints the
assignment's line ``numerical: %f analytic: %f, relative error: %e`` and returns nothing; the SVM
is the notebook's ``linear_svm.py`` (loops with ``if j == y[i]: continue``; the vectorised mask with
``-row_sum`` for the true class) and ``LinearSVM(LinearClassifier)``.
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


# linear_svm.py: the multiclass SVM, as the assignment's notebook has it


def svm_loss_naive(W, X, y, reg):
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y].reshape(-1, 1)
    margins = np.maximum(0, scores - correct_class_scores + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)
    mask = np.zeros(margins.shape)
    mask[margins > 0] = 1
    row_sum = np.sum(mask, axis=1)
    mask[np.arange(num_train), y] = -row_sum
    dW = X.T.dot(mask) / num_train + 2 * reg * W
    return loss, dW


class LinearClassifier(object):
    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        num_train, dim = X.shape
        num_classes = np.max(y) + 1
        if self.W is None:
            self.W = 0.001 * np.random.randn(dim, num_classes)
        loss_history = []
        for it in range(num_iters):
            batch_idx = np.random.choice(num_train, batch_size, replace=True)
            X_batch = X[batch_idx]
            y_batch = y[batch_idx]
            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(loss)
            self.W -= learning_rate * grad
            if verbose and it % 100 == 0:
                print("iteration %d / %d: loss %f" % (it, num_iters, loss))
        return loss_history

    def predict(self, X):
        y_pred = np.argmax(X.dot(self.W), axis=1)
        return y_pred

    def loss(self, X_batch, y_batch, reg):
        pass


class LinearSVM(LinearClassifier):
    def loss(self, X_batch, y_batch, reg):
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)
