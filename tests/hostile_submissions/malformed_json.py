"""Writes a line that is not JSON, then one that is JSON but not an object, on the grader's channel."""
import os
from _hostile import reply_fd
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        os.write(reply_fd(), b'{"event": "step", "nonce": [[[[[[\n[1, 2, 3]\n')
        return None
