r"""What a homework problem is, for the engines that loop over :data:`derive.problems.PROBLEMS`.

A :class:`Problem` is one place: the package ``derive/<key>/`` fills in every field
(its derivation, its ``check-answer`` questions, its experiment and cross-checks,
its sections of the worked solutions and their figures), and
:mod:`derive.problems` lists the records.  The engines — the answer catalogue,
``gradproof derive``, the solutions document, the experiments, ``gradproof all``,
the test battery — read nothing else.

Every field that needs SymPy or numerics is a callable, called only when an
engine asks, so importing the registry costs no SymPy work.

Examples
--------
>>> from derive.problems import PROBLEMS, get_problem
>>> "softmax" in [p.key for p in PROBLEMS]
True
>>> get_problem("softmax").numbers
(3, 5)
>>> [c.name for c in get_problem("softmax").commands]
['softmax']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - types only
    import numpy as np

    from derive.answers.questions import Question
    from derive.core import Derivation, StepResult
    from derive.solutions.results import Check, Experiments

__all__ = ["Problem", "Figure", "Command", "ExperimentContext", "SectionContext", "package_problem", "PARTS"]

#: the modules every problem package ``derive/<key>/`` has, and what :func:`package_problem` takes from each
PARTS: dict[str, str] = {
    "maths": "derivation() -> Derivation",
    "questions": "QUESTIONS: tuple[Question, ...]",
    "experiment": "run(ctx) -> record; checks(record, ctx) -> list[Check]",
    "solution": "sections(ctx, record) -> list[(number, latex)]",
    "context": "CONTEXT: derive.answers.derivation.context.Context (what check-derivation knows)",
}


@dataclass(frozen=True)
class Figure:
    """A figure of the worked solutions: the file its experiment writes, and how the document shows it.

    Attributes
    ----------
    key : str
        Name the problem's section refers to (``ctx.figure(key)``).
    file : str
        File name inside the output's ``figures/`` folder.
    label, caption : str
        LaTeX label and caption (the document appends the dataset's name).
    """

    key: str
    file: str
    label: str
    caption: str


@dataclass(frozen=True)
class Command:
    """A ``gradproof`` sub-command of a problem (its experiment on the command line).

    Attributes
    ----------
    name : str
        The sub-command (``gradproof NAME``).
    module : str
        The module that implements it: ``configure(parser)`` and ``run(args) -> int``
        (see :mod:`derive.cli`); imported only when the parser is built.
    help : str
        One line for ``gradproof --help``.
    """

    name: str
    module: str
    help: str


@dataclass(frozen=True)
class ExperimentContext:
    """Everything an experiment needs: the dataset, the seed, where figures go.

    ``rng()`` is the problem's own random stream (child ``stream`` of ``SeedSequence(seed)``,
    with ``stream`` the problem's :attr:`Problem.stream`), and ``check_rng()`` its checks'
    stream, independent of every other problem's, so that adding a problem or reordering
    the registry never changes another problem's numbers.
    """

    dataset: str
    data_dir: str | Path | None
    seed: int
    figures_dir: Path
    progress: bool = False
    download: bool = False
    stream: int = 0

    def rng(self) -> np.random.Generator:
        """Child ``stream`` of ``SeedSequence(seed)`` as a Generator (the same as ``spawn(...)[stream]``)."""
        import numpy as np

        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(self.stream,)))

    def check_rng(self) -> np.random.Generator:
        """The stream of the problem's checks: child ``1000 + stream`` of ``SeedSequence(seed)``."""
        import numpy as np

        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(1000 + self.stream,)))


