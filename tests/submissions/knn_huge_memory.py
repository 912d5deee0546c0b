"""Allocates without bound: the memory limit must stop it."""

import numpy as np

from reference import KNN as ReferenceKNN


class KNN(ReferenceKNN):
    def compute_L2_distances_vectorized(self, X):
        blocks = []
        while True:
            blocks.append(np.empty(10**8))  # 800 MB of address space each
