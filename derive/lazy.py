"""Lazy re-exports for the problem packages: ``derive.softmax.grad_W`` without paying for SymPy at import.

A problem package (``derive/<key>/``) keeps its ``__init__`` light — just its
registry record — and forwards the names users import (``derive.noisy.derivation``,
``derive.softmax.grad_W``) to the submodules that define them, importing those on
first use (PEP 562 module ``__getattr__``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["forward_to"]


def forward_to(package: str, submodules: Sequence[str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that looks public names up in ``submodules``, in order.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    submodules : sequence of str
        Its submodules (relative names) that define the forwarded names.

    Examples
    --------
    >>> getattr_ = forward_to("derive.noisy", ["maths"])
    >>> getattr_("sigma")
    sigma
    """

    def __getattr__(name: str) -> Any:
        if not name.startswith("_"):
            for sub in submodules:
                module = importlib.import_module(f"{package}.{sub}")
                if name in vars(module):
                    return vars(module)[name]
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
