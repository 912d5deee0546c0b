r"""Datasets for the homework: CIFAR-10 (official files) and scikit-learn's digits.

>>> ds = load_dataset("digits")
>>> ds.X_train.shape, ds.image_shape
((1500, 64), (8, 8, 1))
>>> load_dataset("mnist")
Traceback (most recent call last):
...
ValueError: name: expected one of ('cifar10', 'digits', 'cifar10-subset'), got 'mnist'
"""

from __future__ import annotations

from pathlib import Path

from numerics.data.dataset import DATA_DIR_ENV, ImageDataset, default_data_dir
from numerics.data.errors import DataFormatError, DataNotFoundError, DownloadError, UnsafePickleError

__all__ = [
    "DATASETS", "DATA_DIR_ENV", "ImageDataset", "default_data_dir", "load_dataset",
    "DataFormatError", "DataNotFoundError", "DownloadError", "UnsafePickleError",
]

#: Names :func:`load_dataset` knows.
DATASETS = ("cifar10", "digits", "cifar10-subset")


def load_dataset(name: str, data_dir: str | Path | None = None, *, download: bool = False) -> ImageDataset:
    """Load a dataset by name.

    Parameters
    ----------
    name : {"cifar10", "digits", "cifar10-subset"}
        ``"digits"`` is scikit-learn's bundled set (offline; ``data_dir`` unused).
        ``"cifar10-subset"`` is a partial CIFAR-10 folder (see
        :mod:`numerics.data.subset`; ``data_dir`` or ``$GRADPROOF_CIFAR_SUBSET_DIR``).
        ``"cifar10"`` is read from ``data_dir``: the folder holding
        ``cifar-10-batches-py`` (python version, preferred) or
        ``cifar-10-batches-bin`` (binary version), or that folder itself.
    data_dir : str or Path, optional
        Default :func:`default_data_dir` (``$GRADPROOF_DATA_DIR``, else the user cache).
    download : bool, default False
        Download CIFAR-10 into ``data_dir`` when it is not there (170 MB, MD5 checked).

    Raises
    ------
    ValueError
        An unknown name (the message lists the known ones).
    DataNotFoundError
        CIFAR-10 is not in ``data_dir`` and ``download`` is False; the message
        says how to get it and where to put it.
    """
    if name not in DATASETS:
        raise ValueError(f"name: expected one of {DATASETS}, got {name!r}")
    if name == "digits":
        from numerics.data.digits import load_digits

        return load_digits()
    if name == "cifar10-subset":
        from numerics.data.subset import load_cifar10_subset

        return load_cifar10_subset(data_dir)
    from numerics.data.cifar import find_cifar10, load_cifar10
    from numerics.data.download import download_cifar10, manual_instructions

    root = Path(default_data_dir() if data_dir is None else data_dir).expanduser()
    if find_cifar10(root) is None:
        if not download:
            raise DataNotFoundError(f"CIFAR-10 not found in {root}. Pass download=True (--download) to fetch it, "
                                    f"or get it by hand. {manual_instructions(root)}")
        download_cifar10(root)
    return load_cifar10(root)
