"""Canaries: planted examples a memorization measure must find (mislabeled or duplicated images)."""

from __future__ import annotations

import torch


def plant_mislabeled(y: torch.Tensor, count: int, num_classes: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Give ``count`` random training examples a wrong label (uniform over the other classes).

    Returns:
        (the new labels, the sorted indices of the canaries).
    """
    n = len(y)
    if not 0 <= count <= n:
        raise ValueError(f"canary count must lie between 0 and the {n} training examples, got {count}")
    if num_classes < 2:
        raise ValueError("mislabeled canaries need at least 2 classes")
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randperm(n, generator=gen)[:count].sort().values
    shift = torch.randint(1, num_classes, (count,), generator=gen)
    y = y.clone()
    y[idx] = (y[idx] + shift) % num_classes
    return y, idx


def plant_duplicates(x: torch.Tensor, y: torch.Tensor, count: int, copies: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Append ``copies`` extra copies of ``count`` random training examples (a duplicated example
    is seen more often, so it is memorized more readily... and its copies leak into each other's
    held-out estimate, which the scores must survive).

    Returns:
        (x, y with the copies appended, the indices of the originals).
    """
    if copies < 1:
        raise ValueError(f"copies must be >= 1, got {copies}")
    if not 0 <= count <= len(y):
        raise ValueError(f"canary count must lie between 0 and the {len(y)} training examples, got {count}")
    idx = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))[:count].sort().values
    rep = idx.repeat(copies)
    return torch.cat([x, x[rep]]), torch.cat([y, y[rep]]), idx
