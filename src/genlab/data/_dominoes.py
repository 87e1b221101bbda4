"""Dominoes: an MNIST digit stacked above a Fashion-MNIST item (56 x 28), the two labels agreeing
with probability p (Kirichenko, Izmailov & Wilson 2022; the FMNIST-MNIST setting of Springer,
Nagarajan & Raghunathan, ICLR 2024). The label is the Fashion-MNIST item's class (the harder
feature); the digit is the simpler one, fully predictive at p = 1 (redundant) and partly at p < 1
(spurious). Classes 0..k-1 of both datasets are used, digit class c paired with item class c."""

from __future__ import annotations

import torch

from genlab.data._datasets import load_dataset


def _by_class(y: torch.Tensor, classes: int) -> list[torch.Tensor]:
    return [torch.nonzero(y == c).squeeze(1) for c in range(classes)]


def make_dominoes(n: int, p: float, *, split: str = "train", classes: int = 5, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x, y, digit): ``n`` images (n, 1, 56, 28), their labels (the item's class) and the digit's
    class, which equals the label with probability ``p`` and is another class uniformly otherwise
    (p = 1 / classes: independent, the decorrelated data a probe is fitted on). ``split`` draws from
    the datasets' ``train`` or ``test`` images."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must lie in [0, 1], got {p}")
    mnist, fashion = load_dataset("mnist"), load_dataset("fashion-mnist")
    xm, ym = (mnist.x_train, mnist.y_train) if split == "train" else (mnist.x_test, mnist.y_test)
    xf, yf = (fashion.x_train, fashion.y_train) if split == "train" else (fashion.x_test, fashion.y_test)
    g = torch.Generator().manual_seed(seed)
    digits, items = _by_class(ym, classes), _by_class(yf, classes)
    y = torch.randint(0, classes, (n,), generator=g)
    agree = torch.rand(n, generator=g) < p
    other = (y + torch.randint(1, classes, (n,), generator=g)) % classes
    digit = torch.where(agree, y, other)
    top = torch.stack([xm[digits[c][torch.randint(len(digits[c]), (1,), generator=g)]][0] for c in digit.tolist()])
    bottom = torch.stack([xf[items[c][torch.randint(len(items[c]), (1,), generator=g)]][0] for c in y.tolist()])
    return torch.cat([top, bottom], dim=-2), y, digit
