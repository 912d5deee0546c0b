"""A KNN that implements nothing (every method returns None): the baseline score, and the class the attacks define."""


class KNN:
    def train(self, X, y):
        return None

    def compute_distances(self, X, norm=None):
        return None

    def compute_L2_distances_vectorized(self, X):
        return None

    def predict_labels(self, dists, k=1):
        return None
