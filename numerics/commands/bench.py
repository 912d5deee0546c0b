"""``gradproof bench``: time the CIFAR-scale paths against every installed peer, same data, same process.

Prints the machine's own figures (GEMM float64 / float32, memory bandwidth, BLAS kernel,
how busy the other processes kept the cores) and one Markdown table: per workload,
gradproof's default path, its numpy path (when numba is the default) and each peer,
with medians of repeats, the ratio to the machine's reference and the issue's target.
``--json`` prints everything as JSON instead. No number is asserted anywhere: this is
a measurement, to run on an idle machine.

For the BLAS kernel the machine really has, run it without the variables that pin an
older one: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE gradproof bench``.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["configure", "run"]

_WORKLOADS = ("distances", "cv", "scale", "softmax", "svm", "coldstart")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``bench`` arguments to ``parser``."""
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes, about a minute (targets in seconds not judged)")
    size.add_argument("--tiny", action="store_true", help="smoke-test sizes, seconds (for tests)")
    parser.add_argument("--repeats", type=int, default=None, metavar="N",
                        help="timed runs per measurement, median reported (default: 5; --quick 3)")
    parser.add_argument("--only", choices=_WORKLOADS, nargs="+", default=None, metavar="WORKLOAD",
                        help=f"run only these workloads ({', '.join(_WORKLOADS)})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data (default: 0)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark described by ``args``; return the exit status."""
    import json

    import numpy as np

    from numerics.bench import machine as mach
    from numerics.bench.peers import installed_peers
    from numerics.bench.report import header_lines, markdown_table, to_json
    from numerics.bench.timing import LoadMonitor
    from numerics.bench.workloads import SIZES, WORKLOADS, Context

    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    repeats = args.repeats if args.repeats is not None else (5 if size == "full" else 3)
    if repeats < 1:
        print(f"gradproof bench: error: --repeats: expected an integer >= 1, got {repeats}", file=sys.stderr)
        return 2
    monitor = LoadMonitor().start()
    m, n, d = SIZES[size]["dist"]
    g64 = mach.gemm_gflops(np.float64, m, n, d, repeats=repeats)
    g32 = mach.gemm_gflops(np.float32, m, n, d, repeats=repeats)
    n_softmax, d_softmax = SIZES[size]["softmax"][:2]
    read_gbs, _ = mach.read_bandwidth(8 * n_softmax * d_softmax, repeats=repeats)
    ctx = Context(size, repeats, np.random.default_rng(args.seed), g64.gflops, g32.gflops, read_gbs)
    for name in args.only or _WORKLOADS:
        WORKLOADS[name](ctx)
    machine = {
        "environment": mach.environment(),
        "gemm_shape": f"{m}x{n}x{d}",
        "gemm64_gflops": g64.gflops,
        "gemm32_gflops": g32.gflops,
        "read_gbs": read_gbs,
        "peers": installed_peers(),
        "load": monitor.stop(),
    }
    if args.json:
        print(json.dumps(to_json(ctx.rows, machine, size), indent=2))
    else:
        print(f"gradproof bench ({size} sizes, median of {repeats} runs after a warm-up)")
        print("\n".join(header_lines(machine)))
        print()
        print(markdown_table(ctx.rows))
    return 0