@dataclass(frozen=True)
class SectionContext:
    """What a problem's section of the worked solutions reads."""

    derivation: Derivation
    step_results: Sequence[StepResult] | None
    experiments: Experiments
    figures: tuple[Figure, ...]

    def figure(self, key: str, width: str = "0.8\\linewidth") -> str:
        """The LaTeX figure environment of figure ``key`` (path relative to the document)."""
        by_key = {f.key: f for f in self.figures}
        if key not in by_key:
            raise KeyError(f"figure: expected one of {', '.join(by_key)}, got {key!r}")
        f, ex = by_key[key], self.experiments
        return (f"\\begin{{figure}}[htbp]\n\\centering\n\\includegraphics[width={width}]{{{ex.figures[key]}}}\n"
                f"\\caption{{{f.caption} Dataset: {ex.dataset}.}}\n\\label{{{f.label}}}\n\\end{{figure}}")


@dataclass(frozen=True)
class Problem:
    """One homework problem, registered once in :data:`derive.problems.PROBLEMS`.

    Attributes
    ----------
    key : str
        Short name (``gradproof derive KEY``, question ids ``KEY.*``, the package ``derive/KEY/``).
    numbers : tuple of int
        The homework's problem numbers this package answers (softmax: 3 and 5).
    title : str
        The derivation's title.
    derivation : callable
        ``() -> Derivation`` (cached by the package).
    questions : callable
        ``() -> tuple[Question, ...]``: what ``gradproof check-answer`` asks about the results.
    experiment : callable
        ``(ExperimentContext) -> record``: runs the problem's numbers and saves its figures.
    crosschecks : callable
        ``(record, ExperimentContext) -> list[Check]``: numerics against the derivation, and the
        homework's expectations of the numbers; each check can fail.
    sections : callable
        ``(SectionContext, record) -> list[(number, latex)]``: the problem's sections of the worked
        solutions, keyed by homework number (the document orders them by number).
    figures : tuple of Figure
        The figures ``experiment`` writes, in the order the sections show them.
    stream : int
        Index of the problem's random stream (:meth:`ExperimentContext.rng`); unique per problem.
    context : callable or None
        ``() -> Context``: the symbols and definitions ``gradproof check-derivation`` knows
        (:mod:`derive.answers.derivation.context`); None for a package without ``context.py``.
    commands : tuple of Command
        The problem's own ``gradproof`` sub-commands (``gradproof svm``); :mod:`derive.cli`
        adds them to the command line, so no other file names them.
    """

    key: str
    numbers: tuple[int, ...]
    title: str
    derivation: Callable[[], Derivation]
    questions: Callable[[], tuple[Question, ...]]
    experiment: Callable[[ExperimentContext], Any]
    crosschecks: Callable[[Any, ExperimentContext], list[Check]]
    sections: Callable[[SectionContext, Any], list[tuple[int, str]]]
    figures: tuple[Figure, ...] = field(default_factory=tuple)
    stream: int = 0
    context: Callable[[], Any] | None = None
    commands: tuple[Command, ...] = ()


def package_problem(package: str, *, key: str, numbers: tuple[int, ...], title: str,
                    figures: tuple[Figure, ...] = (), stream: int = 0,
                    commands: tuple[Command, ...] = ()) -> Problem:
    """The :class:`Problem` of the package ``package`` (``derive.<key>``), whose parts are its modules.

    The package has the modules of :data:`PARTS`: ``maths.derivation()``,
    ``questions.QUESTIONS``, ``experiment.run`` / ``experiment.checks`` and
    ``solution.sections``.  Each is imported when an engine first asks for it, so a
    package's ``__init__`` stays light.  ``commands`` are its ``gradproof`` sub-commands.
    """
    import importlib

    def part(name: str) -> Any:
        return importlib.import_module(f"{package}.{name}")

    return Problem(
        key=key, numbers=numbers, title=title,
        derivation=lambda: part("maths").derivation(),
        questions=lambda: tuple(part("questions").QUESTIONS),
        experiment=lambda ctx: part("experiment").run(ctx),
        crosschecks=lambda record, ctx: part("experiment").checks(record, ctx),
        sections=lambda ctx, record: part("solution").sections(ctx, record),
        figures=figures, stream=stream, commands=tuple(commands),
        context=(lambda: part("context").CONTEXT) if _has_module(f"{package}.context") else None,
    )


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
