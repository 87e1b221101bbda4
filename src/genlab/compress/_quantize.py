"""Quantization-aware training onto L learned levels (Lotfi et al. 2022, Sec. 4).

Each coordinate of z is replaced by a level; the levels (the codebook) are trained and z gets the
straight-through gradient. With ``rate_weight`` = 0 the level is the nearest one. With
``rate_weight`` = beta > 0 the assignment is entropy-constrained scalar quantization (Chou,
Lookabaugh & Gray 1989, "Entropy-constrained vector quantization"): coordinate i takes
argmin_k (z_i - c_k)^2 / var(z) + beta * l_k, where l_k = -log2 p_k is the code length of level k
under the current level frequencies p, so frequent levels win close calls and the arithmetic
code shrinks; training then adapts the rest of z to the snapped values. The codebook is stored as float16 in the code, so the
decoded values are ``codebook.half().float()[indices]``.
"""

from __future__ import annotations

import torch
from torch import nn


def _kmeans_1d(values: torch.Tensor, levels: int, iterations: int = 30) -> torch.Tensor:
    """Lloyd's algorithm in one dimension, started at evenly spaced quantiles."""
    v = values.detach().float().flatten()
    c = torch.quantile(v, torch.linspace(0.5 / levels, 1 - 0.5 / levels, levels, device=v.device))
    for _ in range(iterations):
        idx = (v[:, None] - c[None, :]).abs().argmin(1)
        for k in range(levels):
            members = v[idx == k]
            if members.numel():
                c[k] = members.mean()
    return torch.sort(c).values


class LevelQuantizer(nn.Module):
    """z -> codebook[argmin_k |z - codebook_k|] with a straight-through gradient to z.

    Args:
        init_values: the values to be quantized; the codebook starts at their 1-D k-means.
        levels: L, the number of levels.
    """

    def __init__(self, init_values: torch.Tensor, levels: int, rate_weight: float = 0.0):
        super().__init__()
        if levels < 2:
            raise ValueError(f"need at least 2 quantization levels, got {levels}")
        if rate_weight < 0:
            raise ValueError(f"rate_weight must be >= 0, got {rate_weight}")
        self.levels = levels
        self.rate_weight = rate_weight
        self.codebook = nn.Parameter(_kmeans_1d(init_values, levels))

    def indices(self, z: torch.Tensor, iterations: int = 3) -> torch.Tensor:
        z = z.detach()
        distortion = (z[:, None] - self.codebook.detach()[None, :]) ** 2
        idx = distortion.argmin(1)
        if self.rate_weight == 0:
            return idx
        distortion = distortion / z.var().clamp_min(1e-12)
        for _ in range(iterations):  # fixed point: code lengths from the current assignment
            counts = torch.bincount(idx, minlength=self.levels).float()
            lengths = -torch.log2((counts + 0.5) / (counts.sum() + 0.5 * self.levels))
            idx = (distortion + self.rate_weight * lengths[None, :]).argmin(1)
        return idx

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        q = self.codebook[self.indices(z)]
        return q + (z - z.detach())

    def export(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(indices, float16 codebook sorted ascending) as stored in a code."""
        order = torch.argsort(self.codebook.detach().cpu())
        rank = torch.empty_like(order)
        rank[order] = torch.arange(self.levels)
        return rank[self.indices(z).cpu()], self.codebook.detach().cpu()[order].half()
