"""The per-mistake tests behind :func:`derive.answers.diagnosis.diagnose`.

A global factor (:func:`global_factor`, read by :func:`fit_factor` as a constant,
a size or a power of σ and named by :func:`describe_factor`), σ replaced by another
power of σ (:func:`sigma_substitution`), and per-term coefficients
(:func:`term_coefficients`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.answers.outcomes import Diagnosis, Outcome, close, format_number

__all__ = ["Factor", "fit_factor", "describe_factor", "global_factor", "term_coefficients", "sigma_substitution"]

_FIT_RTOL = 1e-7


@dataclass(frozen=True)
class Factor:
    """``constant × size**exponent × σ**sigma`` (size None: no size factor)."""

    constant: float
    size: str | None = None
    exponent: int = 0
    sigma: int = 0


def _constant(series: NDArray[np.float64]) -> float | None:
    if np.all(np.abs(series) < 1e-9):
        return 0.0
    ref = float(np.median(series))
    if not np.allclose(series, ref, rtol=_FIT_RTOL, atol=1e-12):
        return None
    frac = float(Fraction(ref).limit_denominator(24))
    return frac if abs(frac - ref) <= _FIT_RTOL * abs(ref) else ref


def fit_factor(ratios: Sequence[float], outcomes: Sequence[Outcome]) -> Factor | None:
    """Interpret per-instance ratios as a constant, a size factor or a power of σ."""
    r = np.asarray(ratios, dtype=float)
    if r.size == 0 or not np.all(np.isfinite(r)):
        return None
    c = _constant(r)
    if c is not None:
        return Factor(c)
    for size in outcomes[0].sizes:
        values = np.array([o.sizes[size] for o in outcomes], dtype=float)
        if np.ptp(values) == 0:
            continue
        for exponent in (1, -1, 2, -2):
            c = _constant(r / values**exponent)
            if c is not None and c != 0:
                return Factor(c, size, exponent)
    if "sigma" in outcomes[0].env:
        sig = np.array([float(o.env["sigma"]) for o in outcomes])
        for p in (-1, 1, -2, 2, -3, 3, -4, 4):
            c = _constant(r / sig**p)
            if c is not None and c != 0:
                return Factor(c, sigma=p)
    return None


def describe_factor(f: Factor, what: str = "the expected result", sigma_power: int | None = None) -> tuple[str, str]:
    """A (code, message) for ``answer = f × what``."""
    k = format_number(f.constant)
    if f.sigma:
        extra = "" if f.constant == 1 else f" (and a constant factor {k})"
        whose = "the answer" if what == "the expected result" else what
        if sigma_power is not None:
            return "sigma_power", f"wrong power of σ: {whose} has σ^{sigma_power + f.sigma} where σ^{sigma_power} is expected{extra}"
        return "sigma_power", f"wrong power of σ: the answer is σ^{f.sigma} × {what}{extra}"
    if f.size is not None:
        size = f.size if abs(f.exponent) == 1 else f"{f.size}^{abs(f.exponent)}"
        sign, minus = ("sign flip and ", "−") if f.constant < 0 else ("", "")
        rest = "" if abs(f.constant) == 1 else f" (and a constant factor {format_number(abs(f.constant))})"
        if f.exponent > 0:
            return "missing_1_over_size", f"{sign}missing 1/{size}: the answer is {minus}{size} × {what}{rest}"
        return "extra_1_over_size", f"{sign}an extra 1/{size}: the answer is {minus}{what} divided by {size}{rest}"
    if f.constant == -1:
        return "sign_flip", f"sign flip: the answer is −1 × {what}"
    if f.constant == 0:
        return "zero", "the answer is identically 0"
    extra = ""
    if abs(f.constant) == 2:
        extra = ": a stray factor 2"
    elif abs(f.constant) == 0.5:
        extra = ": a missing factor 2"
    sign = "sign flip and " if f.constant < 0 else ""
    return "constant_factor", f"{sign}constant factor {k}{extra}".replace("factor -", "factor −")


def global_factor(outcomes: Sequence[Outcome]) -> Factor | None:
    """The factor k with ``got = k × expected`` on every instance, if there is one."""
    ratios = []
    for o in outcomes:
        e, g = o.expected.ravel(), np.asarray(o.got).ravel()
        denom = float(e @ e)
        if denom < 1e-12:
            if not close(g, e):
                return None
            continue
        k = float(g @ e) / denom
        if not close(g, k * e):
            return None
        ratios.append((k, o))
    if not ratios:
        return None
    return fit_factor([k for k, _ in ratios], [o for _, o in ratios])


def _multipliers(outcomes: Sequence[Outcome], reference: float) -> list[tuple[Factor, NDArray[np.float64]]]:
    """Candidate coefficients of one term on every instance: (factor, values)."""
    n = len(outcomes)
    if reference == 0:  # a term that should not be there: absent, or present with ±1
        return [(Factor(0.0), np.zeros(n)), (Factor(1.0), np.ones(n)), (Factor(-1.0), -np.ones(n))]
    out = [(Factor(c), np.full(n, c * reference)) for c in (1.0, 0.0, -1.0, 2.0, 0.5)]
    for size in outcomes[0].sizes:
        values = np.array([o.sizes[size] for o in outcomes], dtype=float)
        out += [(Factor(1.0, size, e), reference * values**e) for e in (1, -1)]
    if "sigma" in outcomes[0].env:
        sig = np.array([float(o.env["sigma"]) for o in outcomes])
        out += [(Factor(1.0, sigma=p), reference * sig**p) for p in (-1, 1, 2, -2)]
    return out


def term_coefficients(outcomes: Sequence[Outcome], term_values: Sequence[Sequence[NDArray[np.float64]]],
                      names: Sequence[str], reference: Sequence[float], powers: Sequence[int]) -> Diagnosis | None:
    """Explain the answer as the reference's terms with one or two coefficients changed.

    Each term's coefficient is tried as the reference's times 0, −1, 2, 1/2, a size,
    1/size or a power of σ (a term that should be absent: ±1); combinations that
    change fewer terms come first, and a combination must match on every instance.
    """
    options = [_multipliers(outcomes, r) for r in reference]
    identity = [0] * len(reference)  # option 0 is the reference's coefficient
    singles = [(t, k) for t in range(len(reference)) for k in range(1, len(options[t]))]
    combos: list[dict[int, int]] = [{t: k} for t, k in singles]
    combos += [{t: k, u: q} for a, (t, k) in enumerate(singles) for (u, q) in singles[a + 1:] if u != t]
    for combo in combos:
        choice = [combo.get(t, identity[t]) for t in range(len(reference))]
        if all(close(o.got, sum(options[t][choice[t]][1][n] * values[t] for t in range(len(values))))
               for n, (o, values) in enumerate(zip(outcomes, term_values))):
            return _describe_terms(combo, options, names, reference, powers)
    return None


def _describe_terms(combo: dict[int, int], options: list[list[tuple[Factor, NDArray[np.float64]]]],
                    names: Sequence[str], reference: Sequence[float], powers: Sequence[int]) -> Diagnosis:
    problems: list[tuple[str, str]] = []
    factors = {options[t][k][0] for t, k in combo.items()}
    if len(combo) > 1 and len(factors) == 1 and all(reference[t] != 0 for t in combo):
        f = factors.pop()  # the same change on several terms: say it once
        joined = " and ".join(names[t] for t in sorted(combo))
        if f.constant == 0:
            return Diagnosis("missing_term", f"missing terms: {joined}")
        code, text = describe_factor(f, "them", powers[min(combo)] if f.sigma else None)
        return Diagnosis(code, f"{joined}: {text}")
    for t, k in sorted(combo.items()):
        f = options[t][k][0]
        name = names[t]
        if reference[t] == 0:
            sign = "" if f.constant > 0 else " (with a minus sign)"
            problems.append(("extra_term", f"an extra term: {name}{sign}"))
        elif f.constant == 0:
            problems.append(("missing_term", f"missing term: {name}"))
        elif f.constant == -1 and f.size is None:
            problems.append(("term_sign", f"the sign of {name} is flipped"))
        elif f.sigma:
            problems.append(describe_factor(f, name, powers[t]))
        else:
            code, text = describe_factor(f, name)
            problems.append((code, f"{name}: {text}"))
    return Diagnosis(problems[0][0], "; ".join(p[1] for p in problems))


def sigma_substitution(outcomes: Sequence[Outcome], reference: Callable[[dict[str, Any]], Any],
                       power: int) -> Diagnosis | None:
    """The answer equals the reference with σ^power replaced by another power of σ."""
    if not outcomes or "sigma" not in outcomes[0].env:
        return None
    for p in (1, 3, 4, 0, 6):
        ok = True
        for o in outcomes:
            env = dict(o.env)
            env["sigma"] = float(env["sigma"]) ** (p / power)
            try:
                want = np.asarray(reference(env), dtype=float)
            except (ValueError, np.linalg.LinAlgError):
                ok = False
                break
            if not close(o.got, want):
                ok = False
                break
        if ok:
            return Diagnosis("sigma_power", f"wrong power of σ: the answer has σ^{p} where σ^{power} is expected")
    return None

