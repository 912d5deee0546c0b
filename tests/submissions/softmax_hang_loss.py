"""Softmax.loss hangs: its budget is spent once, its later checks are not run ("timed out in an earlier check")."""

from reference import Softmax as ReferenceSoftmax


class Softmax(ReferenceSoftmax):
    def loss(self, X, y):
        while True:
            pass
