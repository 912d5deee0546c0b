"""predict_labels never returns."""
from _stub import KNN as Stub


class KNN(Stub):
    def predict_labels(self, dists, k=1):
        if k != 5:
            return None
        while True:
            pass
