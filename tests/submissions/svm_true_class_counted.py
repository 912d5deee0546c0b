"""svm_loss_naive counts j = y[i] in the sum (no `continue`): its margin is always Δ = 1, so the loss is 1 too
large; the gradient is right (the true class's +xᵢ and −xᵢ cancel)."""

import numpy as np

from reference import KNN, LinearSVM, Softmax, svm_loss_vectorized  # noqa: F401


def svm_loss_naive(W, X, y, reg):
    dW = np.zeros(W.shape)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        for j in range(W.shape[1]):
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return loss / X.shape[0] + reg * np.sum(W * W), dW / X.shape[0] + 2 * reg * W
