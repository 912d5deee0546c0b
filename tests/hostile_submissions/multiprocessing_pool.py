"""Computes the distances in a multiprocessing pool (processes the sandbox does not allow)."""
import multiprocessing
import numpy as np
from _stub import KNN as Stub


def row(args):
    x, Xtr = args
    return np.sqrt(((Xtr - x) ** 2).sum(axis=1))


class KNN(Stub):
    def train(self, X, y):
        self.X = X

    def compute_distances(self, X, norm=None):
        with multiprocessing.Pool(4) as pool:
            return np.array(pool.map(row, [(x, self.X) for x in X]))
