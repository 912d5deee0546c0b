"""Reads the grader's command channel itself inside a method (steals the next command)."""
import os
from _hostile import command_fd
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        os.set_blocking(command_fd(), False)
        try:
            os.read(command_fd(), 1 << 20)
        except OSError:
            pass
        return None
