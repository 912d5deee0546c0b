"""``gradproof bench``: CIFAR-scale workloads timed side by side with the installed peers.

* :mod:`numerics.bench.timing` -- medians of repeats, the load of other processes;
* :mod:`numerics.bench.machine` -- the machine's GEMM rates, memory bandwidth, BLAS and numba;
* :mod:`numerics.bench.peers` -- scikit-learn, SciPy (and torch, faiss when importable);
* :mod:`numerics.bench.workloads` -- the issue's workloads and targets;
* :mod:`numerics.bench.report` -- the Markdown table and the JSON document.
"""

from __future__ import annotations

__all__: list[str] = []
