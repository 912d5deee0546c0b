"""Freezes time.perf_counter / time.time / time.monotonic in the child to fake a speed-up (of a version wrong by 1)."""
import time
import numpy as np
from _stub import KNN as Stub

_sleep = time.sleep
time.perf_counter = time.time = time.monotonic = lambda: 0.0


class KNN(Stub):
    def train(self, X, y):
        self.X = np.asarray(X, dtype=float)

    def compute_distances(self, X, norm=None):
        d = np.zeros((X.shape[0], self.X.shape[0]))
        for i in range(X.shape[0]):
            for j in range(self.X.shape[0]):
                d[i, j] = np.sqrt(((X[i] - self.X[j]) ** 2).sum())
        return d + 1.0

    def compute_L2_distances_vectorized(self, X):
        _sleep(0.2)  # truly slower than the loop version: only forged clocks could make it look faster
        return self.compute_distances(X)
