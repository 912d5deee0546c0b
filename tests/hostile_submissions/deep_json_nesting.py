"""Sends a reply nested 100,000 levels deep (a recursion bomb for a JSON parser)."""
import os
from _hostile import reply_fd
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        os.write(reply_fd(), b"[" * 100000 + b"]" * 100000 + b"\n")
        return None
