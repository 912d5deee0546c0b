"""``gradproof check-derivation FILE|-``: check a hand derivation line by line.

Exit status: 0 when no line is wrong or unreadable, 1 when a line is wrong (or
unreadable), 2 when the input cannot be read at all (missing file, not UTF-8, too
large, a broken notebook, no maths) or on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["configure", "run"]

EXIT_OK, EXIT_WRONG, EXIT_ERROR = 0, 1, 2
_MAX_BYTES = 1_000_000


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``gradproof check-derivation`` (no heavy imports here)."""
    parser.description = ("Check a derivation as written — LaTeX lines (a line starting with '=' continues the "
                          "previous right-hand side), align/equation/\\[ \\]/$$ blocks, Markdown, or a .ipynb's "
                          "markdown cells — line by line: each claim A = B is checked as an identity in the "
                          "problem's context.")
    parser.add_argument("file", metavar="FILE", help="the derivation (.tex, .md, .ipynb, text), or - for stdin")
    parser.add_argument("--problem", default=None, help="noisy, distances, softmax, hinge (default: guessed)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random instances (default 0)")
    parser.add_argument("--instances", type=int, default=8, help="size combinations per line (default 8)")
    parser.add_argument("--line-seconds", type=float, default=10.0, help="time budget of one line (default 10)")


def _fail(message: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"steps": [], "first_wrong_line": None, "error": message}, indent=2, ensure_ascii=False))
    else:
        print(f"gradproof check-derivation: {message}", file=sys.stderr)
    return EXIT_ERROR


def _read(name: str) -> str:
    if name == "-":
        data = sys.stdin.buffer.read(_MAX_BYTES + 1)
    else:
        with open(name, "rb") as fh:
            data = fh.read(_MAX_BYTES + 1)
    if len(data) > _MAX_BYTES:
        raise ValueError(f"the input is larger than {_MAX_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the input is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def run(args: argparse.Namespace) -> int:
    """Run ``gradproof check-derivation``; return the exit status."""
    from derive.answers.derivation import ReadError, check_derivation
    from derive.answers.derivation.context import context_keys

    if args.problem is not None and args.problem not in context_keys():
        return _fail(f"--problem: expected one of {', '.join(context_keys())}; got {args.problem!r}", args.json)
    if not 1 <= args.instances <= 100:
        return _fail(f"--instances: expected 1..100, got {args.instances}", args.json)
    if not 0.1 <= args.line_seconds <= 600:
        return _fail(f"--line-seconds: expected 0.1..600, got {args.line_seconds}", args.json)
    try:
        text = _read(args.file)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}", args.json)
    except ValueError as exc:
        return _fail(str(exc), args.json)
    try:
        result = check_derivation(text, args.problem, seed=args.seed, instances=args.instances,
                                  line_seconds=args.line_seconds)
    except ReadError as exc:
        return _fail(str(exc), args.json)
    print(result.to_json() if args.json else result.report())
    return EXIT_WRONG if result.exit_code else EXIT_OK
