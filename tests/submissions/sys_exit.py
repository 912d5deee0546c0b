"""Leaves instead of returning: sys.exit in one method, os._exit in another."""

import os
import sys

from reference import Softmax as ReferenceSoftmax


class Softmax(ReferenceSoftmax):
    def fast_loss_and_grad(self, X, y):
        sys.exit("done")

    def train(self, X, y, learning_rate=1e-3, num_iters=100, batch_size=200, verbose=False):
        os._exit(3)
