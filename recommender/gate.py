"""The BALSE gate σ(β(R − γ)) and its fit by gradient descent.

R is an item's number of training ratings. The gate says how much to trust the collaborative
model (ALS) over the content model (LASSO): close to 1 for popular items, close to 0 for items
with few or no ratings. β > 0 is the steepness and γ the count at which both are trusted equally.
"""

from __future__ import annotations

import numpy as np


def gate(counts: np.ndarray, beta: float, gamma: float) -> np.ndarray:
    """σ(β(counts − γ)), computed without overflow."""
    z = beta * (np.asarray(counts, dtype=np.float64) - gamma)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_gate(
    counts: np.ndarray,
    collaborative: np.ndarray,
    content: np.ndarray,
    y: np.ndarray,
    n_steps: int = 1500,
    learning_rate: float = 0.05,
    initial_beta: float = 0.1,
    initial_gamma: float = 10.0,
) -> tuple[float, float]:
    """β, γ minimising mean((g·collaborative + (1 − g)·content − y)²) with g = gate(counts, β, γ).

    Gradient descent with Adam steps on (log β, γ / 10): β stays positive and both
    parameters move at comparable speeds although γ is a count and β its inverse scale.
    """
    counts = np.asarray(counts, dtype=np.float64)
    difference = np.asarray(collaborative, dtype=np.float64) - content
    content_error = np.asarray(content, dtype=np.float64) - y
    gamma_scale = 10.0
    theta = np.array([np.log(initial_beta), initial_gamma / gamma_scale])
    first_moment = np.zeros(2)
    second_moment = np.zeros(2)
    decay_first, decay_second, epsilon = 0.9, 0.999, 1e-8
    for step in range(1, n_steps + 1):
        beta, gamma = np.exp(theta[0]), theta[1] * gamma_scale
        g = gate(counts, beta, gamma)
        error = content_error + g * difference
        # d loss / d g per row, times d g / d z = g(1 − g).
        d_z = 2.0 * error * difference * g * (1.0 - g)
        gradient = np.array([np.mean(d_z * (counts - gamma)) * beta, np.mean(d_z) * -beta * gamma_scale])
        first_moment = decay_first * first_moment + (1 - decay_first) * gradient
        second_moment = decay_second * second_moment + (1 - decay_second) * gradient**2
        corrected_first = first_moment / (1 - decay_first**step)
        corrected_second = second_moment / (1 - decay_second**step)
        theta -= learning_rate * corrected_first / (np.sqrt(corrected_second) + epsilon)
    return float(np.exp(theta[0])), float(theta[1] * gamma_scale)
