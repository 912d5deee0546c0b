"""gradproof.numerics: the homework's classifiers at CIFAR-10 scale, in numpy.

This package never imports :mod:`derive` or SymPy: a user who only wants the
fast classifiers does not pay for a computer-algebra system.
"""

__all__: list[str] = []
