"""A grad_check_sparse that does nothing: it must earn nothing (expected 96 / 100)."""

from reference import KNN  # noqa: F401
from reference import Softmax as ReferenceSoftmax


class Softmax(ReferenceSoftmax):
    def grad_check_sparse(self, X, y, your_grad, num_checks=10, h=1e-5):
        pass
