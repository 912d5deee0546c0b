"""A faked grad_check_sparse that prints a constant tiny relative error (expected 96 / 100)."""

from reference import KNN  # noqa: F401
from reference import Softmax as ReferenceSoftmax


class Softmax(ReferenceSoftmax):
    def grad_check_sparse(self, X, y, your_grad, num_checks=10, h=1e-5):
        for _ in range(num_checks):
            print("numerical: 0.100000 analytic: 0.100000, relative error: 1e-12")
            print("relative error: 1e-12")
