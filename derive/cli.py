"""The ``gradproof`` command line: one entry point, one sub-command per task.

Sub-commands live in their own modules and are imported lazily, so that
``gradproof knn`` never imports SymPy and ``gradproof --help`` is fast.
Each module exposes ``configure(parser)`` and ``run(args) -> int``.  A problem's own
commands (``gradproof knn``, ``softmax``, ``svm``) come from its record in the registry
(:attr:`derive.registry.Problem.commands`), so adding a problem never touches this file.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

#: the tools' sub-commands -> (module, one-line help); the problems' own follow "all" (:func:`commands`)
COMMANDS: dict[str, tuple[str, str]] = {
    "derive": ("derive.commands.derive_cmd", "print the derivations step by step, machine-checked"),
    "all": ("derive.commands.all_cmd", "the main job: derive, verify, run the experiments, write the solutions"),
    "check-answer": ("derive.commands.check_answer", "check a hand-derived result against the derivation"),
    "check-derivation": ("derive.commands.check_derivation", "check a hand derivation line by line"),
    "grade": ("derive.commands.grade", "grade a student's KNN / Softmax implementation"),
    "grade-class": ("derive.commands.grade_class", "grade a whole class (Gradescope export or folders): grades, feedback, class report"),
    "rubric": ("derive.commands.rubric_cmd", "print the default grading rubric (TOML) or check one"),
    "bench-grade": ("derive.commands.bench_grade", "grading throughput: a class of N correct submissions (default 100)"),
    "autograder": ("derive.commands.autograder_cmd", "build a Gradescope autograder zip, or run it inside Gradescope"),
    "solutions": ("derive.commands.solutions", "write the LaTeX worked solutions and figures"),
    "bench": ("numerics.commands.bench", "benchmark the CIFAR-scale paths against installed peers"),
}


def commands() -> dict[str, tuple[str, str]]:
    """Every sub-command -> (module, one-line help): :data:`COMMANDS` with each registered problem's
    commands after ``all``, in the registry's order.  ValueError if a name is taken twice."""
    from derive.problems import PROBLEMS

    tools = list(COMMANDS.items())
    at = [name for name, _ in tools].index("all") + 1
    problems = [(c.name, (c.module, c.help)) for p in PROBLEMS for c in p.commands]
    names = [name for name, _ in tools + problems]
    if len(set(names)) != len(names):
        taken = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"gradproof sub-commands: expected distinct names, got {', '.join(taken)} twice")
    return dict(tools[:at] + problems + tools[at:])


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="gradproof",
        description="Derive, verify, implement and explain the linear-models homework.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (module_name, help_text) in commands().items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                continue  # sub-command not built yet in this checkout
            raise
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.configure(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``gradproof`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._module.run(args))
    except BrokenPipeError:  # `gradproof ... | head`: the reader left; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
