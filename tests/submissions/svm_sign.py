"""svm_loss_vectorized returns −dW (the update would climb the loss)."""

from reference import KNN, LinearSVM, Softmax, svm_loss_naive  # noqa: F401
from reference import svm_loss_vectorized as _right


def svm_loss_vectorized(W, X, y, reg):
    loss, dW = _right(W, X, y, reg)
    return loss, -dW
