r"""What ``gradproof check-derivation --problem noisy`` knows: the symbols and definitions of problem 1.

:math:`L(\theta) = \frac{1}{N}\sum_j (y^{(j)} - x^{(j)\top}\theta)^2`, the noisy loss
:math:`\tilde{L}(\theta)` with :math:`x^{(j)} + \delta^{(j)}`, the noise
:math:`\delta^{(j)} \sim \mathcal{N}(0, \sigma^2 I)` (a bare :math:`\delta` is one
sample's noise vector) and :math:`\mathbb{E}_\delta`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.derivation.context import Context, Definition, Symbol

__all__ = ["CONTEXT"]


def _data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    N, d = s["N"], s["d"]
    sigma = float(rng.choice([rng.uniform(0.4, 0.8), rng.uniform(1.3, 2.2)]))  # away from 1: σ, σ², σ⁴ differ
    return {"X": rng.uniform(-2, 2, (N, d)), "y": rng.uniform(-2, 2, N), "theta": rng.uniform(-2, 2, d),
            "sigma": sigma, "delta": rng.normal(0, sigma, (N, d)), "delta1": rng.normal(0, sigma, d),
            "I": np.eye(d), "v": rng.uniform(-2, 2, d)}


CONTEXT = Context(
    key="noisy",
    title="Noisy linear regression: input noise is ridge regularisation",
    symbols=(
        Symbol("X", ("N", "d"), "inputs, one sample x^{(j)} per row", ("X", "x")),
        Symbol("y", ("N",), "targets y^{(j)}", ("y", "Y")),
        Symbol("theta", ("d",), "parameters", (r"\theta",)),
        Symbol("sigma", (), "the noise's standard deviation (> 0)", (r"\sigma",)),
        Symbol("delta", ("N", "d"), "the input noise δ^{(j)} ~ N(0, σ²I), one row per sample", (r"\delta",),
               "noise"),
        Symbol("delta1", ("d",), "one sample's noise vector δ (written without a sample index)", (), "noise"),
        Symbol("I", ("d", "d"), "the identity matrix", ("I",), "constant"),
        Symbol("v", ("d",), "a direction vector v (any v: the Hessian's quadratic form vᵀHv)", ("v",)),
    ),
    sizes={"N": "number of samples", "d": "number of features"},
    small={"N": (1, 3), "d": (1, 2)},
    wide={"N": (4, 40), "d": (3, 12)},
    make_data=_data,
    definitions=(
        Definition("L", ("L",), "mean((y - X @ theta)**2)", "the clean loss L(θ) = (1/N) Σ_j (y⁽ʲ⁾ − x⁽ʲ⁾ᵀθ)²",
                   params=("theta",)),
        Definition("Ltilde", (r"\tilde{L}", r"\hat{L}"), "mean((y - (X + delta) @ theta)**2)",
                   "the noisy loss L̃(θ) = (1/N) Σ_j (y⁽ʲ⁾ − (x⁽ʲ⁾ + δ⁽ʲ⁾)ᵀθ)²", params=("theta",)),
        Definition("lambda", (r"\lambda",), "sigma**2", "λ = σ², the ridge strength the noise acts as"),
        Definition("H", ("H",), "2 * sigma**2 * I + 2 / N * X.T @ X",
                   "H: the Hessian of E_δ[L̃(θ)], 2σ²I + (2/N)XᵀX"),
        Definition("theta_star", (r"\theta^*",), "inv(N * s_**2 * I + X.T @ X) @ X.T @ y",
                   "θ*(σ) = (Nσ²I + XᵀX)⁻¹Xᵀy, the minimiser of E_δ[L̃(θ)]", params=("s_",),
                   param_ndims={"s_": 0}),
    ),
    terms=(
        Definition("t_reg_grad", ("2σ²θ",), "2 * sigma**2 * theta", ""),
        Definition("t_data_grad", ("(2/N)Xᵀ(Xθ − y)",), "2 / N * X.T @ (X @ theta - y)", ""),
        Definition("t_reg", ("σ²‖θ‖²",), "sigma**2 * theta @ theta", ""),
    ),
    term_hints={"t_reg_grad": {0.5: "reg_factor: the regulariser's gradient term is σ²θ where 2σ²θ is expected: "
                                    "the factor 2 of ∇‖θ‖² = 2θ is missing"}},
    size_spellings={"n": "N"},
    noise_scale="sigma",
    bare={r"\delta": "delta1"},
    default_variable="theta",
)
