"""A baseline with the same public text as the model's prior: when a certified language model was
pretrained on other documents (its weights are the prior, free of charge), an n-gram model
counted on those same documents is free of charge too, and a fair baseline gets it.

The hypothesis is an interpolated absolute-discounting n-gram of the prior's documents (Ney,
Essen & Kneser 1994): with c(h, y) the count of token y after context h (the last L tokens,
``bos`` before a document's first), c(h) = sum_y c(h, y) and N(h) the number of distinct y seen
after h,

    P_L(y | h) = (max(c(h, y) - D, 0) + D N(h) P_{L-1}(y | h')) / c(h)        (h' = h without its first token)

for every context h seen in the prior text, P_{-1} uniform over the vocabulary; a position is
predicted from its longest context seen in the prior text (at most order - 1 tokens). The grid of
(order, D) is public (:data:`ORDERS` x :data:`DISCOUNTS`); the code file is the grid point's
index in ceil(log2 |grid|) bits, zero-padded to a byte: everything else comes from the public
text. The grid point is chosen on the training documents (paid for in the code) by the proxy of
genlab.certify._ngram: the statement of the baseline's ``level`` on PROBE_DOCUMENTS training
documents spread evenly over all of them.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np

from genlab.certify._ngram import _rank_table, _width, probe_documents, proxy_bound

ORDERS = (1, 2, 3, 4, 5, 6)
DISCOUNTS = (0.5, 0.75, 0.9)


def grid() -> list[tuple[int, float]]:
    return [(order, d) for order in ORDERS for d in DISCOUNTS]


def documents_sha256(sequences: list[np.ndarray]) -> str:
    """SHA-256 of token sequences (each as int32 bytes after its length): what a certificate
    records of the prior's text, so that verify knows it counts the same documents."""
    digest = hashlib.sha256()
    for s in sequences:
        digest.update(len(s).to_bytes(8, "little"))
        digest.update(np.asarray(s, dtype=np.int32).tobytes())
    return digest.hexdigest()


