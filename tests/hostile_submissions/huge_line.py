"""Writes 64 MiB without a newline on the grader's channel."""
import os
from _hostile import reply_fd
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        block = b"x" * (1 << 20)
        for _ in range(64):
            os.write(reply_fd(), block)
        return None
