"""Forges scalars the grader cannot hold: a 5000-digit integer, a string, a boolean, nested objects."""
from _hostile import nonce, send
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        big = "9" * 5000
        line = ('{"event": "step", "nonce": "%s", "ok": true, "error": null, "stdout": "", "outputs": '
                '[["a", {"kind": "scalar", "value": %s, "type": "int"}], ["b", {"kind": "scalar", "value": "1"}], '
                '["c", {"kind": "scalar", "value": true}], ["d", {"kind": {"x": 1}}]]}' % (nonce(), big))
        import os
        from _hostile import reply_fd
        os.write(reply_fd(), line.encode() + b"\n")
        os._exit(0)
