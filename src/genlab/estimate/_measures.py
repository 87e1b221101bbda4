"""Generalization measures of a trained classifier, each a documented function of the model, its
initialisation and its training data, after Jiang, Neyshabur, Mobahi, Krishnan & Bengio (ICLR 2020,
"Fantastic Generalization Measures and Where to Find Them", Appendix C). "Eq." numbers are those
the PyTorch reimplementation of Dziugaite et al. (NeurIPS 2020, nitarshan/robust-generalization-
measures) annotates its measures with; measures without one are named as in the paper's tables.
Every measure is oriented so that larger predicts a larger generalization gap.

Norms are over the weight matrices of the Linear and convolution layers (biases left out, as in
the paper); d is their number; m the number of training examples; gamma the margin, the 10th
percentile over training examples of f(x)[y] - max_{j != y} f(x)[j]; delta = 0.05 in the
PAC-Bayes terms.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn

from genlab.estimate._spectral import spectral_metrics
from genlab.train import error_count

DELTA = 0.05
DEVIATION = 0.1  # the training-error increase the flatness searches aim at


def _weights(model: nn.Module) -> list[torch.Tensor]:
    return [m.weight.detach() for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d))]


def _flat(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


@torch.no_grad()
def _logits(model: nn.Module, x: torch.Tensor, batch: int = 4096) -> torch.Tensor:
    model.eval()
    return torch.cat([model(x[i : i + batch]).float() for i in range(0, len(x), batch)])


def _error(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return error_count(model, x, y) / len(y)


def margin(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """gamma: the 10th percentile of the output margins on the training examples."""

    def compute() -> float:
        z = _logits(model, x)
        true = z.gather(1, y[:, None])[:, 0]
        other = z.scatter(1, y[:, None], float("-inf")).max(1).values
        return float(torch.quantile(true - other, 0.1))

    return _searched("margin", model, x, compute)


def n_parameters(model: nn.Module, init: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Number of parameters (Eq. 20)."""
    return float(sum(p.numel() for p in model.parameters()))


def inverse_margin(model, init, x, y) -> float:
    """1 / gamma^2 (Eq. 22)."""
    g = margin(model, x, y)
    return 1.0 / g**2 if g > 0 else float("inf")


def output_entropy(model, init, x, y) -> float:
    """Minus the mean entropy of the softmax output on the training examples (the paper's output
    entropy; oriented so that a more confident network scores higher)."""
    p = _logits(model, x).softmax(1)
    return -float(-(p * p.clamp_min(1e-30).log()).sum(1).mean())


def _spectral_norms(model) -> np.ndarray:
    return _searched("spectral-norms", model, None, lambda: np.array([float(torch.linalg.matrix_norm(w.reshape(w.shape[0], -1), ord=2)) for w in _weights(model)]))


def _frobenius_norms(model) -> np.ndarray:
    return np.array([float(w.norm()) for w in _weights(model)])


def _log_prod(norms: np.ndarray) -> float:
    """log prod_i norm_i^2."""
    return float(2 * np.log(norms).sum())


def _log_sum(norms: np.ndarray) -> float:
    """log (d (prod_i norm_i^2)^(1/d)): the sum of the squared norms at the balanced scale."""
    return float(math.log(len(norms)) + 2 * np.log(norms).mean())


def _log_margin(model, x, y, share: float = 1.0) -> float:
    """log gamma^2 x ``share`` (1/d for the sums)."""
    return 2 * math.log(max(margin(model, x, y), 1e-12)) * share


def log_prod_spectral(model, init, x, y) -> float:
    """log prod_i ||W_i||_2^2 (Eq. 32)."""
    return _log_prod(_spectral_norms(model))


def log_prod_spectral_over_margin(model, init, x, y) -> float:
    """log (prod_i ||W_i||_2^2 / gamma^2) (Eq. 31)."""
    return _log_prod(_spectral_norms(model)) - _log_margin(model, x, y)


def log_sum_spectral(model, init, x, y) -> float:
    """log (d (prod_i ||W_i||_2^2)^(1/d)) (Eq. 35)."""
    return _log_sum(_spectral_norms(model))


