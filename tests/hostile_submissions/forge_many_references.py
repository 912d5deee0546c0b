"""Forges a reply listing eight 256 MiB arrays."""
from _hostile import nonce, send
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        spec = {"kind": "array", "dtype": "<f8", "shape": [32 << 20], "nbytes": 256 << 20, "type": "ndarray"}
        send({"event": "step", "nonce": nonce(), "ok": True, "error": None, "stdout": "",
              "outputs": [[f"x{i}", spec] for i in range(8)]})
        import time
        time.sleep(30)
