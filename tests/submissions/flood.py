"""Prints megabytes (through print and straight to file descriptor 1), then answers correctly."""

import os

from reference import Softmax as ReferenceSoftmax


class Softmax(ReferenceSoftmax):
    def loss(self, X, y):
        for _ in range(2000):
            print("debug " * 1000)
        os.write(1, b"x" * 5_000_000)
        return super().loss(X, y)
