"""What a battery is: a quantity's implementations under test, its (check, strategy) components, the
mutants (students' mistakes) its checks must catch, and the size symbol of its derivation for the
adversarial corpus."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from battery.report import Impl, Impls

__all__ = ["Component", "Battery", "Mutant", "Wrap"]

Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True)
class Component:
    """One check of the battery with the strategy its cases come from."""

    name: str
    check: Callable[[Impls, Any], None]
    cases: Callable[[], st.SearchStrategy[Any]]


@dataclass(frozen=True)
class Mutant:
    """A student's mistake: ``wrap(real)`` replaces the battery's entry ``target``; the check ``component`` must catch it.

    Mutants that cannot be a wrapper (they *remove* something from inside the real code) are the
    real computation with that one thing left out (``test_battery_mutants.py``).
    """

    name: str
    target: str
    component: str
    wrap: Wrap

    def __str__(self) -> str:
        return f"{self.name} [{self.target}]"


@dataclass(frozen=True)
class Battery:
    """A quantity's implementations under test and the checks that must all pass for them.

    Attributes
    ----------
    impls : callable
        ``() -> {"kind/name": callable}``, a fresh table of the implementations under test.
    components : tuple of Component
        The checks and their case strategies.
    mutants : tuple of Mutant
        Mistakes each caught by a named component (``test_battery_mutants.py`` runs them all;
        every component must catch at least one).
    derivation_size : str or None
        Name of the size symbol of the problem's derivation that ``test_derive_adversarial.py``
        gates its planted wrong terms on (None: its first positive integer symbol).
    derivation_parameter : str or None
        A real parameter of the derivation to gate planted terms on too (noisy: ``sigma``).
    """

    impls: Callable[[], dict[str, Impl]]
    components: tuple[Component, ...]
    mutants: tuple[Mutant, ...] = ()
    derivation_size: str | None = None
    derivation_parameter: str | None = None