def log_sum_spectral_over_margin(model, init, x, y) -> float:
    """log (d (prod_i ||W_i||_2^2 / gamma^2)^(1/d)) (Eq. 34)."""
    return _log_sum(_spectral_norms(model)) - _log_margin(model, x, y, 1 / len(_weights(model)))


def log_prod_frobenius(model, init, x, y) -> float:
    """log prod_i ||W_i||_F^2 (Eq. 37)."""
    return _log_prod(_frobenius_norms(model))


def log_prod_frobenius_over_margin(model, init, x, y) -> float:
    """log (prod_i ||W_i||_F^2 / gamma^2) (Eq. 36)."""
    return _log_prod(_frobenius_norms(model)) - _log_margin(model, x, y)


def log_sum_frobenius(model, init, x, y) -> float:
    """log (d (prod_i ||W_i||_F^2)^(1/d)) (Eq. 39)."""
    return _log_sum(_frobenius_norms(model))


def log_sum_frobenius_over_margin(model, init, x, y) -> float:
    """log (d (prod_i ||W_i||_F^2 / gamma^2)^(1/d)) (Eq. 38)."""
    return _log_sum(_frobenius_norms(model)) - _log_margin(model, x, y, 1 / len(_weights(model)))


def distance_from_init(model, init, x, y) -> float:
    """sum_i ||W_i - W_i^0||_F^2 (Eq. 40)."""
    return float(sum(((w - w0) ** 2).sum() for w, w0 in zip(_weights(model), _weights(init))))


def parameter_norm(model, init, x, y) -> float:
    """sum_i ||W_i||_F^2 (Eq. 42)."""
    return float(sum((w**2).sum() for w in _weights(model)))


@torch.no_grad()
def path_norm(model, init, x, y) -> float:
    """log of the path norm (Eq. 44): sum over output units of f_{w^2}(1), the network with every
    weight squared applied to an all-ones input; biases are removed here (the sum over
    input-output paths of the product of squared weights; the reimplementation keeps them)."""
    squared = copy.deepcopy(model).eval()
    for name, p in squared.named_parameters():
        p.copy_(p**2 if not name.endswith("bias") else torch.zeros_like(p))
    return float(torch.log(squared(torch.ones(1, *x.shape[1:])).sum()))


@torch.no_grad()
def _perturbed_error(model: nn.Module, x, y, scale: torch.Tensor, draws: int, gen: torch.Generator, above: float = math.inf) -> float:
    """Mean training error of w + u, u ~ N(0, diag(scale^2)), over ``draws`` draws; as soon as the
    draws so far put the mean above ``above`` whatever the rest give (errors are >= 0), their
    sum / ``draws`` instead, a value above ``above`` too."""
    noisy = copy.deepcopy(model)
    params = list(noisy.parameters())
    base = [p.detach().clone() for p in params]
    total = 0.0
    for _ in range(draws):
        offset = 0
        for p, b in zip(params, base):
            n = p.numel()
            p.copy_(b + scale[offset : offset + n].reshape(p.shape) * torch.randn(p.shape, generator=gen))
            offset += n
        total += _error(noisy, x, y)
        if total / draws > above:
            break
    return total / draws


def _bisect(error_at, base_error: float, low: float = 1e-6, high: float = 10.0, steps: int = 10) -> float:
    """The largest scale (geometric bisection) whose training error is within DEVIATION of the
    unperturbed one."""
    for _ in range(steps):
        mid = math.sqrt(low * high)
        if error_at(mid) - base_error <= DEVIATION:
            low = mid
        else:
            high = mid
    return low


_SEARCHES: dict = {}


def _searched(kind: str, model: nn.Module, x: torch.Tensor | None, search):
    """``search()``, remembered for the same model weights and data (``x``; None: no data), so
    that the measures sharing a search (sigma', alpha', the margin, the spectra) run it once."""
    import hashlib

    data = () if x is None else (x.data_ptr(), tuple(x.shape), float(x.sum()))
    key = (kind, hashlib.sha256(_flat(model).numpy().tobytes()).hexdigest(), *data)
    if key not in _SEARCHES:
        if len(_SEARCHES) > 16:
            _SEARCHES.clear()
        _SEARCHES[key] = search()
    return _SEARCHES[key]


