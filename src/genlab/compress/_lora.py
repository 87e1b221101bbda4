"""LoRA as a parametrization, so that SubLoRA is LoRA inside a random subspace (Lotfi et al. 2023,
"Non-Vacuous Generalization Bounds for Large Language Models"; Hu et al. 2021, "LoRA").

The base weights W0 stay at their (seeded or pretrained) values. Every weight matrix W of the
chosen layers gets a low-rank update, W = W0 + (alpha / r) U V with U: rows x r, V: r x cols; the
one-dimensional parameters (biases, LayerNorm gains) are trained whole. theta is the
concatenation of all U, V and those vectors, so

- plain LoRA trains theta itself (``SubspaceModel(..., projector="identity")``),
- SubLoRA trains z with theta = theta_0 + P z (``projector="fastfood"``),

and both reuse the classifier's quantization and arithmetic coding unchanged. No module of the
model is replaced: the merged weights are handed to ``torch.func.functional_call``, so any
``nn.Module`` (a Hugging Face GPT-2 with its Conv1D layers, a Llama with Linear layers) works.
"""

from __future__ import annotations

import math

import torch
from torch import nn

_MATRIX_LAYERS = ("Linear", "Conv1D", "Embedding")


def lora_targets(base: nn.Module) -> list[str]:
    """Names of the weight matrices LoRA adapts by default: those of every Linear, Conv1D
    (Hugging Face GPT-2) and Embedding module, tied weights counted once."""
    seen, names = set(), []
    for module_name, module in base.named_modules():
        if type(module).__name__ in _MATRIX_LAYERS and isinstance(getattr(module, "weight", None), nn.Parameter):
            if id(module.weight) not in seen:
                seen.add(id(module.weight))
                names.append(f"{module_name}.weight" if module_name else "weight")
    return names


class LoRAParametrization:
    """theta -> {name: W0 + (alpha/r) U V for each target matrix, and each trained vector}.

    Args:
        base: the model; its current weights are W0.
        rank: r, the rank of every update.
        targets: names of the 2-D weights to adapt (default :func:`lora_targets`).
        train_vectors: also train every 1-D parameter (biases, norms) in full.
        alpha: LoRA scale numerator (the update is multiplied by alpha / r).
        seed: seeds the initial V factors (U starts at zero, so theta_0 is the base model).
    """

    def __init__(self, base: nn.Module, rank: int = 4, targets: list[str] | None = None, train_vectors: bool = True, alpha: float | None = None, seed: int = 0):
        if rank < 1:
            raise ValueError(f"LoRA rank must be >= 1, got {rank}")
        params = dict(base.named_parameters())
        self.targets = list(targets) if targets is not None else lora_targets(base)
        for name in self.targets:
            if name not in params or params[name].dim() != 2:
                raise ValueError(f"LoRA target {name!r} is not a 2-D parameter of the model")
        self.vectors = [n for n, p in params.items() if p.dim() == 1] if train_vectors else []
        self.rank, self.seed = rank, seed
        self.scale = (alpha if alpha is not None else rank) / rank
        self.shapes = {n: tuple(params[n].shape) for n in self.targets + self.vectors}
        self._w0 = {n: params[n] for n in self.targets}

    @property
    def size(self) -> int:
        """D, the length of theta."""
        return sum(self.rank * (r + c) for r, c in (self.shapes[n] for n in self.targets)) + sum(self.shapes[n][0] for n in self.vectors)

    def initial(self, base: nn.Module) -> torch.Tensor:
        """theta_0: U = 0, V ~ N(0, 1/cols) (seeded), trained vectors at their current values."""
        g = torch.Generator().manual_seed(self.seed)
        parts = []
        for name in self.targets:
            rows, cols = self.shapes[name]
            parts += [torch.zeros(rows * self.rank), torch.randn(self.rank * cols, generator=g) / math.sqrt(cols)]
        params = dict(base.named_parameters())
        parts += [params[n].detach().float().reshape(-1).cpu() for n in self.vectors]
        return torch.cat(parts)

    def __call__(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        out, i = {}, 0
        for name in self.targets:
            rows, cols = self.shapes[name]
            u = theta[i : i + rows * self.rank].view(rows, self.rank)
            i += rows * self.rank
            v = theta[i : i + self.rank * cols].view(self.rank, cols)
            i += self.rank * cols
            w0 = self._w0[name]
            out[name] = w0.to(theta.device) + (self.scale * (u @ v)).to(w0.dtype)
        for name in self.vectors:
            n = self.shapes[name][0]
            out[name] = theta[i : i + n]
            i += n
        return out
