"""Forges a reply announcing an object-dtype array (pickled pointers) and returns an object array too."""
import numpy as np
from _hostile import nonce, send
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        send({"event": "step", "nonce": nonce(), "ok": True, "error": None, "stdout": "",
              "outputs": [["x", {"kind": "array", "dtype": "|O", "shape": [4], "nbytes": 32, "type": "ndarray"}]]}, bytes(32))
        return np.array([object()] * 4, dtype=object)

    def compute_L2_distances_vectorized(self, X):
        return np.array([object()] * 4, dtype=object)
