"""Classic mistake: the gradient has the wrong sign (Y - P instead of P - Y)."""

import numpy as np

from reference import Softmax as ReferenceSoftmax


class Softmax(ReferenceSoftmax):
    def fast_loss_and_grad(self, X, y):
        N = X.shape[0]
        S = X @ self.W.T
        S = S - S.max(axis=1, keepdims=True)
        Z = np.exp(S).sum(axis=1, keepdims=True)
        P = np.exp(S) / Z
        loss = np.mean(np.log(Z[:, 0]) - S[np.arange(N), y])
        Y = np.zeros_like(P)
        Y[np.arange(N), y] = 1
        return loss, (Y - P).T @ X / N