def pac_bayes_sigma(model, x, y, *, magnitude: bool = False, draws: int = 8, seed: int = 0) -> float:
    """sigma': the largest sigma with E_u[train error(w + u)] - train error(w) <= 0.1, u ~
    N(0, sigma^2 I) (or, ``magnitude``-aware, N(0, sigma^2 w_i^2 + eps^2), eps = 1e-3), by geometric
    bisection over [1e-6, 10] (10 halvings; ``draws`` Monte Carlo draws, the same ones at every
    sigma)."""
    w = _flat(model).abs()
    shape = (lambda s: torch.sqrt(s**2 * w**2 + 1e-6)) if magnitude else (lambda s: torch.full_like(w, s))

    def search() -> float:
        base = _error(model, x, y)
        # the same draws at every sigma (common random numbers), so the error grows smoothly with it
        return _bisect(lambda s: _perturbed_error(model, x, y, shape(s), draws, torch.Generator().manual_seed(seed), above=base + DEVIATION), base)

    return _searched(f"sigma-{magnitude}-{draws}-{seed}", model, x, search)


def _pac_bayes(model, init, x, y, *, magnitude: bool, centre: str) -> float:
    sigma = pac_bayes_sigma(model, x, y, magnitude=magnitude)
    m = len(y)
    w = _flat(model)
    diff = w - (_flat(init) if centre == "init" else 0.0)
    if not magnitude:  # Eq. 48 / 49
        return float(diff.norm() ** 2 / (4 * sigma**2) + math.log(m / sigma) + 10)
    eps = 1e-3  # Eq. 56 / 57: the magnitude-aware KL
    omega = w.numel()
    kl = 0.25 * torch.log((eps**2 + (sigma**2 + 1) * diff.norm() ** 2 / omega) / (eps**2 + sigma**2 * diff.abs() ** 2)).sum()
    return float(kl + math.log(m / sigma) + 10)


def pac_bayes_init(model, init, x, y) -> float:
    """PAC-Bayes bound with the prior centred at the initialisation, sigma' by bisection (Eq. 48):
    ||w - w_0||^2 / (4 sigma'^2) + log(m / sigma') + 10."""
    return _pac_bayes(model, init, x, y, magnitude=False, centre="init")


def pac_bayes_orig(model, init, x, y) -> float:
    """The same with the prior centred at the origin (Eq. 49)."""
    return _pac_bayes(model, init, x, y, magnitude=False, centre="orig")


def pac_bayes_flatness(model, init, x, y) -> float:
    """1 / sigma'^2 (Eq. 53)."""
    return 1.0 / pac_bayes_sigma(model, x, y) ** 2


def pac_bayes_mag_init(model, init, x, y) -> float:
    """Magnitude-aware PAC-Bayes bound, prior at the initialisation (Eq. 56): 1/4 sum_i
    log((eps^2 + (sigma'^2 + 1) ||w - w_0||^2 / omega) / (eps^2 + sigma'^2 (w_i - w_i^0)^2))
    + log(m / sigma') + 10, omega the number of parameters."""
    return _pac_bayes(model, init, x, y, magnitude=True, centre="init")


def pac_bayes_mag_orig(model, init, x, y) -> float:
    """The magnitude-aware bound with the prior at the origin (Eq. 57; w_i in place of w_i - w_i^0)."""
    return _pac_bayes(model, init, x, y, magnitude=True, centre="orig")


def pac_bayes_mag_flatness(model, init, x, y) -> float:
    """1 / sigma'^2 of the magnitude-aware perturbation (Eq. 61)."""
    return 1.0 / pac_bayes_sigma(model, x, y, magnitude=True) ** 2


