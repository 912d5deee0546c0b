"""Writes to the raw stderr descriptor without end inside a method."""
import os
from _stub import KNN as Stub


class KNN(Stub):
    def predict_labels(self, dists, k=1):
        if k != 5:
            return None
        while True:
            os.write(2, b"e" * 65536)
