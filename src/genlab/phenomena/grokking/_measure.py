"""Progress measures: loss, accuracy and weight norm; the embedding's Fourier spectrum, key
frequencies and Nanda et al.'s restricted and excluded losses; parity's weight on the relevant bits."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from genlab.phenomena.grokking._config import GrokConfig


def fourier_spectrum(embedding: torch.Tensor, p: int) -> np.ndarray:
    """Energy of the (p x d) token embedding at each frequency f = 0 .. (p-1)/2 (the DFT over the
    token axis, cos and sin parts together), as shares of the total."""
    e = embedding.detach().double() - embedding.detach().double().mean(0)
    spectrum = torch.fft.rfft(e, dim=0).abs().pow(2).sum(1)
    spectrum[1:] *= 2  # the mirrored frequencies
    spectrum = spectrum[: (p - 1) // 2 + 1]
    return (spectrum / spectrum.sum().clamp_min(1e-30)).numpy()


def key_frequencies(spectrum: np.ndarray, count: int = 5) -> list[int]:
    """The ``count`` frequencies (f >= 1) holding the most embedding energy."""
    return (np.argsort(-spectrum[1:])[:count] + 1).tolist()


def restricted_excluded_loss(model: nn.Module, data: dict, p: int, keys: list[int], device="cpu") -> tuple[float, float]:
    """Nanda et al. 2023: on the training pairs, the loss of the logits restricted to the
    directions cos(w(a + b - c)) for the key frequencies w (restricted), and of the logits with
    those directions removed (excluded). Computed over the full p x p input grid."""
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    grid = torch.stack([a.flatten(), b.flatten()], 1)
    with torch.no_grad():
        logits = torch.cat([model(grid[i : i + 4096].to(device)).double().cpu() for i in range(0, len(grid), 4096)]).reshape(p, p, p)
    logits = logits - logits.mean(2, keepdim=True)
    # cos and sin of w(a + b - c) span exactly the DFT components at +-(w, w, -w): keep those.
    keep = torch.zeros(p, p, p, dtype=torch.bool)
    for w in keys:
        keep[w % p, w % p, (-w) % p] = keep[(-w) % p, (-w) % p, w % p] = True
    projection = torch.fft.ifftn(torch.fft.fftn(logits) * keep).real
    x, y = data["x_train"], data["y_train"]

    def loss(table: torch.Tensor) -> float:
        return float(nn.functional.cross_entropy(table[x[:, 0], x[:, 1]], y))

    return loss(projection), loss(logits - projection)


@torch.no_grad()
def measure(model: nn.Module, data: dict, config: GrokConfig) -> dict:
    """Train/test loss and accuracy, weight norm, and the task's progress measures."""
    model.eval()
    out = {}
    for split in ("train", "test"):
        x, y = data[f"x_{split}"].to(config.device), data[f"y_{split}"].to(config.device)
        logits = model(x)
        out[f"{split}_loss"] = float(nn.functional.cross_entropy(logits.float(), y))
        out[f"{split}_acc"] = float((logits.argmax(1) == y).float().mean())
    out["weight_norm"] = float(torch.sqrt(sum((w.detach().double() ** 2).sum() for w in model.parameters())))
    if config.task == "parity":
        first = next(m for m in model.modules() if isinstance(m, nn.Linear)).weight.detach().abs()
        relevant = data["relevant"]
        mask = torch.zeros(config.n_bits, dtype=torch.bool)
        mask[relevant] = True
        out["relevant_weight_share"] = float(first[:, mask].sum() / first.sum())
        out["relevant_weight_per_bit"] = float(first[:, mask].mean() / first[:, ~mask].mean().clamp_min(1e-30)) if (~mask).any() else math.inf
    elif config.model != "mlp-fourier":
        table = model.embed(torch.arange(config.p, device=config.device)).cpu()
        spectrum = fourier_spectrum(table, config.p)
        keys = key_frequencies(spectrum)
        out["spectrum"] = spectrum.round(5).tolist()
        out["key_frequencies"] = keys
        out["key_energy_share"] = float(spectrum[keys].sum())
        if config.task == "add":
            out["restricted_loss"], out["excluded_loss"] = restricted_excluded_loss(model, data, config.p, keys, config.device)
    model.train()
    return out


def snapshot_weights(model: nn.Module, config: GrokConfig) -> torch.Tensor | None:
    """What the explorable draws at each logged step: the token embedding table (p x e) of a
    modular task (the stars and the spectrum are computed from it), the first layer's weights
    (hidden x n bits) for parity; None for the fixed circular embedding."""
    if config.task == "parity":
        return next(m for m in model.modules() if isinstance(m, nn.Linear)).weight.detach().cpu().clone()
    if config.model == "mlp-fourier":
        return None
    with torch.no_grad():
        return model.embed(torch.arange(config.p, device=config.device)).detach().cpu().clone()
