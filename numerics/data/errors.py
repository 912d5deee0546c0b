"""Exceptions of :mod:`numerics.data`.

Every one is a subclass of a built-in the caller already expects:
a missing dataset is a :class:`FileNotFoundError`, a malformed file, a refused
pickle or a failed download is a :class:`ValueError`.
"""

from __future__ import annotations

import pickle

__all__ = ["DataNotFoundError", "DataFormatError", "UnsafePickleError", "DownloadError"]


class DataNotFoundError(FileNotFoundError):
    """A dataset is not where it was looked for; the message says how to get it."""


class DataFormatError(ValueError):
    """A data file is malformed (wrong keys, shapes, dtypes, labels, truncated); the message names the file."""


class UnsafePickleError(DataFormatError, pickle.UnpicklingError):
    """A pickle asked for a global outside the allow-list; nothing from it was run."""


class DownloadError(ValueError):
    """A download failed (offline, interrupted, checksum mismatch, unsafe archive); nothing was kept."""
