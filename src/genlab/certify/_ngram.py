"""Baselines for language-model certificates: n-gram models whose tables are coded as carefully as
the model's parameters, so that a certificate is read against the best a table of counts can do
for the same price.

An n-gram baseline predicts token y from a kept context c (its document's last one or two tokens,
``bos`` before the first; the longest kept context wins, the unigram row otherwise). Each row of
the table is the maximum-likelihood distribution of the training tokens that use it, coded as
quantized log-probabilities: level j stands for 2^(-step j), j = 0..J with J = ceil(DEPTH / step),
and one more level, the floor, for tokens the row never saw (probability 0: the certificate's
prediction smoothing covers them). Rows are renormalised after decoding; the decoded table is the
hypothesis.

Code file (every bit counted, docs/bounds.md): the grid point (order, number of kept contexts K, step)
in ceil(log2 |grid|) bits; the K contexts, each a 1-bit length (order 3 only) and its token ids in
ceil(log2 V) bits; the count of each level in Elias gamma (count + 1); the level indices of the
(K + 1) x V table with a range coder (genlab.compress: the multinomial model up to
MULTINOMIAL_LIMIT indices, the categorical one beyond), its word count in code format 2; zeros to a
whole byte.

Which grid point is coded is chosen on the training data (any rule may, since the grid point is
paid for in the code): the smallest of a proxy of the bound, min over alpha of the statement of
``level`` (the document statement's form on a fixed set of training documents; at the token level
the mean smoothed training loss plus range x sqrt(bits ln 2 / (2 N))).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from genlab.bounds import document_bernstein_bound, document_split_kl_bound, elias_gamma_decode, elias_gamma_encode, smoothed_loss_range, split_kl_tails
from genlab.compress import range_decode, range_encode

STEPS = (0.25, 0.5, 1.0)
DEPTH = 20.0
MULTINOMIAL_LIMIT = 100_000
MAX_TABLE = 5_000_000  # (K + 1) x V entries at most: grid points beyond are never picked
CONTEXT_COUNTS = {"document": tuple(2**k for k in range(11)), "token": tuple(2**k for k in range(15))}


def grid(level: str) -> list[tuple[int, int, float]]:
    """The public grid of (order, kept contexts K, step) for a baseline chosen for ``level``."""
    points = [(1, 0, s) for s in STEPS]
    for order in (2, 3):
        points += [(order, k, s) for k in CONTEXT_COUNTS[level] for s in STEPS]
    return points


def _width(n: int) -> int:
    return 0 if n <= 1 else math.ceil(math.log2(n))


def _deepest(step: float) -> int:
    return math.ceil(DEPTH / step)


@dataclass
class NgramBaseline:
    """A decoded n-gram table (see the module docstring) and the code file it came from."""

    level: str
    vocab: int
    bos: int
    order: int
    step: float
    contexts: list[tuple[int, ...]]
    levels: np.ndarray  # (K + 1, V) level indices; row 0 is the unigram
    payload: bytes

    @property
    def name(self) -> str:
        return "unigram" if self.order == 1 else f"{self.order}-gram ({self.level})"

    @property
    def bits(self) -> int:
        return 8 * len(self.payload)

    def probabilities(self) -> np.ndarray:
        """(K + 1, V) next-token distributions, renormalised; a row of floor levels is uniform."""
        j = self.levels.astype(np.float64)
        p = np.where(self.levels <= _deepest(self.step), np.exp2(-self.step * j), 0.0)
        total = p.sum(axis=1, keepdims=True)
        return np.where(total > 0, p / np.where(total > 0, total, 1.0), 1.0 / self.vocab)

    def rows(self, sequences: list[np.ndarray]) -> np.ndarray:
        """The row used for every token of every document, concatenated."""
        return _rows(_history(sequences, self.bos), self.contexts, self.order, self.vocab)

    def score(self, sequences: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per document, the probability of each token and its rank (0 = most likely): the format
        of genlab.certify's score_documents."""
        probs = self.probabilities()
        greater = _rank_table(probs)
        flat = np.concatenate(sequences).astype(np.int64)
        rows = self.rows(sequences)
        p, r = probs[rows, flat].astype(np.float32), greater[rows, flat].astype(np.int32)
        cuts = np.cumsum([len(s) for s in sequences])[:-1]
        return list(zip(np.split(p, cuts), np.split(r, cuts)))

    def to_dict(self) -> dict:
        return {"name": self.name, "level": self.level, "order": self.order, "kept_contexts": len(self.contexts), "step": self.step, "bits": self.bits}