def _keys(sequences: list[np.ndarray], bos: int, vocab: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """(context key of the last ``length`` tokens before each position, target) over all documents."""
    pad = max(ORDERS) - 1
    parts_k, parts_y = [], []
    for s in sequences:
        padded = np.concatenate((np.full(pad, bos, dtype=np.int64), np.asarray(s, dtype=np.int64)))
        n = len(s)
        key = np.zeros(n, dtype=np.int64)
        for i in range(pad - length, pad):
            key = key * vocab + padded[i : i + n]
        parts_k.append(key)
        parts_y.append(padded[pad:])
    return np.concatenate(parts_k), np.concatenate(parts_y)


@dataclass
class PriorCounts:
    """The counts of the prior text per context length: sorted context keys, (contexts, V) counts,
    and each context's parent (its context one token shorter) as an index."""

    vocab: int
    bos: int
    keys: list[np.ndarray] = field(default_factory=list)
    counts: list[np.ndarray] = field(default_factory=list)
    parents: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def count(cls, sequences: list[np.ndarray], vocab: int, bos: int) -> PriorCounts:
        out = cls(vocab, bos)
        for length in range(max(ORDERS)):
            ctx, y = _keys(sequences, bos, vocab, length)
            keys, inverse = np.unique(ctx, return_inverse=True)
            out.keys.append(keys)
            out.counts.append(np.bincount(inverse * vocab + y, minlength=len(keys) * vocab).reshape(len(keys), vocab).astype(np.float32))
            out.parents.append(np.searchsorted(out.keys[-2], keys % vocab ** (length - 1)) if length else np.zeros(len(keys), dtype=np.int64))
        return out

    def table(self, order: int, discount: float) -> np.ndarray:
        """The stacked rows P_L(. | h) of every context of length L < order, shortest first."""
        rows, previous = [], np.full((1, self.vocab), 1.0 / self.vocab)
        for length in range(order):
            c = self.counts[length].astype(np.float64)
            total = c.sum(axis=1, keepdims=True)
            seen = (c > 0).sum(axis=1, keepdims=True)
            previous = (np.maximum(c - discount, 0.0) + discount * seen * previous[self.parents[length]]) / total
            rows.append(previous.astype(np.float32))
        return np.concatenate(rows)

    def rows(self, sequences: list[np.ndarray], order: int) -> np.ndarray:
        """Row of :meth:`table` for every position: its longest context seen in the prior text."""
        offset, out = 0, None
        for length in range(order):
            query, _ = _keys(sequences, self.bos, self.vocab, length)
            keys = self.keys[length]
            at = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
            hit = keys[at] == query
            out = np.where(hit, offset + at, out) if out is not None else offset + at
            offset += len(keys)
        return out


@dataclass
class PriorNgramBaseline:
    """The chosen (order, discount) of the prior text's n-gram, and its code file."""

    level: str
    order: int
    discount: float
    prior: PriorCounts
    payload: bytes
    name: str = "prior n-gram"
    _cache: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def bits(self) -> int:
        return 8 * len(self.payload)

    def score(self, sequences: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per document, each token's probability and rank (the format of score_documents)."""
        table, greater = self._table_and_ranks()
        flat = np.concatenate(sequences).astype(np.int64)
        rows = self.prior.rows(sequences, self.order)
        p, r = table[rows, flat], greater[rows, flat]
        cuts = np.cumsum([len(s) for s in sequences])[:-1]
        return list(zip(np.split(p, cuts), np.split(r.astype(np.int32), cuts)))

    def _table_and_ranks(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows and their rank table, built once (score is called on the training sample, then on test documents)."""
        if self._cache is None:
            table = self.prior.table(self.order, self.discount)
            self._cache = (table, _rank_table(table))
        return self._cache

    def to_dict(self) -> dict:
        return {"name": f"{self.order}-gram of the prior's text", "level": self.level, "order": self.order, "discount": self.discount, "bits": self.bits}


def _encode(choice: int) -> bytes:
    width = _width(len(grid()))
    text = format(choice, f"0{width}b") if width else ""
    text += "0" * ((-len(text)) % 8)
    return int(text, 2).to_bytes(len(text) // 8, "big") if text else b""


def fit_prior_ngram(prior: PriorCounts, sequences: list[np.ndarray], alphas, level: str, *, document_bound: str = "hoeffding", splits: int = 1024, extra_bits: int = 0,
                    probe: str = "spread") -> PriorNgramBaseline:
    """The grid point whose proxy bound for ``level`` is smallest on the training documents of
    genlab.certify._ngram.probe_documents(``probe``)."""
    return fit_prior_ngrams(prior, sequences, alphas, (level,), document_bound=document_bound, splits=splits, extra_bits=extra_bits, probe=probe)[level]


def fit_prior_ngrams(prior: PriorCounts, sequences: list[np.ndarray], alphas, levels, *, document_bound: str = "hoeffding", splits: int = 1024, extra_bits: int = 0,
                     probe: str = "spread") -> dict[str, PriorNgramBaseline]:
    """:func:`fit_prior_ngram` for each of ``levels``, every grid point's table built once for all."""
    probe = [sequences[i] for i in probe_documents(len(sequences), probe)]
    lengths = np.array([len(s) for s in probe])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    y = np.concatenate(probe).astype(np.int64)
    n_units = {level: len(sequences) if level == "document" else int(sum(len(s) for s in sequences)) for level in levels}
    points = grid()
    rows = {order: prior.rows(probe, order) for order in ORDERS}
    best = {}
    for discount in DISCOUNTS:
        table = prior.table(max(ORDERS), discount)  # a lower order's rows are its first rows (shortest contexts first)
        for order in ORDERS:
            choice = points.index((order, discount))
            bits = 8 * len(_encode(choice)) + extra_bits
            losses = table[rows[order], y]
            for level in levels:
                score = proxy_bound(losses, starts, lengths, bits, n_units[level], alphas, prior.vocab, level, document_bound, splits)
                if level not in best or score < best[level][0]:
                    best[level] = (score, choice)
    return {level: PriorNgramBaseline(level, *points[choice], prior, _encode(choice)) for level, (_, choice) in best.items()}


def decode_prior_ngram(payload: bytes, prior: PriorCounts, level: str) -> PriorNgramBaseline:
    """Inverse of the code file of :func:`fit_prior_ngram` (the grid and the prior text are public)."""
    width = _width(len(grid()))
    text = "".join(format(b, "08b") for b in payload)
    if len(text) != 8 * math.ceil(width / 8) or set(text[width:]) - {"0"}:
        raise ValueError(f"a prior n-gram's code is {math.ceil(width / 8)} byte(s), the grid point's index and zeros; got {len(payload)} byte(s)")
    choice = int(text[:width], 2) if width else 0
    if choice >= len(grid()):
        raise ValueError(f"prior n-gram code names grid point {choice}, but the grid has {len(grid())}")
    order, discount = grid()[choice]
    return PriorNgramBaseline(level, order, discount, prior, payload)
