"""Sharpness-aware minimization (Foret, Kleiner, Mobahi & Neyshabur, ICLR 2021) around any
PyTorch optimizer: with the gradient g at theta, step the base optimizer with the gradient taken
at theta + eps, eps = rho g / ||g|| (adaptive, Kwon et al. 2021: eps = rho |w|^2 g / || |w| g ||),
from theta. rho = 0 is the base optimizer."""

from __future__ import annotations

from typing import Callable, Iterable

import torch


class SAM:
    """``SAM(torch.optim.SGD(model.parameters(), lr=0.1), rho=0.05)``; call ``step(closure)`` after
    the backward pass at theta, where ``closure()`` recomputes the loss on the same batch and runs
    its backward pass (``genlab.train.train`` does this when ``TrainConfig.sam_rho`` is set).

    Args:
        base: the optimizer that takes the step (its param_groups, learning rates and state are
            SAM's).
        rho: the radius of the perturbation.
        adaptive: scale the perturbation by |w| (ASAM).
        params: the parameters perturbed (default: all of the base optimizer's); e.g. the last
            layer's only.
    """

    def __init__(self, base: torch.optim.Optimizer, rho: float = 0.05, *, adaptive: bool = False, params: Iterable[torch.nn.Parameter] | None = None):
        if not rho >= 0:
            raise ValueError(f"rho must be >= 0 (0: the base optimizer), got {rho}")
        self.base, self.rho, self.adaptive = base, float(rho), adaptive
        self.perturbed = list(params) if params is not None else [p for g in base.param_groups for p in g["params"]]

    @property
    def param_groups(self):
        return self.base.param_groups

    @property
    def state(self):
        return self.base.state

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.base.zero_grad(set_to_none=set_to_none)

    def state_dict(self) -> dict:
        return self.base.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.base.load_state_dict(state)

    def step(self, closure: Callable[[], torch.Tensor]) -> torch.Tensor:
        """Perturb to theta + eps, recompute the gradient there with ``closure``, come back to
        theta and let the base optimizer step; returns the loss at theta + eps."""
        with torch.no_grad():
            params = [p for p in self.perturbed if p.grad is not None]
            scaled = [(p.abs() * p.grad if self.adaptive else p.grad) for p in params]
            norm = torch.norm(torch.stack([s.norm(2) for s in scaled])) if scaled else torch.tensor(0.0)
            factor = self.rho / (norm + 1e-12)
            eps = [(p.abs() * s if self.adaptive else s) * factor for p, s in zip(params, scaled)]
            saved = [p.detach().clone() for p in params]
            for p, e in zip(params, eps):
                p.add_(e)
        self.base.zero_grad(set_to_none=True)
        with torch.enable_grad():
            loss = closure()
        with torch.no_grad():
            for p, old in zip(params, saved):  # back to theta exactly
                p.copy_(old)
        self.base.step()
        return loss