def _history(sequences: list[np.ndarray], bos: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(targets, previous token, the one before) of every position; bos before a document."""
    y = np.concatenate(sequences).astype(np.int64)
    prev1, prev2 = np.empty_like(y), np.empty_like(y)
    pos = 0
    for s in sequences:
        n = len(s)
        padded = np.concatenate(([bos, bos], s)).astype(np.int64)
        prev1[pos : pos + n] = padded[1 : n + 1]
        prev2[pos : pos + n] = padded[:n]
        pos += n
    return y, prev1, prev2


def _rows(history, contexts: list[tuple[int, ...]], order: int, vocab: int) -> np.ndarray:
    """Row index (1 + the context's place in ``contexts``; 0 = unigram) of every position."""
    _, prev1, prev2 = history
    rows = np.zeros(len(prev1), dtype=np.int64)
    if order == 1 or not contexts:
        return rows
    one = np.zeros(vocab, dtype=np.int64)
    pairs, pair_rows = [], []
    for i, c in enumerate(contexts):
        if len(c) == 1:
            one[c[0]] = i + 1
        else:
            pairs.append(c[0] * vocab + c[1])
            pair_rows.append(i + 1)
    rows = one[prev1]
    if pairs:
        keys = np.asarray(pairs, dtype=np.int64)
        order_ = np.argsort(keys)
        keys, pair_rows = keys[order_], np.asarray(pair_rows)[order_]
        query = prev2 * vocab + prev1
        at = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
        hit = keys[at] == query
        rows[hit] = pair_rows[at[hit]]
    return rows


def _rank_table(probs: np.ndarray) -> np.ndarray:
    """For every row and token, the number of tokens with a strictly larger probability."""
    desc = -np.sort(-probs, axis=1)
    out = np.empty(probs.shape, dtype=np.int32)
    for i in range(len(probs)):
        out[i] = np.searchsorted(-desc[i], -probs[i], side="left")
    return out


def _quantize(counts: np.ndarray, step: float) -> np.ndarray:
    """Level indices of the rows' maximum-likelihood log-probabilities (floor for zero counts)."""
    deepest = _deepest(step)
    total = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = -np.log2(counts / np.where(total > 0, total, 1))
    levels = np.clip(np.rint(depth / step), 0, deepest)
    return np.where(counts > 0, levels, deepest + 1).astype(np.int64)


def _ranked_contexts(history, vocab: int, order: int, limit: int) -> list[tuple[int, ...]]:
    """Candidate contexts by the training bits they save over their back-off (bigram contexts over
    the unigram, trigram contexts over their bigram context), most first."""
    y, prev1, prev2 = history
    uni = np.bincount(y, minlength=vocab).astype(np.float64)
    uni_logp = np.log2(np.maximum(uni, 1) / uni.sum())
    pair_keys, pair_counts = np.unique(prev1 * vocab + y, return_counts=True)
    big_logp = _conditional_log2(pair_keys // vocab, pair_counts)
    gains = np.bincount(pair_keys // vocab, weights=pair_counts * (big_logp - uni_logp[pair_keys % vocab]), minlength=vocab)
    seen = np.bincount(pair_keys // vocab, minlength=vocab) > 0
    candidates = [(float(gains[c]), (int(c),)) for c in np.flatnonzero(seen)]
    if order == 3:
        keys, counts = np.unique((prev2 * vocab + prev1) * vocab + y, return_counts=True)
        ctx, tok = keys // vocab, keys % vocab
        back = big_logp[np.searchsorted(pair_keys, (ctx % vocab) * vocab + tok)]
        ctx_ids, inverse = np.unique(ctx, return_inverse=True)
        per_ctx = np.bincount(inverse, weights=counts * (_conditional_log2(ctx, counts) - back))
        top = np.argsort(-per_ctx, kind="stable")[:limit]
        candidates += [(float(per_ctx[i]), (int(ctx_ids[i] // vocab), int(ctx_ids[i] % vocab))) for i in top]
    candidates.sort(key=lambda t: (-t[0], t[1]))
    return [c for _, c in candidates[:limit]]


def _conditional_log2(contexts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """log2 of count / (its context's total) for sorted (context, token) count entries."""
    _, inverse = np.unique(contexts, return_inverse=True)
    return np.log2(counts / np.bincount(inverse, weights=counts)[inverse])


def _proxy(counts: np.ndarray, levels: np.ndarray, step: float, bits: float, n_units: int, alphas, vocab: int, probe=None, form: str = "hoeffding", splits: int = 1024) -> float:
    """min over alpha of a proxy of the bound. Token level (``probe`` None): the mean smoothed
    training loss per token (from the counts) + range x sqrt(bits ln 2 / (2 n)). Document level:
    :func:`proxy_bound` on ``probe`` = (rows, targets, starts, lengths), a fixed set of documents."""
    table = NgramBaseline("", vocab, 0, 1, step, [], levels, b"").probabilities()
    if probe is not None:
        rows, y, starts, lengths = probe
        return proxy_bound(table[rows, y], starts, lengths, bits, n_units, alphas, vocab, "document", form, splits)
    mask = counts > 0
    c, q = counts[mask], table[mask]
    best = math.inf
    for alpha in alphas:
        lo_hi = smoothed_loss_range(alpha, vocab)
        loss = float((c * -np.log2((1 - alpha) * q + alpha / vocab)).sum() / c.sum())
        best = min(best, loss + (lo_hi[1] - lo_hi[0]) * math.sqrt((bits * math.log(2) + math.log(40.0)) / (2 * n_units)))
    return best


def proxy_bound(p: np.ndarray, starts: np.ndarray, lengths: np.ndarray, bits: float, n_units: int, alphas, vocab: int, level: str, form: str = "hoeffding", splits: int = 1024) -> float:
    """min over alpha of a proxy of the bound from the probabilities ``p`` a hypothesis gives the
    tokens of a fixed set of documents (``starts``, ``lengths``). ``document``: their per-document
    losses put in the document statement's ``form`` as if they were all n documents; ``token``:
    their mean smoothed loss per token + range x sqrt(bits ln 2 / (2 n))."""
    best = math.inf
    for alpha in alphas:
        lo_hi = smoothed_loss_range(alpha, vocab)
        losses = -np.log2((1 - alpha) * p.astype(np.float64) + alpha / vocab)
        if level == "token":
            bound = float(losses.mean()) + (lo_hi[1] - lo_hi[0]) * math.sqrt((bits * math.log(2) + math.log(40.0)) / (2 * n_units))
        else:
            per_doc = np.clip(np.add.reduceat(losses, starts) / lengths, *lo_hi)
            if form == "split-kl":
                bound = document_split_kl_bound(split_kl_tails(per_doc, lo_hi, splits), n_units, n_units, bits, 0.005, lo_hi).bound
            elif form == "bernstein":
                bound = document_bernstein_bound(float(per_doc.mean()), float(per_doc.var(ddof=1)), n_units, bits, 0.005, lo_hi).bound
            else:
                bound = float(per_doc.mean()) + (lo_hi[1] - lo_hi[0]) * math.sqrt((bits * math.log(2) + math.log(200.0)) / (2 * n_units))
        best = min(best, bound)
    return best


PROBE_DOCUMENTS = 20_000
PROBES = ("spread", "first")


def probe_documents(n: int, probe: str = "spread") -> np.ndarray:
    """Indices of the (at most PROBE_DOCUMENTS) training documents a baseline's grid point is
    chosen on: ``spread``, evenly spaced over all n (a corpus stored source after source is then
    represented by every source); ``first``, the first ones (certificates written before the
    spread probe: for the built-in corpus these are King James verses only)."""
    if probe not in PROBES:
        raise ValueError(f"baseline probe must be one of {', '.join(PROBES)}, got {probe!r}")
    k = min(n, PROBE_DOCUMENTS)
    return np.arange(k) if probe == "first" or k == n else np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def fit_ngram(sequences: list[np.ndarray], vocab: int, bos: int, alphas, level: str, *, document_bound: str = "hoeffding", splits: int = 1024,
              orders=(1, 2, 3), extra_bits: int = 0, probe: str = "first") -> NgramBaseline:
    """The coded n-gram baseline of ``orders`` that minimises the bound proxy for ``level``
    (``document`` or ``token``) on the training sequences: at the document level, the document
    statement's form (``document_bound``, ``splits``) computed from the documents of
    :func:`probe_documents` (``probe``). ``extra_bits`` (e.g. a trained tokenizer's) enter the
    proxy as they enter the bound."""
    history = _history(sequences, bos)
    picked = probe_documents(len(sequences), probe) if level == "document" else np.arange(0)
    probe_lengths = np.array([len(sequences[i]) for i in picked])
    ends = np.cumsum([len(s) for s in sequences])
    positions = np.concatenate([np.arange(ends[i] - len(sequences[i]), ends[i]) for i in picked]) if len(picked) else None
    probe_starts = np.concatenate(([0], np.cumsum(probe_lengths)[:-1])) if len(picked) else None
    n_units = len(sequences) if level == "document" else len(history[0])
    points = grid(level)
    width = _width(len(points))
    limit = max(CONTEXT_COUNTS[level])
    ranked = {o: _ranked_contexts(history, vocab, o, limit) for o in orders if o > 1}
    best = None
    for order in orders:
        for k in sorted({k for o, k, _ in points if o == order}):
            if (k + 1) * vocab > MAX_TABLE or (order > 1 and k > len(ranked[order])):
                continue
            contexts = ranked[order][:k] if order > 1 else []
            rows = _rows(history, contexts, order, vocab)
            counts = np.bincount(rows * vocab + history[0], minlength=(k + 1) * vocab).reshape(k + 1, vocab)
            for step in STEPS:
                levels = _quantize(counts, step)
                bits = width + _context_bits(contexts, order, vocab) + _table_bits(levels, _deepest(step) + 2) + extra_bits
                on = (rows[positions], history[0][positions], probe_starts, probe_lengths) if positions is not None else None
                score = _proxy(counts, levels, step, bits, n_units, alphas, vocab, on, document_bound, splits)
                if best is None or score < best[0]:
                    best = (score, points.index((order, k, step)), contexts, levels)
    _, choice, contexts, levels = best
    order, _, step = points[choice]
    return NgramBaseline(level, vocab, bos, order, step, contexts, levels, _encode(choice, len(points), contexts, order, vocab, levels, _deepest(step) + 2))


def _context_bits(contexts, order: int, vocab: int) -> int:
    per_id = _width(vocab)
    return sum((1 if order == 3 else 0) + per_id * len(c) for c in contexts)


def _coder(d: int) -> str:
    return "multinomial" if d <= MULTINOMIAL_LIMIT else "categorical"


def _table_bits(levels: np.ndarray, num_levels: int) -> float:
    """Estimated bits of the counts and indices (the selection's proxy; the file is exact)."""
    counts = np.bincount(levels.ravel(), minlength=num_levels)
    gamma = sum(2 * (int(c) + 1).bit_length() - 1 for c in counts)
    d, used = levels.size, counts[counts > 0]
    if _coder(d) == "multinomial":
        indices = (math.lgamma(d + 1) - sum(math.lgamma(c + 1) for c in used)) / math.log(2)
    else:
        indices = float(-(used * np.log2(used / d)).sum())
    return gamma + indices + 34


def _encode(choice: int, num_choices: int, contexts, order: int, vocab: int, levels: np.ndarray, num_levels: int) -> bytes:
    per_id = _width(vocab)
    bits = [format(choice, f"0{_width(num_choices)}b") if num_choices > 1 else ""]
    for c in contexts:
        bits.append(("1" if len(c) == 2 else "0") if order == 3 else "")
        bits.extend(format(t, f"0{per_id}b") for t in c)
    symbols = levels.ravel()
    counts = np.bincount(symbols, minlength=num_levels)
    bits.extend(elias_gamma_encode(int(c) + 1) for c in counts)
    bits.append(range_encode(symbols, counts, _coder(len(symbols))))
    text = "".join(bits)
    text += "0" * ((-len(text)) % 8)
    return int(text, 2).to_bytes(len(text) // 8, "big") if text else b""


def decode_ngram(payload: bytes, vocab: int, bos: int, level: str) -> NgramBaseline:
    """Inverse of the code file written by :func:`fit_ngram` (the grid of ``level`` is public)."""
    text = "".join(format(b, "08b") for b in payload)
    points = grid(level)
    pos = _width(len(points))
    choice = int(text[:pos], 2) if pos else 0
    if choice >= len(points):
        raise ValueError(f"baseline code names grid point {choice}, but the grid has {len(points)}")
    order, k, step = points[choice]
    per_id = _width(vocab)
    contexts = []
    for _ in range(k):
        length = 1
        if order == 3:
            length, pos = (2 if text[pos] == "1" else 1), pos + 1
        contexts.append(tuple(int(text[pos + i * per_id : pos + (i + 1) * per_id], 2) for i in range(length)))
        pos += length * per_id
    num_levels = _deepest(step) + 2
    counts = []
    for _ in range(num_levels):
        value, used = elias_gamma_decode(text[pos:])
        counts.append(value - 1)
        pos += used
    d = (k + 1) * vocab
    if sum(counts) != d:
        raise ValueError(f"baseline code's level counts sum to {sum(counts)}, not {d}")
    symbols, pos = range_decode(text, pos, counts, _coder(d))
    if set(text[pos:]) - {"0"} or len(text) - pos > 7:
        raise ValueError("baseline code has trailing data")
    return NgramBaseline(level, vocab, bos, order, step, contexts, symbols.reshape(k + 1, vocab), payload)
