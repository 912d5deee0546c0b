"""The battery is checked: every mutant of an implementation is caught by the SAME battery checks.

A mutant is a student's mistake (SPEC's list, plus hinge, ridge, distance and checker ones)
wrapped around a real implementation.  Each battery module ``tests/battery/<key>.py`` lists its
own (``Battery.mutants``); this file loops over :data:`battery.BATTERIES`, so a new problem's
mutants need no line here.  For each mutant the implementation table of its
quantity gets the mutant in place of the real entry (same key), and hypothesis' ``find``
searches the check's own case strategy for a case on which the check reports the mutant.
The found case must pass with the real table: the check failed because of the mutant, and
it can fail.  A separate test asserts that every check of every battery catches at least
one mutant.

Mutants that cannot be a wrapper (they *remove* something from inside the real code: the
max-subtraction, the L2 clamp, the float conversion of uint8, the central difference) are
the real computation with that one thing left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from battery import BATTERIES, BatteryFailure, Component, Mutant

#: stop at the first failing case (no shrinking); derandomised so the run is reproducible
FIND_SETTINGS = settings(max_examples=400, phases=[Phase.generate], database=None, derandomize=True, deadline=None,
                         suppress_health_check=list(HealthCheck))


def _component(battery: str, name: str) -> Component:
    return next(c for c in BATTERIES[battery].components if c.name == name)


def _condition(component: Component, impls: dict[str, Any], target: str) -> Callable[[Any], bool]:
    def caught(case: Any) -> bool:
        try:
            component.check(impls, case)
        except BatteryFailure as exc:
            return target in exc.failed
        return False
    return caught


#: (battery key, mutant) for every battery's mutants
MUTANTS: list[tuple[str, Mutant]] = [(key, m) for key, battery in BATTERIES.items() for m in battery.mutants]


@pytest.mark.parametrize(("key", "mutant"), MUTANTS, ids=[f"{k}: {m} by '{m.component}'" for k, m in MUTANTS])
def test_mutant_is_caught(key: str, mutant: Mutant) -> None:
    battery = BATTERIES[key]
    impls = battery.impls()
    assert mutant.target in impls, f"unknown implementation {mutant.target}"
    assert mutant.component in {c.name for c in battery.components}, f"unknown check {mutant.component}"
    impls[mutant.target] = mutant.wrap(impls[mutant.target])
    component = _component(key, mutant.component)
    try:
        case = find(component.cases(), _condition(component, impls, mutant.target), settings=FIND_SETTINGS)
    except NoSuchExample:
        pytest.fail(f"the battery's '{component.name}' check never caught the mutant {mutant}")
    component.check(battery.impls(), case)  # the real implementations pass on the very case that caught it


def test_every_check_can_fail() -> None:
    """Each (battery, check) pair is the designated catcher of at least one mutant above."""
    covered = {(key, m.component) for key, m in MUTANTS}
    missing = [(b, c.name) for b, battery in BATTERIES.items() for c in battery.components if (b, c.name) not in covered]
    assert not missing, f"checks that no mutant exercises: {missing}"


def test_real_tables_pass_a_sample_of_every_check() -> None:
    """The converse of the mutant test on a fixed small sample: the unmodified tables pass every check
    (the battery tests proper run them on many more cases)."""
    for name, battery in BATTERIES.items():
        for component in battery.components:
            with pytest.raises(NoSuchExample):
                find(component.cases(), _condition_any(component, battery.impls()),
                     settings=settings(FIND_SETTINGS, max_examples=10))


def _condition_any(component: Component, impls: dict[str, Any]) -> Callable[[Any], bool]:
    def fails(case: Any) -> bool:
        try:
            component.check(impls, case)
        except BatteryFailure:
            return True
        return False
    return fails
