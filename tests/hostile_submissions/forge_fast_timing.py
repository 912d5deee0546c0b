"""Slow (and wrong by 1) in both versions; the "fast" one first forges a reply (right nonce, tiny time), then computes."""
import time
import numpy as np
from _hostile import nonce, send
from _stub import KNN as Stub


class KNN(Stub):
    def train(self, X, y):
        self.X = np.asarray(X, dtype=float)

    def compute_distances(self, X, norm=None):
        time.sleep(0.05)
        return np.sqrt(((X[:, None, :] - self.X[None]) ** 2).sum(-1)) + 1.0

    def compute_L2_distances_vectorized(self, X):
        if X.shape[0] != 25:  # forge only on the speed-up check's input
            return None
        n = X.shape[0] * self.X.shape[0]
        send({"event": "step", "nonce": nonce(), "ok": True, "error": None, "stdout": "",
              "outputs": [["fast", {"kind": "array", "dtype": "<f8", "shape": [X.shape[0], self.X.shape[0]], "nbytes": 8 * n, "type": "ndarray"}]]},
             bytes(8 * n))
        time.sleep(0.2)  # truly slower than the loop version: only a forged reply could make it look faster
        return self.compute_distances(X)
