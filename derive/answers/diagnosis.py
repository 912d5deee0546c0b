r"""Name the classic mistake behind a wrong answer.

Given the answer's values and the reference's on every instance, each test asks
whether one transformation of the reference matches the answer on *all* the
instances where the answer could be evaluated:

* a known wrong answer of the question (:class:`~derive.answers.questions.Variant`);
* the transpose (also when the shapes differ only by it), else a shape mismatch;
* a global factor: −1 (sign flip), a constant (a stray 2, a missing 2), a size
  (missing 1/N, 1/m, 1/K: the ratio equals the size), a power of σ;
* the reference with σ replaced by a power of σ (σ vs σ² vs σ⁴);
* per-term coefficients (least squares on the reference's terms): a missing or an
  extra term, a flipped or rescaled term.

Examples
--------
>>> describe_factor(Factor(-1.0))
('sign_flip', 'sign flip: the answer is −1 × the expected result')
>>> describe_factor(Factor(1.0, size="N", exponent=1))
('missing_1_over_size', 'missing 1/N: the answer is N × the expected result')
>>> describe_factor(Factor(2.0))
('constant_factor', 'constant factor 2: a stray factor 2')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Factor", "Diagnosis", "Outcome", "diagnose", "close", "fit_factor", "describe_factor", "format_number",
           "RTOL", "ATOL"]

RTOL = 1e-9
ATOL = 1e-12
_FIT_RTOL = 1e-7


@dataclass(frozen=True, eq=False)
class Outcome:
    """The answer on one instance: ``got`` is None when it could not be evaluated."""

    sizes: dict[str, int]
    env: dict[str, Any]
    expected: NDArray[np.float64]
    got: NDArray[np.float64] | None
    error: str | None = None


@dataclass(frozen=True)
class Diagnosis:
    """A named mistake (``code``) and its human-readable message."""

    code: str
    message: str


@dataclass(frozen=True)
class Factor:
    """``constant × size**exponent × σ**sigma`` (size None: no size factor)."""

    constant: float
    size: str | None = None
    exponent: int = 0
    sigma: int = 0


def close(got: Any, expected: Any) -> bool:
    """Same shape and equal within ``RTOL`` (absolute floor scaled by the values)."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return False
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(expected))):
        return bool(np.array_equal(got, expected))  # infinities must match exactly; NaN never does
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    return bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL * scale))


def format_number(x: float) -> str:
    """A float as a short fraction when it is one (``0.5 -> '1/2'``)."""
    frac = Fraction(x).limit_denominator(24)
    if abs(float(frac) - x) <= 1e-9 * max(1.0, abs(x)):
        return str(frac)
    return f"{x:.6g}"


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


def _transposed(outcomes: Sequence[Outcome]) -> bool:
    return all(o.expected.ndim == 2 and close(o.got, o.expected.T) for o in outcomes)


def diagnose(question: Any, outcomes: Sequence[Outcome],
             evaluate_text: Callable[[str, Outcome], NDArray[np.float64]]) -> Diagnosis:
    """The mistake that explains the answer's values (see the module docstring).

    Parameters
    ----------
    question : Question
        Supplies the terms, the known wrong answers and the reference.
    outcomes : sequence of Outcome
        The answer and the reference on every instance.
    evaluate_text : callable
        Evaluates a numpy-syntax expression of the question on an instance.
    """
    ok = [o for o in outcomes if o.got is not None]
    failed = [o for o in outcomes if o.got is None]
    if failed:
        if len(ok) >= 3:  # e.g. a singular solve on some instances: a known wrong answer?
            for variant in question.variants:
                try:
                    if all(close(o.got, evaluate_text(variant.expression, o)) for o in ok):
                        return Diagnosis(variant.code, variant.mistake)
                except ValueError:
                    continue
        first = min(failed, key=lambda o: sum(o.sizes.values()))
        sizes = ", ".join(f"{k}={v}" for k, v in first.sizes.items())
        code = "shape" if first.error and "shape" in first.error else "not_evaluable"
        return Diagnosis(code, f"the answer cannot be evaluated at {sizes}: {first.error}")
    if any(np.shape(o.got) != o.expected.shape for o in ok):
        if _transposed(ok):
            return Diagnosis("transpose", "transposed: the answer is the transpose of the expected result")
        bad = next(o for o in ok if np.shape(o.got) != o.expected.shape)
        sizes = ", ".join(f"{k}={v}" for k, v in bad.sizes.items())
        return Diagnosis("shape", f"shape mismatch: expected shape {question.shape_text()} = {bad.expected.shape} "
                                  f"at {sizes}, got {np.shape(bad.got)}")
    for variant in question.variants:
        try:
            if all(close(o.got, evaluate_text(variant.expression, o)) for o in ok):
                return Diagnosis(variant.code, variant.mistake)
        except ValueError:
            continue
    if _transposed(ok):
        return Diagnosis("transpose", "transposed: the answer is the transpose of the expected result")
    factor = global_factor(ok)
    if factor is not None:
        code, text = describe_factor(factor, sigma_power=question.sigma_power)
        return Diagnosis(code, text)
    found = sigma_substitution(ok, question.reference, question.sigma_power or 2)
    if found is not None:
        return found
    if question.terms:
        try:
            values = [[evaluate_text(t.expression, o) for t in question.terms] for o in ok]
        except ValueError:
            values = []
        if values:
            found = term_coefficients(ok, values, [t.name for t in question.terms],
                                      [t.coefficient for t in question.terms],
                                      [t.sigma_power for t in question.terms])
            if found is not None:
                return found
    return Diagnosis("unknown", "not equivalent, and none of the known mistakes (sign, constant factor, 1/size, "
                                "transpose, missing or extra term, power of σ) explains the difference")
