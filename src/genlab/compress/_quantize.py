"""Quantization-aware training onto L learned levels (Lotfi et al. 2022, Sec. 4), optionally
incremental (Zhou et al. 2017, "Incremental Network Quantization").

Each coordinate of z is replaced by its nearest level; the levels (the codebook) are trained and
the free coordinates of z get the straight-through gradient. Incremental quantization freezes a
growing share of the coordinates at their level (those closest to a level first) while the rest,
still continuous, retrain to compensate; at 100% every coordinate is quantized. The codebook is
stored as float16 in the code, so the decoded values are ``codebook.half().float()[indices]``.

With ``rate_weight`` lambda > 0 the quantizer is entropy-constrained (Chou, Lookabaugh & Gray 1989,
"Entropy-constrained vector quantization"): a coordinate goes to the level k minimising
``(z - c_k)^2 / s^2 + lambda * (-log2 p_k)``, where p_k is the share of coordinates at level k and s
the spread of z. Popular levels widen their cells, so the arithmetic code (which pays -log2 p_k per
coordinate) gets shorter for the same distortion; lambda = 0 is nearest-level quantization.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _assign(v: torch.Tensor, codebook: torch.Tensor, rate_bits: torch.Tensor, rate_weight: float, scale: float) -> torch.Tensor:
    """Index of the level minimising squared distance (in units of ``scale``) plus rate_weight x bits."""
    cost = ((v[:, None] - codebook[None, :]) / scale) ** 2
    if rate_weight:
        cost = cost + rate_weight * rate_bits[None, :]
    return cost.argmin(1)


def _rate_bits(indices: torch.Tensor, levels: int) -> torch.Tensor:
    """-log2 of each level's share (a level without members gets the cost of half a member)."""
    counts = torch.bincount(indices, minlength=levels).float().clamp_min(0.5)
    return -torch.log2(counts / counts.sum())


def _kmeans_1d(values: torch.Tensor, levels: int, rate_weight: float = 0.0, scale: float = 1.0, iterations: int = 30) -> tuple[torch.Tensor, torch.Tensor]:
    """Lloyd's algorithm in one dimension (entropy-constrained when rate_weight > 0), started at
    evenly spaced quantiles. Returns (sorted codebook, bits per level)."""
    v = values.detach().float().flatten()
    c = torch.quantile(v, torch.linspace(0.5 / levels, 1 - 0.5 / levels, levels, device=v.device))
    rate = torch.full((levels,), math.log2(levels), device=v.device)
    for _ in range(iterations):
        idx = _assign(v, c, rate, rate_weight, scale)
        for k in range(levels):
            members = v[idx == k]
            if members.numel():
                c[k] = members.mean()
        rate = _rate_bits(idx, levels)
    order = torch.argsort(c)
    return c[order], rate[order]


class LevelQuantizer(nn.Module):
    """z -> codebook[index(z)]: frozen coordinates keep their fixed index, free ones take the
    nearest level with a straight-through gradient to z.

    Args:
        init_values: the values to be quantized; the codebook starts at their 1-D k-means.
        levels: L, the number of levels.
        rate_weight: lambda of the entropy-constrained assignment (0: nearest level).
    """

    def __init__(self, init_values: torch.Tensor, levels: int, rate_weight: float = 0.0):
        super().__init__()
        if levels < 2:
            raise ValueError(f"need at least 2 quantization levels, got {levels}")
        if not rate_weight >= 0:
            raise ValueError(f"rate_weight must be >= 0, got {rate_weight}")
        self.levels = levels
        self.rate_weight = float(rate_weight)
        self.scale = max(float(init_values.detach().float().std()), 1e-12) if init_values.numel() > 1 else 1.0
        codebook, rate = _kmeans_1d(init_values, levels, self.rate_weight, self.scale)
        self.codebook = nn.Parameter(codebook)
        self.register_buffer("rate_bits", rate)
        n = init_values.numel()
        self.register_buffer("frozen", torch.zeros(n, dtype=torch.bool, device=init_values.device))
        self.register_buffer("frozen_indices", torch.zeros(n, dtype=torch.long, device=init_values.device))

    def indices(self, z: torch.Tensor) -> torch.Tensor:
        nearest = _assign(z.detach(), self.codebook.detach(), self.rate_bits, self.rate_weight, self.scale)
        return torch.where(self.frozen, self.frozen_indices, nearest)

    @torch.no_grad()
    def freeze(self, z: torch.Tensor, fraction: float) -> None:
        """Fix the index of the ``fraction`` of coordinates nearest to their level (already frozen
        ones stay frozen)."""
        idx = self.indices(z)
        error = (z.detach() - self.codebook[idx]).abs()
        error[self.frozen] = -1.0
        chosen = torch.argsort(error)[: round(fraction * z.numel())]
        self.frozen_indices[chosen] = idx[chosen]
        self.frozen[chosen] = True
        self.rate_bits.copy_(_rate_bits(self.indices(z), self.levels))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        q = self.codebook[self.indices(z)]
        return torch.where(self.frozen, q, q + (z - z.detach()))

    def export(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(indices, float16 codebook sorted ascending) as stored in a code."""
        order = torch.argsort(self.codebook.detach().cpu())
        rank = torch.empty_like(order)
        rank[order] = torch.arange(self.levels)
        return rank[self.indices(z).cpu()], self.codebook.detach().cpu()[order].half()
