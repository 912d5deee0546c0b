"""Forges a reply announcing an 8 TiB float64 array."""
from _hostile import nonce, send
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        send({"event": "step", "nonce": nonce(), "ok": True, "error": None, "stdout": "",
              "outputs": [["x", {"kind": "array", "dtype": "<f8", "shape": [1 << 40], "nbytes": 8 << 40, "type": "ndarray"}]]})
        import time
        time.sleep(30)
