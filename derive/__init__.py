"""gradproof.derive: the homework's mathematics, derived step by step with SymPy.

Every step of every derivation is machine-checked to follow from the previous
one; results are lambdified to numpy for :mod:`numerics` and the tests.
"""

__all__: list[str] = []
