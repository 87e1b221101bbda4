"""Small GPTs for language-model certificates: the Hugging Face GPT-2 architecture with a small
config (so a user's own Hugging Face causal LM goes through exactly the same code), and
:class:`CausalLM`, which turns any causal LM into a plain ``token ids -> logits`` module.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import torch
from torch import nn

from genlab._lazy import require

# name -> (layers, embedding width, heads). Sizes for a 2-core CPU: nano trains in minutes.
GPT_SIZES = {
    "gpt-pico": (1, 32, 2),
    "gpt-nano": (2, 64, 2),
    "gpt-micro": (3, 96, 3),
    "gpt-tiny": (4, 128, 4),
    "gpt-small": (6, 192, 6),
}


def gpt_shape(size: str) -> tuple[int, int, int]:
    """(layers, embedding width, heads) of a named size in :data:`GPT_SIZES`, or of
    ``gpt-<layers>x<width>`` (e.g. ``gpt-2x32``), whose heads are of width 32 (one when narrower).

    Raises:
        ValueError: neither form, or a width the heads do not divide.
    """
    if size in GPT_SIZES:
        return GPT_SIZES[size]
    match = re.fullmatch(r"gpt-(\d+)x(\d+)", size)
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise ValueError(f"unknown model size {size!r}; choose one of {', '.join(GPT_SIZES)}, or gpt-<layers>x<width> such as gpt-2x32")
    layers, width = int(match[1]), int(match[2])
    heads = max(1, width // 32)
    if width % heads:
        raise ValueError(f"{size}: width {width} does not split into {heads} heads of equal width; use a multiple of 32")
    return layers, width, heads


@dataclass(frozen=True)
class GPTConfig:
    """A GPT-2-architecture model: ``size`` from :data:`GPT_SIZES` or ``gpt-<layers>x<width>``
    (:func:`gpt_shape`), vocabulary, context length."""

    size: str = "gpt-tiny"
    vocab_size: int = 257
    context: int = 256

    def __post_init__(self) -> None:
        gpt_shape(self.size)
        if self.vocab_size < 2 or self.context < 2:
            raise ValueError(f"vocab_size and context must be >= 2, got {self.vocab_size} and {self.context}")

    def to_dict(self) -> dict:
        return asdict(self)


class CausalLM(nn.Module):
    """``forward(ids) -> logits`` of shape (batch, time, vocab) for any causal LM: a Hugging Face
    model (whose output carries ``.logits``) or a module that already returns logits."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out = self.model(ids)
        return getattr(out, "logits", out)


def build_gpt(config: GPTConfig) -> CausalLM:
    """A freshly initialised GPT-2 (under the caller's torch seed), without dropout or KV cache."""
    require("transformers", "a built-in GPT model")
    from transformers import GPT2Config, GPT2LMHeadModel

    layers, width, heads = gpt_shape(config.size)
    hf = GPT2Config(vocab_size=config.vocab_size, n_positions=config.context, n_embd=width, n_layer=layers, n_head=heads,
                    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, use_cache=False,
                    bos_token_id=config.vocab_size - 1, eos_token_id=config.vocab_size - 1)
    return CausalLM(GPT2LMHeadModel(hf))
