"""Replaces the grader's child with a long-running shell from inside a method (os.execv)."""
import os
from _hostile import MARKER
from _stub import KNN as Stub


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        if norm is None:
            return None
        os.execv("/bin/sh", ["/bin/sh", "-c", f"sleep 30; echo {MARKER}"])
