"""Training hooks from the grokking literature, for any model and loss: StableMax cross-entropy
and the orthogonal gradient (Prieto et al. 2025, "Grokking at the Edge of Numerical Stability"),
and Grokfast-EMA gradient filtering (Lee et al. 2024). Pass them to ``train`` as ``loss_fn`` /
``before_step``."""

from __future__ import annotations

import torch
from torch import nn


def stablemax_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy under StableMax (Prieto et al. 2025): s(x) = x + 1 (x >= 0), 1 / (1 - x) (x < 0)."""
    logits = logits.double()  # the softmax-collapse this avoids is a float32 rounding effect
    s = torch.where(logits >= 0, logits + 1, 1 / (1 - logits.clamp_max(0)))
    return (-(torch.log(s.gather(1, targets[:, None]).squeeze(1)) - torch.log(s.sum(1)))).mean().float()


def orthogonal_gradient(model: nn.Module) -> None:
    """Remove from each parameter's gradient its component along the parameter (perp-Grad)."""
    for w in model.parameters():
        if w.grad is not None and w.ndim > 0:
            norm2 = (w.detach() * w.detach()).sum()
            if norm2 > 0:
                w.grad.sub_((w.grad * w.detach()).sum() / norm2 * w.detach())


class Grokfast:
    """Grokfast-EMA (Lee et al. 2024): after each backward pass, g <- g + lambda * ema, where
    ema <- alpha * ema + (1 - alpha) * g amplifies the slow components of the gradient."""

    def __init__(self, alpha: float, lamb: float):
        self.alpha, self.lamb, self.ema = alpha, lamb, {}

    def __call__(self, model: nn.Module) -> None:
        for name, w in model.named_parameters():
            if w.grad is None:
                continue
            ema = self.ema.get(name)
            ema = w.grad.detach().clone() if ema is None else ema.mul_(self.alpha).add_(w.grad.detach(), alpha=1 - self.alpha)
            self.ema[name] = ema
            w.grad.add_(ema, alpha=self.lamb)
