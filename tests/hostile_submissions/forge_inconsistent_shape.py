"""Forges a reply whose byte count does not match its shape, with negative and non-integer sizes."""
from _hostile import nonce, send
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        send({"event": "step", "nonce": nonce(), "ok": True, "error": None, "stdout": "",
              "outputs": [["x", {"kind": "array", "dtype": "<f8", "shape": [-1, 2.5, "3"], "nbytes": 8, "type": "ndarray"}]]}, bytes(8))
        return None
