"""Language-model utilities that every text study shares: documents to token arrays, the
training stream cut into windows, and per-token probabilities and ranks of whole documents."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from genlab.train._loop import IGNORE_INDEX, progress_bar


def encode_documents(tokenizer, documents: Sequence[str]) -> list[np.ndarray]:
    """Each document's token ids (int32), without the begin-of-sequence token."""
    dtype = np.int32
    return [np.asarray(ids, dtype=dtype) for ids in tokenizer.encode_batch(documents)]


def document_windows(sequences: list[np.ndarray], bos: int, context: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All documents as one stream ``bos doc bos doc ...`` cut into (x, y) windows of ``context``."""
    stream = np.concatenate([np.concatenate(([bos], s)) for s in sequences]).astype(np.int32)
    count = (len(stream) - 1) // context
    if count < 1:
        raise ValueError(f"the training documents hold {len(stream)} tokens, fewer than one window of {context}")
    x = torch.from_numpy(stream[: count * context].reshape(count, context).copy())
    y = torch.from_numpy(stream[1 : count * context + 1].reshape(count, context).copy())
    return x, y


@torch.no_grad()
def score_documents(model: nn.Module, sequences: list[np.ndarray], bos: int, context: int, *, device="cpu", batch_tokens: int = 16_384, progress: bool = True, tag: str = "score") -> list[tuple[np.ndarray, np.ndarray]]:
    """For every document: the model's probability of each of its tokens, and the token's rank
    among all vocabulary entries (0 = the most likely), each document scored from ``bos``.

    A document of more than ``context`` tokens is scored in consecutive chunks of ``context``
    targets; each chunk's input starts with the token before its first target.
    """
    model.to(device).eval()
    probe = model(torch.tensor([[bos]], device=device))
    batch_tokens = max(context, min(batch_tokens, 50_000_000 // probe.shape[-1]))  # logits of a batch stay ~200 MB
    chunks = []  # (document, offset, length)
    for i, s in enumerate(sequences):
        for start in range(0, len(s), context):
            chunks.append((i, start, min(context, len(s) - start)))
    chunks.sort(key=lambda c: c[2])
    probs = [np.empty(len(s), dtype=np.float32) for s in sequences]
    ranks = [np.empty(len(s), dtype=np.int32) for s in sequences]
    with progress_bar(tag, enabled=progress) as bar:
        task = bar.add_task(tag, total=len(chunks))
        i = 0
        while i < len(chunks):
            j = i + 1  # chunks are sorted by length: grow the batch while rows x its widest chunk fit in batch_tokens
            while j < len(chunks) and (j - i + 1) * chunks[j][2] <= batch_tokens:
                j += 1
            batch = chunks[i:j]
            width = batch[-1][2]
            x = torch.full((len(batch), width), bos, dtype=torch.long)
            y = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
            for row, (doc, start, length) in enumerate(batch):
                seq = torch.from_numpy(np.concatenate(([bos], sequences[doc])).astype(np.int64))
                x[row, :length] = seq[start : start + length]
                y[row, :length] = seq[start + 1 : start + length + 1]
            logits = model(x.to(device)).float()
            target = y.clamp(min=0).to(device)
            logp = torch.log_softmax(logits, dim=-1)
            true_logp = logp.gather(-1, target[..., None])[..., 0]
            rank = (logits > logits.gather(-1, target[..., None])).sum(-1)
            true_p, rank = true_logp.exp().cpu().numpy(), rank.cpu().numpy()
            for row, (doc, start, length) in enumerate(batch):
                probs[doc][start : start + length] = true_p[row, :length]
                ranks[doc][start : start + length] = rank[row, :length]
            i += len(batch)
            bar.advance(task, len(batch))
    return list(zip(probs, ranks))
