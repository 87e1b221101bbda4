"""One-shot unstructured pruning of a model's linear layers: magnitude and Wanda.

Wanda (Sun, Liu, Bair & Kolter, ICLR 2024, "A Simple and Effective Pruning Approach for Large
Language Models") scores weight W_ij of a linear layer by |W_ij| ||X_j||_2, X_j the j-th input
feature over a calibration set's tokens, and removes the lowest-scoring share of each output row.
Magnitude pruning scores by |W_ij| alone and compares the weights of a whole layer. Here the input
norms come from one pass of the unpruned model over the calibration sequences (the official code
recomputes them layer by layer through the already pruned layers).
"""

from __future__ import annotations

import torch
from torch import nn

METHODS = ("magnitude", "wanda")


def prunable_layers(model: nn.Module) -> dict[str, nn.Linear]:
    """The linear layers to prune: every ``nn.Linear`` (and GPT-2's ``Conv1D``) except the output
    head (a layer whose name ends in ``lm_head``)."""
    out = {}
    for name, module in model.named_modules():
        if name.endswith("lm_head"):
            continue
        if isinstance(module, nn.Linear) or type(module).__name__ == "Conv1D":
            out[name] = module
    return out


def _weight_rows(module: nn.Module) -> torch.Tensor:
    """The weight as (out, in): GPT-2's Conv1D stores (in, out)."""
    return module.weight.data.T if type(module).__name__ == "Conv1D" else module.weight.data


@torch.no_grad()
def input_norms(model: nn.Module, batches, mask_fn=None) -> dict[str, torch.Tensor]:
    """||X_j||_2 of every prunable layer's input features over the calibration ``batches`` (id
    tensors fed to ``model``); ``mask_fn(ids)`` marks the tokens that count (e.g. not padding)."""
    layers = prunable_layers(model)
    sums = {name: None for name in layers}
    current = {}

    def hook(name):
        def record(module, args):
            x = args[0].detach().double()
            keep = current.get("mask")
            x = x.reshape(-1, x.shape[-1]) if keep is None else x[keep]
            s = (x**2).sum(0)
            sums[name] = s if sums[name] is None else sums[name] + s
        return record

    handles = [layer.register_forward_pre_hook(hook(name)) for name, layer in layers.items()]
    try:
        was_training = model.training
        model.eval()
        for ids in batches:
            current["mask"] = None if mask_fn is None else mask_fn(ids)
            model(ids)
        model.train(was_training)
    finally:
        for h in handles:
            h.remove()
    return {name: s.sqrt() for name, s in sums.items() if s is not None}


@torch.no_grad()
def prune(model: nn.Module, sparsity: float, method: str = "wanda", norms: dict[str, torch.Tensor] | None = None) -> nn.Module:
    """Zero the ``sparsity`` share of the weights of every prunable layer of ``model`` (in place;
    returns it). ``wanda`` needs ``norms`` (:func:`input_norms`) and prunes each output row;
    ``magnitude`` prunes by |W| across the whole layer. Ties break by index (stable sort).
    ``sparsity`` 0 leaves the model untouched."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not 0 <= sparsity < 1:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity}")
    if method == "wanda" and norms is None:
        raise ValueError("wanda pruning needs the calibration input norms: pass norms=input_norms(model, batches)")
    if sparsity == 0:
        return model
    for name, layer in prunable_layers(model).items():
        w = _weight_rows(layer)
        if method == "wanda":
            score = w.abs().double() * norms[name].to(w.device)[None, :]
            k = int(w.shape[1] * sparsity)
            drop = torch.argsort(score, dim=1, stable=True)[:, :k]
            w.scatter_(1, drop, 0.0)
        else:
            flat = layer.weight.data.view(-1)  # the layer's own (contiguous) storage; orientation does not matter here
            k = int(flat.numel() * sparsity)
            flat[torch.argsort(flat.abs(), stable=True)[:k]] = 0.0
    return model
