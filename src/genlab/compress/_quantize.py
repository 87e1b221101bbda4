"""Quantization-aware training onto L learned levels (Lotfi et al. 2022, Sec. 4), optionally
incremental (Zhou et al. 2017, "Incremental Network Quantization").

Each coordinate of z is replaced by its nearest level; the levels (the codebook) are trained and
the free coordinates of z get the straight-through gradient. Incremental quantization freezes a
growing share of the coordinates at their level (those closest to a level first) while the rest,
still continuous, retrain to compensate; at 100% every coordinate is quantized. The codebook is
stored as float16 in the code, so the decoded values are ``codebook.half().float()[indices]``.
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
    """z -> codebook[index(z)]: frozen coordinates keep their fixed index, free ones take the
    nearest level with a straight-through gradient to z.

    Args:
        init_values: the values to be quantized; the codebook starts at their 1-D k-means.
        levels: L, the number of levels.
    """

    def __init__(self, init_values: torch.Tensor, levels: int):
        super().__init__()
        if levels < 2:
            raise ValueError(f"need at least 2 quantization levels, got {levels}")
        self.levels = levels
        self.codebook = nn.Parameter(_kmeans_1d(init_values, levels))
        n = init_values.numel()
        self.register_buffer("frozen", torch.zeros(n, dtype=torch.bool, device=init_values.device))
        self.register_buffer("frozen_indices", torch.zeros(n, dtype=torch.long, device=init_values.device))

    def indices(self, z: torch.Tensor) -> torch.Tensor:
        nearest = (z.detach()[:, None] - self.codebook.detach()[None, :]).abs().argmin(1)
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

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        q = self.codebook[self.indices(z)]
        return torch.where(self.frozen, q, q + (z - z.detach()))

    def export(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(indices, float16 codebook sorted ascending) as stored in a code."""
        order = torch.argsort(self.codebook.detach().cpu())
        rank = torch.empty_like(order)
        rank[order] = torch.arange(self.levels)
        return rank[self.indices(z).cpu()], self.codebook.detach().cpu()[order].half()
