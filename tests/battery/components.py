"""What a battery is: a quantity's implementations under test and its (check, strategy) components."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from battery.report import Impl, Impls

__all__ = ["Component", "Battery"]


@dataclass(frozen=True)
class Component:
    """One check of the battery with the strategy its cases come from."""

    name: str
    check: Callable[[Impls, Any], None]
    cases: Callable[[], st.SearchStrategy[Any]]


@dataclass(frozen=True)
class Battery:
    """A quantity's implementations under test and the checks that must all pass for them."""

    impls: Callable[[], dict[str, Impl]]
    components: tuple[Component, ...]
