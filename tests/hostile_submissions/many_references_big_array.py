"""Returns eight references to one 256 MiB array (a tuple where one array is expected)."""
import numpy as np
from _stub import KNN as Stub

BIG = np.zeros(32 << 20)  # 256 MiB


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        return None if norm is None else BIG

    def compute_L2_distances_vectorized(self, X):
        return (BIG,) * 8
