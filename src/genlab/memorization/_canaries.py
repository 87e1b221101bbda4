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


CANARY_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def canary_text(index: int, secret: str) -> str:
    """A canary document: a unique prefix (``canary 007 secret: ``) and a random secret."""
    return f"canary {index:03d} secret: {secret}"


def plant_text_canaries(documents: list[str], count: int, repeats: int, length: int = 24, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """Insert ``count`` random-string canaries, each ``repeats`` times, at random places among the
    training ``documents`` (Carlini et al. 2019, "The Secret Sharer"); also make ``count`` held-out
    canaries of the same form that are never inserted (the non-members).

    Returns:
        (documents with the canaries, the planted canary texts, the held-out canary texts).
    """
    if count < 1 or repeats < 1:
        raise ValueError(f"count and repeats must be >= 1, got {count} and {repeats}")
    if 2 * count > 1000:
        raise ValueError(f"at most 500 canaries (their prefixes are numbered 000-999), got {count}")
    gen = torch.Generator().manual_seed(seed)
    secrets = ["".join(CANARY_ALPHABET[int(i)] for i in torch.randint(len(CANARY_ALPHABET), (length,), generator=gen)) for _ in range(2 * count)]
    order = torch.randperm(2 * count, generator=gen).tolist()  # which numbers are planted is random too
    texts = [canary_text(i, s) for i, s in zip(order, secrets)]
    planted, held_out = texts[:count], texts[count:]
    docs = list(documents) + planted * repeats
    shuffle = torch.randperm(len(docs), generator=gen).tolist()
    return [docs[i] for i in shuffle], planted, held_out
