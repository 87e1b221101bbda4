"""The three sequence models of the rule-extrapolation study, each ``ids (batch, time) -> logits
(batch, time, vocab)`` and causal: a small Transformer, an LSTM, and the linear model of the
official code (every output position a linear function of the embeddings at or before it)."""

from __future__ import annotations

import math

import torch
from torch import nn


class TransformerLM(nn.Module):
    """A causal Transformer encoder stack (post-norm, no dropout) with sinusoidal positions."""

    def __init__(self, vocab: int, width: int, heads: int, layers: int, feedforward: int, max_positions: int = 4096):
        super().__init__()
        self.embedding = nn.Embedding(vocab, width)
        position = torch.arange(max_positions).unsqueeze(1)
        frequency = torch.exp(torch.arange(0, width, 2) * (-math.log(10000.0) / width))
        table = torch.zeros(max_positions, width)
        table[:, 0::2], table[:, 1::2] = torch.sin(position * frequency), torch.cos(position * frequency)[:, : width // 2]
        self.register_buffer("positions", table, persistent=False)
        layer = nn.TransformerEncoderLayer(width, heads, feedforward, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(width, vocab)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        t = ids.shape[1]
        mask = torch.triu(torch.full((t, t), float("-inf"), device=ids.device), diagonal=1)
        return self.head(self.encoder(self.embedding(ids) + self.positions[:t], mask=mask, is_causal=True))


class LSTMLM(nn.Module):
    """Embedding, a stacked LSTM, a linear read-out."""

    def __init__(self, vocab: int, embedding: int, hidden: int, layers: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.lstm(self.embedding(ids))[0])


class LinearLM(nn.Module):
    """The official linear model: logits[t] = sum over s <= t of W[s, :, t, :] applied to the
    embedding at s, plus a bias per position; inputs up to ``positions`` tokens."""

    def __init__(self, vocab: int, embedding: int, positions: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.weight = nn.Parameter(torch.empty(positions, embedding, positions, vocab))
        self.bias = nn.Parameter(torch.zeros(positions, vocab))
        nn.init.xavier_uniform_(self.weight)
        self.register_buffer("causal", torch.tril(torch.ones(positions, positions)).T.contiguous(), persistent=False)  # [s, t] = 1 when s <= t

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        t = ids.shape[1]
        if t > self.bias.shape[0]:
            raise ValueError(f"the linear model reads at most {self.bias.shape[0]} tokens, got {t}")
        e = self.embedding(ids)
        return torch.einsum("bsw,swtv,st->btv", e, self.weight[:t, :, :t], self.causal[:t, :t]) + self.bias[:t]
