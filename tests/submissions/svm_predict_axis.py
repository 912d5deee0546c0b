"""LinearSVM.predict takes the argmax over axis 0 (for each class, the sample with the largest score)."""

import numpy as np

from reference import KNN, Softmax, svm_loss_naive, svm_loss_vectorized  # noqa: F401
from reference import LinearSVM as _LinearSVM


class LinearSVM(_LinearSVM):
    def predict(self, X):
        return np.argmax(X @ self.W, axis=0)
