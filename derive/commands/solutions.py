"""``gradproof solutions``: write the LaTeX worked solutions and figures (and with ``--pdf`` the PDF).

Exit status: 0 when everything was written and every check passed, 1 when a
check failed (the document is still written and marks it), 2 on bad input,
missing data, no TeX engine (the message names the Debian packages to install)
or a document that does not compile.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``gradproof solutions``."""
    parser.add_argument("--out", type=Path, default=Path("gradproof-solutions"), metavar="DIR",
                        help="output folder for solutions.tex and figures/ (default: ./gradproof-solutions)")
    parser.add_argument("--dataset", choices=("digits", "cifar10", "cifar10-subset"), default="digits",
                        help="dataset of the experiments (default: digits, offline)")
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR", help="where CIFAR-10 is")
    parser.add_argument("--download", action="store_true", help="download CIFAR-10 if it is missing")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice (default: 0)")
    parser.add_argument("--pdf", action="store_true", help="also compile solutions.pdf with the installed TeX engine")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def _error(message: str) -> int:
    print(f"gradproof solutions: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Write the solutions; print what was written and the checks; return the exit status."""
    from derive.solutions import write_solutions
    from derive.solutions.compile import TexError, TexNotFoundError

    if args.seed < 0:
        return _error(f"--seed: expected a non-negative integer, got {args.seed}")
    try:
        result = write_solutions(args.out, dataset=args.dataset, data_dir=args.data_dir, seed=args.seed,
                                 pdf=args.pdf, progress=not args.no_progress, download=args.download)
    except (TexNotFoundError, TexError) as exc:
        return _error(f"{exc}\n(the LaTeX source and figures were written to {args.out})")
    except (ValueError, OSError) as exc:  # missing data, unwritable folder
        return _error(str(exc))
    width = max(len(c.name) for c in result.checks)
    for c in result.checks:
        print(f"{c.name:<{width}}  {'passed' if c.passed else 'FAILED'}  {c.detail}")
    n_bad = sum(not c.passed for c in result.checks)
    print(f"\n{len(result.checks) - n_bad} checks passed, {n_bad} failed")
    print(f"wrote {result.tex}" + (f" and {result.pdf}" if result.pdf else "") +
          f", {len(result.figures)} figures in {result.tex.parent / 'figures'}")
    return 0 if n_bad == 0 else 1
