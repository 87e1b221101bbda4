"""The eight (nine) statements of a language-model certificate, from the scores of the decoded
model on the training documents: the subsample (drawn from a recorded seed), the per-document
and per-token empirical risks, and the bounds of genlab.bounds at the best alpha of the grid
(see the module docstring of genlab.certify._language for what each statement says)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from genlab import bounds

TOP_K = (1, 10, 100)


def alpha_bits(alphas) -> int:
    """Bits that name the chosen smoothing weight: ceil(log2 |grid|)."""
    return math.ceil(math.log2(len(alphas))) if len(alphas) > 1 else 0


def _sample_positions(lengths: np.ndarray, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """m token positions uniformly without replacement among all sum(lengths): (document, offset)."""
    total = int(lengths.sum())
    flat = np.sort(rng.choice(total, size=min(m, total), replace=False))
    ends = np.cumsum(lengths)
    doc = np.searchsorted(ends, flat, side="right")
    return doc, flat - (ends[doc] - lengths[doc])


def _per_document_means(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, starts) / lengths


@dataclass(frozen=True)
class Scores:
    """What the statements are computed from: probabilities and ranks (0 = most likely) of the
    tokens of the scored documents, one document after another (``doc_lengths`` each, ``doc_bytes``
    UTF-8 bytes each, or None for byte tokens), and of the scored token positions."""

    doc_p: np.ndarray
    doc_r: np.ndarray
    doc_lengths: np.ndarray
    doc_bytes: np.ndarray | None
    tok_p: np.ndarray
    tok_r: np.ndarray


def _document_loss_bound(per_doc: np.ndarray, n_documents: int, bits: float, delta: float, loss_range, sample_share: float, choices: int, form: str, splits: int):
    m = len(per_doc)
    if form == "split-kl":
        tails = bounds.split_kl_tails(per_doc, loss_range, splits)
        return bounds.document_split_kl_bound(tails, m, n_documents, bits, delta, loss_range, sample_share, sample_choices=choices)
    if form == "bernstein" and m == n_documents:
        return bounds.document_bernstein_bound(float(per_doc.mean()), float(per_doc.var(ddof=1)), n_documents, bits, delta, loss_range)
    return bounds.subsampled_document_bound(float(per_doc.mean()), m, n_documents, bits, delta, loss_range, sample_share, sample_choices=choices)


def _forms(per_doc: np.ndarray, n_documents: int, bits: float, delta: float, loss_range, sample_share: float, choices: int, splits: int) -> dict:
    """The document loss bound at the chosen alpha in every form (Bernstein only when every
    document was scored): a like-for-like measure of what each form buys, not a certificate."""
    forms = ("split-kl", "hoeffding") + (("bernstein",) if len(per_doc) == n_documents else ())
    return {form: _document_loss_bound(per_doc, n_documents, bits, delta, loss_range, sample_share, choices, form, splits).bound for form in forms}


def _best_alpha(make, alphas) -> dict:
    """The smallest of the bounds made for each alpha, with alpha and every alpha's bound."""
    tried = [(alpha, make(alpha)) for alpha in alphas]
    alpha, best = min(tried, key=lambda t: t[1].bound)
    return {**best.to_dict(), "alpha": alpha, "alpha_bounds": {str(a): b.bound for a, b in tried}}


def statements(scores: Scores, n_documents: int, n_tokens: int, vocab: int, bits: float, alphas, delta: float, sample_share: float, document_form: str = "hoeffding", splits: int = 1024) -> tuple[dict, dict]:
    """The eight (nine with ``doc_bytes``) statements and the empirical risks they rest on.

    Loss statements take the best smoothing weight of ``alphas``: the choice costs
    ceil(log2 |alphas|) bits in the code length, and the sampling step (when only part of the
    documents or tokens were scored) holds for every alpha at once (sample_choices = |alphas|).
    Token-level statements also pay for the random N (genlab.bounds.token_level_bound). With
    ``document_form`` ``bernstein`` and every document scored, the document loss statements are
    empirical Bernstein (genlab.bounds.document_bernstein_bound); with ``split-kl``, Occam-kl on
    ``splits`` binary tails (genlab.bounds.document_split_kl_bound). The ninth statement bounds the
    document-level bits per byte: a document's total smoothed bits over its bytes lies in
    [0, log2(|V| / alpha)], since no token is shorter than a byte."""
    coded = bits + alpha_bits(alphas)
    lengths = scores.doc_lengths
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    doc_p, tok_p = scores.doc_p.astype(np.float64), scores.tok_p.astype(np.float64)
    k = len(alphas)
    out = {
        "document/loss": _best_alpha(lambda a: _document_loss_bound(
            _per_document_means(bounds.smoothed_log2_loss(doc_p, a, vocab), starts, lengths), n_documents, coded, delta,
            bounds.smoothed_loss_range(a, vocab), sample_share, k, document_form, splits), alphas),
        "token/loss": _best_alpha(lambda a: bounds.token_level_bound(
            float(bounds.smoothed_log2_loss(tok_p, a, vocab).mean()), n_tokens, coded, delta, bounds.smoothed_loss_range(a, vocab),
            m_tokens=len(tok_p), sample_share=sample_share, sample_choices=k), alphas),
    }
    out["document/loss"]["forms"] = _forms(_per_document_means(bounds.smoothed_log2_loss(doc_p, out["document/loss"]["alpha"], vocab), starts, lengths),
                                           n_documents, coded, delta, bounds.smoothed_loss_range(out["document/loss"]["alpha"], vocab), sample_share, k, splits)
    if scores.doc_bytes is not None:
        out["document/loss_per_byte"] = _best_alpha(lambda a: _document_loss_bound(
            np.add.reduceat(bounds.smoothed_log2_loss(doc_p, a, vocab), starts) / scores.doc_bytes, n_documents, coded, delta,
            (0.0, bounds.smoothed_loss_range(a, vocab)[1]), sample_share, k, document_form, splits), alphas)
    empirical = {
        "document/loss_unsmoothed": float(_per_document_means(-np.log2(np.maximum(doc_p, 1e-30)), starts, lengths).mean()),
        "token/loss_unsmoothed": float((-np.log2(np.maximum(tok_p, 1e-30))).mean()),
    }
    for top in TOP_K:
        err = float(_per_document_means((scores.doc_r >= top).astype(np.float64), starts, lengths).mean())
        out[f"document/top{top}"] = bounds.subsampled_error_bound(err, len(lengths), n_documents, bits, delta, sample_share).to_dict()
        err = float((scores.tok_r >= top).mean())
        out[f"token/top{top}"] = bounds.token_level_error_bound(err, n_tokens, bits, delta, m_tokens=len(scores.tok_r), sample_share=sample_share).to_dict()
    return dict(sorted(out.items())), empirical