def sharpness_alpha(model, x, y, *, magnitude: bool = True, ascent_steps: int = 10) -> float:
    """alpha': the largest alpha such that the worst perturbation |u_i| <= alpha (|w_i| + eps)
    (magnitude-aware) or |u_i| <= alpha, found by projected gradient ascent on the training loss,
    raises the training error by at most 0.1 (the paper's sharpness; 10 ascent steps per
    alpha, geometric bisection as for sigma'). The worst perturbation is the worst of the ascent's
    iterates (each lies in the box), so the ascent stops at the first that passes 0.1."""
    base = _error(model, x, y)
    w0 = [p.detach().clone() for p in model.parameters()]

    def worst_error(alpha: float) -> float:
        probe = copy.deepcopy(model).eval()  # the error is measured in eval mode: ascend the same function
        params = list(probe.parameters())
        bounds = [alpha * (b.abs() + 1e-3) if magnitude else torch.full_like(b, alpha) for b in w0]
        for _ in range(ascent_steps):
            logits = probe(x)
            error = float((logits.argmax(1) != y).float().mean())
            if error - base > DEVIATION:  # a witness inside the box
                return error
            loss = nn.functional.cross_entropy(logits, y)
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g, b, r in zip(params, grads, w0, bounds):
                    p.add_(r * g.sign() / 2).copy_(torch.maximum(torch.minimum(p, b + r), b - r))
        return _error(probe, x, y)

    return _searched(f"alpha-{magnitude}-{ascent_steps}", model, x, lambda: _bisect(worst_error, base))


def sharpness_mag_flatness(model, init, x, y) -> float:
    """1 / alpha'^2 of the magnitude-aware worst-case perturbation (the paper's sharpness-mag flatness)."""
    return 1.0 / sharpness_alpha(model, x, y, magnitude=True) ** 2


def sharpness_flatness(model, init, x, y) -> float:
    """1 / alpha'^2 of the worst-case perturbation in a box (the paper's sharpness flatness)."""
    return 1.0 / sharpness_alpha(model, x, y, magnitude=False) ** 2


def _spectral(model) -> list[dict]:
    return _searched("spectra", model, None, lambda: spectral_metrics(model))


def ww_alpha(model, init, x, y) -> float:
    """Mean over layers of the HT-SR power-law exponent alpha (Martin & Mahoney; smaller alpha,
    heavier tails, is read as better trained: oriented as alpha itself). No data used."""
    return float(np.mean([r["alpha"] for r in _spectral(model)]))


def ww_alpha_hat(model, init, x, y) -> float:
    """Mean over layers of alpha-hat = alpha log10(lambda_max) (Martin, Peng & Mahoney 2021). No data used."""
    return float(np.mean([r["alpha_hat"] for r in _spectral(model)]))


def ww_log_spectral_norm(model, init, x, y) -> float:
    """Mean over layers of log10 lambda_max, weightwatcher's log spectral norm. No data used."""
    return float(np.mean([r["log_spectral_norm"] for r in _spectral(model)]))


def ww_stable_rank(model, init, x, y) -> float:
    """Mean over layers of the stable rank sum(lambda) / lambda_max. No data used."""
    return float(np.mean([r["stable_rank"] for r in _spectral(model)]))


MEASURES = {f.__name__: f for f in (
    n_parameters, inverse_margin, output_entropy, log_prod_spectral, log_prod_spectral_over_margin, log_sum_spectral, log_sum_spectral_over_margin,
    log_prod_frobenius, log_prod_frobenius_over_margin, log_sum_frobenius, log_sum_frobenius_over_margin, distance_from_init, parameter_norm, path_norm,
    pac_bayes_init, pac_bayes_orig, pac_bayes_flatness, pac_bayes_mag_init, pac_bayes_mag_orig, pac_bayes_mag_flatness, sharpness_flatness, sharpness_mag_flatness, ww_alpha, ww_alpha_hat,
    ww_log_spectral_norm, ww_stable_rank)}
"""Every measure that is a function of (model, init, x, y); the zoo adds the optimization
measures (steps to a cross-entropy, gradient noise) and disagreement, which need the training run."""
