"""Writes 2 GiB into one file of its working folder."""
import os
from _stub import KNN

block = b"x" * (1 << 20)
try:
    with open("big.bin", "wb") as f:
        for _ in range(2048):
            f.write(block)
except OSError:
    pass