def score_sample(score, sequences: list[np.ndarray], doc_sample: np.ndarray, tok_docs: np.ndarray, tok_offsets: np.ndarray, doc_bytes: np.ndarray | None) -> Scores:
    """Score the sampled documents and the documents of the sampled positions with ``score``
    (a function of a list of token sequences returning (probabilities, ranks) per sequence)."""
    needed = np.union1d(doc_sample, tok_docs)
    scored = score([sequences[i] for i in needed])
    flat_p, flat_r = (np.concatenate([s[j] for s in scored]) for j in (0, 1))
    start = np.concatenate(([0], np.cumsum([len(s[0]) for s in scored])[:-1]))
    slot = np.searchsorted(needed, doc_sample)  # the scored documents, in sample order, as index ranges into flat
    doc_index = np.concatenate([np.arange(start[i], start[i] + len(scored[i][0])) for i in slot]) if len(slot) else np.zeros(0, dtype=np.int64)
    doc_p, doc_r = flat_p[doc_index], flat_r[doc_index]
    tok_index = start[np.searchsorted(needed, tok_docs)] + tok_offsets
    tok_p, tok_r = flat_p[tok_index], flat_r[tok_index]
    lengths = np.array([len(sequences[i]) for i in doc_sample])
    return Scores(doc_p, doc_r, lengths, None if doc_bytes is None else doc_bytes[doc_sample], tok_p, tok_r)


def draw_subsample(seed: int, lengths: np.ndarray, m_documents: int | None, m_tokens: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The scored documents and token positions (document, offset), drawn uniformly without
    replacement from ``seed`` (all of them when ``m_documents`` / ``m_tokens`` is None or at least
    their number): verify replays it."""
    rng = np.random.default_rng(seed)
    n, total = len(lengths), int(lengths.sum())
    doc_sample = np.arange(n) if m_documents is None or m_documents >= n else np.sort(rng.choice(n, size=m_documents, replace=False))
    if m_tokens is None or m_tokens >= total:
        tok_docs = np.repeat(np.arange(n), lengths)
        tok_offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    else:
        tok_docs, tok_offsets = _sample_positions(lengths, m_tokens, rng)
    return doc_sample, tok_docs, tok_offsets


def empirical_risks(scores, byte_counts) -> dict:
    """Mean per-document bits per token and per byte (unsmoothed), and top-k errors."""
    bits = [-np.log2(np.maximum(p.astype(np.float64), 1e-30)) for p, _ in scores]
    out = {
        "bits_per_token": float(np.mean([b.mean() for b in bits])),
        "bits_per_byte": float(sum(b.sum() for b in bits) / max(1, sum(byte_counts))),
        "tokens": int(sum(len(b) for b in bits)),
    }
    for k in TOP_K:
        out[f"top{k}_error"] = float(np.mean([(r >= k).mean() for _, r in scores]))
    return out


def best_baselines(baselines: dict, cert: dict) -> dict:
    """Per statement, the baseline with the smallest bound (``name`` says which), and the margin
    by which the model's bound is below it (negative: the model does not beat it)."""
    best = {}
    for key, statement in cert.items():
        name = min(baselines, key=lambda n: baselines[n]["bounds"][key]["bound"])
        best[key] = {**baselines[name]["bounds"][key], "name": name, "margin": baselines[name]["bounds"][key]["bound"] - statement["bound"]}
    unigram = baselines["unigram"]
    return {"model": "best of " + ", ".join(baselines), "bits_total": unigram["bits_total"], "bounds": best, "empirical": unigram["empirical"]}
