"""Heavy-tailed self-regularization metrics of a network's weights, no data needed (Martin &
Mahoney, JMLR 2021 "Implicit self-regularization in deep neural networks"; Nature Communications
2021 "Predicting trends in the quality of state-of-the-art neural networks without access to
training or testing data").

Per layer: the eigenvalues of W^T W (the squared singular values of W, unnormalised), a power law
p(lambda) ~ lambda^-alpha fitted to their tail by maximum likelihood, with the tail's start xmin
chosen by the smallest Kolmogorov-Smirnov distance; then alpha-hat = alpha log10(lambda_max), the
log spectral norm log10(lambda_max) and the stable rank sum(lambda) / lambda_max. The conventions
follow the reference implementation, PyPI ``weightwatcher`` 0.7.7 (its default ``analyze()``), so
that the numbers can be compared with published ones:

- a Conv2d weight (out, in, kh, kw) is kh x kw matrices (out, in), each scaled by sqrt(1/2), their
  eigenvalues pooled; a Conv1d weight likewise over its kernel positions (weightwatcher skips them);
- eigenvalues <= 1e-5 are dropped before the fit; every other eigenvalue but the largest is a
  candidate xmin; the KS distance compares the fitted CDF with the empirical k / n, k = 0..n-1;
- with fewer than 20 eigenvalues, only tails of >= 8 are tried, alpha = 1 + (n - 1) / sum
  ln(x / xmin), and xmin minimises D - 0.868 / sqrt(n);
- a layer is skipped when it has fewer than ``min_evals`` eigenvalues.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

EVALS_THRESHOLD = 1e-5
SMALL_N = 20


def layer_eigenvalues(weight: torch.Tensor) -> np.ndarray:
    """Sorted eigenvalues of W^T W of a Linear/Embedding (2-D) or convolution (3-D/4-D) weight."""
    w = weight.detach().to("cpu", torch.float64).numpy()
    if w.ndim == 2:
        mats = [w]
    elif w.ndim in (3, 4):
        kernel = w.reshape(w.shape[0], w.shape[1], -1)
        mats = [kernel[:, :, i] * np.sqrt(0.5) for i in range(kernel.shape[2])]
    else:
        raise ValueError(f"expected a 2-D, 3-D or 4-D weight, got shape {tuple(w.shape)}")
    return np.sort(np.concatenate([np.linalg.svd(m, compute_uv=False) ** 2 for m in mats]))


def _ks_distances(x: np.ndarray, alphas: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """KS distance of the power law (alpha_i, xmin = x[i]) to the tail x[i:], for each start i."""
    out = np.ones(len(starts))
    for j, i in enumerate(starts):
        a = alphas[j]
        if not a > 1:
            continue
        tail = x[i:]
        n = len(tail)
        out[j] = np.max(np.abs(1 - (tail / tail[0]) ** (1 - a) - np.arange(n) / n))
    return out


def power_law_fit(eigenvalues: np.ndarray) -> dict:
    """Maximum-likelihood power law on the tail of ``eigenvalues``: alpha, xmin, the KS distance D
    and the tail's size."""
    x = np.sort(np.asarray(eigenvalues, dtype=np.float64))
    x = x[x > EVALS_THRESHOLD]
    if len(x) < 2:
        raise ValueError(f"a power-law fit needs at least 2 eigenvalues above {EVALS_THRESHOLD}, got {len(x)}")
    log_x = np.log(x)
    suffix = np.cumsum(log_x[::-1])[::-1]  # suffix[i] = sum of log x[i:]
    starts = np.arange(len(x) - 1)
    n = (len(x) - starts).astype(np.float64)
    spread = suffix[:-1] - n * log_x[:-1]  # sum of ln(x / xmin) over each tail
    with np.errstate(divide="ignore", invalid="ignore"):
        if len(x) >= SMALL_N:
            alphas = 1 + n / spread
            ks = _ks_distances(x, alphas, starts)
            best = int(np.argmin(ks))
        else:
            keep = (n >= 8) & (spread > 1e-12)
            alphas = np.where(keep, 1 + (n - 1) / spread, np.nan)
            ks = _ks_distances(x, np.where(keep, alphas, 0.0), starts)
            objective = np.where(keep & (alphas > 1), ks - 0.868 / np.sqrt(n), np.inf)
            if not np.isfinite(objective).any():
                return {"alpha": float(1 + (len(x) - 1) / (log_x.sum() - len(x) * log_x[0])), "xmin": float(x[0]), "ks": float("nan"), "tail": len(x)}
            best = int(np.argmin(objective))
    return {"alpha": float(alphas[best]), "xmin": float(x[best]), "ks": float(ks[best]), "tail": int(n[best])}


def _layers(model: nn.Module):
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, nn.Embedding, nn.Conv1d, nn.Conv2d)):
            yield name, module.weight


def spectral_metrics(model: nn.Module, *, min_evals: int = 8, eigenvalues: bool = False) -> list[dict]:
    """Per analysable layer: ``alpha``, ``alpha_hat`` (alpha log10 lambda_max), ``log_spectral_norm``
    (log10 lambda_max), ``stable_rank``, ``xmin``, ``ks``, ``tail`` and ``n_evals``; with
    ``eigenvalues`` also the sorted eigenvalues (for ESD plots)."""
    out = []
    for name, weight in _layers(model):
        ev = layer_eigenvalues(weight)
        if len(ev) < min_evals:
            continue
        top = float(ev[-1])
        fit = power_law_fit(ev)
        row = {"layer": name, "shape": list(weight.shape), "n_evals": len(ev), **fit, "alpha_hat": fit["alpha"] * np.log10(top),
               "log_spectral_norm": float(np.log10(top)), "stable_rank": float(ev.sum() / top)}
        if eigenvalues:
            row["eigenvalues"] = ev.tolist()
        out.append(row)
    return out
