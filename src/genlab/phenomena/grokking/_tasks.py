"""The algorithmic tasks: modular arithmetic on all pairs of residues, and sparse parity."""

from __future__ import annotations

import torch

from genlab.phenomena.grokking._config import GrokConfig


def _modular_label(task: str, a: torch.Tensor, b: torch.Tensor, p: int) -> torch.Tensor:
    if task == "add":
        return (a + b) % p
    if task == "sub":
        return (a - b) % p
    if task == "mul":
        return (a * b) % p
    if task == "div":
        inverse = torch.tensor([pow(int(v), p - 2, p) if v else 0 for v in range(p)])
        return (a * inverse[b]) % p
    return (a * a + a * b + b * b) % p


def make_task(config: GrokConfig) -> dict:
    """{"x_train", "y_train", "x_test", "y_test", "classes", ...}: the data of ``config.task``."""
    gen = torch.Generator().manual_seed(config.seed)
    if config.task == "parity":
        relevant = torch.randperm(config.n_bits, generator=gen)[: config.k_bits].sort().values
        x = torch.randint(0, 2, (config.train_size + 2000, config.n_bits), generator=gen).float()
        y = (x[:, relevant].sum(1) % 2).long()
        n = config.train_size
        return {"x_train": x[:n], "y_train": y[:n], "x_test": x[n:], "y_test": y[n:], "classes": 2, "relevant": relevant}
    p = config.p
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    a, b = a.flatten(), b.flatten()
    if config.task == "div":
        a, b = a[b != 0], b[b != 0]
    y = _modular_label(config.task, a, b, p)
    order = torch.randperm(len(y), generator=gen)
    n = round(config.train_frac * len(y))
    x = torch.stack([a, b], 1)
    return {"x_train": x[order[:n]], "y_train": y[order[:n]], "x_test": x[order[n:]], "y_test": y[order[n:]], "classes": p}
