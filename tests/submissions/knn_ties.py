"""Classic mistake: a tied vote goes to the largest label."""

import numpy as np

from reference import KNN as ReferenceKNN


class KNN(ReferenceKNN):
    def predict_labels(self, dists, k=1):
        out = np.zeros(dists.shape[0], dtype=int)
        for i in range(dists.shape[0]):
            nearest = self.y_train[np.argsort(dists[i])[:k]]
            counts = np.bincount(nearest)
            out[i] = len(counts) - 1 - np.argmax(counts[::-1])  # the last maximum: the largest label
        return out
