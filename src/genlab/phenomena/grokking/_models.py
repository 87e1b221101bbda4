"""The models the grokking lab trains: MLPs on learned or fixed circular embeddings, a
residual transformer without layer norm, and the Grokfast paper's causal decoder."""

from __future__ import annotations

import math

import torch
from torch import nn

from genlab.phenomena.grokking._config import GrokConfig


class ModularMLP(nn.Module):
    """(a, b) -> embeddings -> concat -> ReLU layer -> logits over the p residues."""

    def __init__(self, p: int, width: int, embed: int, fourier: bool = False):
        super().__init__()
        self.p, self.fourier = p, fourier
        if fourier:  # fixed circular embedding: cos and sin of every frequency
            f = torch.arange(1, (p - 1) // 2 + 1, dtype=torch.float32)
            angle = 2 * math.pi * torch.arange(p, dtype=torch.float32)[:, None] * f[None, :] / p
            self.register_buffer("table", torch.cat([angle.cos(), angle.sin()], 1))
            embed = self.table.shape[1]
        else:
            self.embedding = nn.Embedding(p, embed)
        self.hidden = nn.Linear(2 * embed, width)
        self.out = nn.Linear(width, p)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.table[tokens] if self.fourier else self.embedding(tokens)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embed(x.long())
        return self.out(torch.relu(self.hidden(e.flatten(1))))


class Transformer(nn.Module):
    """Tokens [a, b, =]: embeddings + positions -> ``layers`` blocks of attention and MLP
    (residual, no layer norm) -> unembedding at the ``=`` position (one layer: Nanda et al. 2023;
    two: the Grokfast paper's setting)."""

    def __init__(self, p: int, d_model: int = 128, heads: int = 4, mlp: int = 512, layers: int = 1):
        super().__init__()
        self.p = p
        self.embedding = nn.Embedding(p + 1, d_model)  # p is the "=" token
        self.position = nn.Parameter(torch.randn(3, d_model) / d_model ** 0.5)
        self.attention = nn.ModuleList(nn.MultiheadAttention(d_model, heads, bias=False, batch_first=True) for _ in range(layers))
        self.mlp = nn.ModuleList(nn.Sequential(nn.Linear(d_model, mlp), nn.ReLU(), nn.Linear(mlp, d_model)) for _ in range(layers))
        self.unembed = nn.Linear(d_model, p, bias=False)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.embedding(tokens)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = torch.cat([x.long(), torch.full_like(x[:, :1].long(), self.p)], 1)
        h = self.embedding(tokens) + self.position
        for attention, mlp in zip(self.attention, self.mlp):
            h = h + attention(h, h, h, need_weights=False)[0]
            h = h + mlp(h)
        return self.unembed(h[:, -1])


class DecoderBlock(nn.Module):
    """The Grokfast paper's block, as in its reference code: the stream is layer-normed, causal
    self-attention is added to the normed stream, then a GELU MLP (4x) on a second layer norm."""

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attention = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        mask = torch.triu(torch.ones(h.shape[1], h.shape[1], dtype=torch.bool, device=h.device), diagonal=1)
        h = self.ln_1(h)
        h = h + self.attention(h, h, h, attn_mask=mask, need_weights=False)[0]
        return h + self.mlp(self.ln_2(h))


class Decoder(nn.Module):
    """The causal decoder of the Grokfast paper (after Power et al. 2022): tokens [a, op, b, =]
    with learned token and position embeddings, ``layers`` ``DecoderBlock``s, a final layer
    norm, and the answer read at ``=``."""

    def __init__(self, p: int, d_model: int = 128, heads: int = 4, layers: int = 2):
        super().__init__()
        self.p = p
        self.embedding = nn.Embedding(p + 2, d_model)  # p is "=", p + 1 the operation
        self.position = nn.Embedding(4, d_model)
        self.blocks = nn.ModuleList(DecoderBlock(d_model, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.unembed = nn.Linear(d_model, p, bias=False)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.embedding(tokens)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.long()
        tokens = torch.stack([x[:, 0], torch.full_like(x[:, 0], self.p + 1), x[:, 1], torch.full_like(x[:, 0], self.p)], 1)
        h = self.embedding(tokens) + self.position.weight
        for block in self.blocks:
            h = block(h)
        return self.unembed(self.ln_f(h[:, -1]))


def build_grok_model(config: GrokConfig, data: dict) -> nn.Module:
    """The seeded model of ``config`` for ``data``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        if config.task == "parity":
            return nn.Sequential(nn.Linear(config.n_bits, config.width), nn.ReLU(), nn.Linear(config.width, 2))
        if config.model == "transformer":
            return Transformer(config.p, d_model=config.embed, layers=config.layers)
        if config.model == "decoder":
            return Decoder(config.p, d_model=config.embed, layers=config.layers)
        return ModularMLP(config.p, config.width, config.embed, fourier=config.model == "mlp-fourier")
