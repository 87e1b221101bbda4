"""One-shot unstructured pruning of a model's linear layers: magnitude and Wanda.

Wanda (Sun, Liu, Bair & Kolter, ICLR 2024, "A Simple and Effective Pruning Approach for Large
Language Models") scores weight W_ij of a linear layer by |W_ij| ||X_j||_2, X_j the j-th input
feature over a calibration set's tokens, and removes the lowest-scoring share of each output row.
Magnitude pruning scores by |W_ij| alone and compares the weights of a whole layer.

Wanda's input norms come either from one pass of the unpruned model over the calibration
sequences (:func:`input_norms`, then :func:`prune`: ``dense`` calibration) or, as in the official
code (``lib/prune.py::prune_wanda``), block by block through the already pruned blocks
(:func:`prune_sequential`: ``sequential``): the calibration inputs of the first transformer block
are caught, each block's linear layers are scored on its inputs and pruned, and the pruned block's
outputs become the next block's inputs.
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
    current = {}

    def forward_all() -> None:
        for ids in batches:
            current["mask"] = None if mask_fn is None else mask_fn(ids)
            model(ids)

    was_training = model.training
    model.eval()
    try:
        return _norms(prunable_layers(model), forward_all, current)
    finally:
        model.train(was_training)


def _norms(layers: dict[str, nn.Module], forward_all, current: dict) -> dict[str, torch.Tensor]:
    """||X_j||_2 of the inputs of ``layers`` over the forward passes of ``forward_all()``
    (``current["mask"]``, when set, marks the tokens that count)."""
    sums = {name: None for name in layers}

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
        forward_all()
    finally:
        for h in handles:
            h.remove()
    return {name: s.sqrt() for name, s in sums.items() if s is not None}


class _Caught(Exception):
    """Ends a forward pass once the first block's inputs are caught."""


def transformer_blocks(model: nn.Module) -> nn.ModuleList | None:
    """The model's stack of transformer blocks: the ``nn.ModuleList`` holding the most prunable
    layers (GPT-2's ``transformer.h``, Llama's ``model.layers``); None if it has none."""
    prunable = {id(m) for m in prunable_layers(model).values()}
    best = None
    for module in model.modules():
        if isinstance(module, nn.ModuleList):
            count = sum(1 for block in module for m in block.modules() if id(m) in prunable)
            if count and (best is None or count > best[0]):
                best = (count, module)
    return None if best is None else best[1]


@torch.no_grad()
def prune_sequential(model: nn.Module, sparsity: float, batches) -> nn.Module:
    """Wanda as the official code runs it: block by block, each block's layers scored on the
    inputs that the already pruned blocks before it produce from the calibration ``batches``
    (in place; returns the model). Prunable layers outside the blocks are scored on the unpruned
    model's inputs, as :func:`prune` does; a model without a block stack falls back to it."""
    if not 0 <= sparsity < 1:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity}")
    if sparsity == 0:
        return model
    blocks = transformer_blocks(model)
    if blocks is None:
        return prune(model, sparsity, "wanda", input_norms(model, batches))
    every = prunable_layers(model)
    names = {id(m): name for name, m in every.items()}
    inside = {id(m) for block in blocks for m in block.modules()}
    outside = {n: m for n, m in every.items() if id(m) not in inside}
    if outside:  # e.g. a projection before the blocks: the unpruned model's inputs
        _prune_layers(outside, sparsity, "wanda", input_norms(model, batches))
    was_training = model.training
    model.eval()
    try:
        caught = _first_block_inputs(model, blocks[0], batches)
        for block in blocks:
            layers = {names[id(m)]: m for m in block.modules() if id(m) in names}

            def forward_all(block=block) -> None:
                for args, kwargs in caught:
                    block(*args, **kwargs)

            _prune_layers(layers, sparsity, "wanda", _norms(layers, forward_all, {}))
            caught = [_next_inputs(block(*args, **kwargs), args, kwargs) for args, kwargs in caught]
    finally:
        model.train(was_training)
    return model


def _first_block_inputs(model: nn.Module, first: nn.Module, batches) -> list[tuple[tuple, dict]]:
    """The (args, kwargs) the first block receives for each calibration batch, without a cache
    (every block reruns on whole sequences); each forward pass stops there."""
    caught = []

    def catch(module, args, kwargs):
        kwargs = dict(kwargs)
        for key in ("past_key_values", "past_key_value", "layer_past"):
            if key in kwargs:
                kwargs[key] = None
        if "use_cache" in kwargs:
            kwargs["use_cache"] = False
        caught.append((args, kwargs))
        raise _Caught

    handle = first.register_forward_pre_hook(catch, with_kwargs=True)
    try:
        for ids in batches:
            try:
                model(ids)
            except _Caught:
                pass
    finally:
        handle.remove()
    return caught


def _next_inputs(out, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """The next block's (args, kwargs): this block's hidden states in place of its own."""
    hidden = out[0] if isinstance(out, tuple) else out
    if args:
        return (hidden, *args[1:]), kwargs
    return args, {**kwargs, "hidden_states": hidden}


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
    _prune_layers(prunable_layers(model), sparsity, method, norms)
    return model


def _prune_layers(layers: dict[str, nn.Module], sparsity: float, method: str, norms: dict[str, torch.Tensor] | None) -> None:
    for name, layer in layers.items():
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
