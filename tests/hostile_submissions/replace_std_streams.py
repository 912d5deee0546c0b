"""Replaces sys.stdout/sys.stderr with objects that raise, and closes the real descriptors 1 and 2."""
import os
import sys
from _stub import KNN as Stub


class Broken:
    def write(self, s):
        raise OSError("broken stream")

    def flush(self):
        raise OSError("broken stream")


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        sys.stdout = sys.stderr = Broken()
        os.close(1)
        os.close(2)
        print("hello")
