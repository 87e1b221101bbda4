"""The baseline that gets the model's pretraining text: an interpolated absolute-discounting n-gram
of the prior's documents, checked against a brute-force count with dictionaries, its code round
trip, and its choice of grid point."""

import random
from collections import Counter, defaultdict

import numpy as np
import pytest

from genlab.certify._ngram import proxy_bound
from genlab.certify._prior_ngram import PriorCounts, decode_prior_ngram, documents_sha256, fit_prior_ngram, fit_prior_ngrams, grid

VOCAB, BOS = 5, 4
ALPHAS = (0.01, 0.05, 0.1, 0.25)


def _sequences(n, seed, vocab=VOCAB - 1):
    rng = random.Random(seed)
    return [np.array([rng.randrange(vocab) if rng.random() < 0.6 else (i % vocab) for i in range(rng.randint(1, 15))], dtype=np.int32) for _ in range(n)]


def _reference(prior, sequences, order, discount):
    """P(y | history) by the recursion of the module docstring, with dictionaries of counts."""
    counts = defaultdict(Counter)
    for s in prior:
        padded = [BOS] * 5 + list(s)
        for t in range(5, len(padded)):
            for length in range(6):
                counts[tuple(padded[t - length : t])][padded[t]] += 1

    def p(y, h):
        if h and h not in counts:  # a context never seen in the prior text: its longest seen suffix
            return p(y, h[1:])
        c = counts[h]
        lower = p(y, h[1:]) if h else 1.0 / VOCAB
        return (max(c[y] - discount, 0) + discount * len(c) * lower) / sum(c.values())

    out = []
    for s in sequences:
        padded = [BOS] * 5 + list(s)
        for t in range(5, len(padded)):
            out.append(p(padded[t], tuple(padded[t - (order - 1) : t]) if order > 1 else ()))
    return np.array(out)


@pytest.mark.parametrize("order, discount", [(1, 0.5), (2, 0.75), (3, 0.9), (6, 0.75)])
def test_probabilities_match_a_brute_force_count(order, discount):
    prior, scored = _sequences(80, 0), _sequences(40, 1)
    counts = PriorCounts.count(prior, VOCAB, BOS)
    table = counts.table(order, discount)
    assert np.allclose(table.sum(axis=1), 1.0, atol=1e-5)
    assert np.array_equal(counts.table(6, discount)[: len(table)], table)  # the fit reads every order from the longest table
    got = table[counts.rows(scored, order), np.concatenate(scored)]
    assert np.allclose(got, _reference(prior, scored, order, discount), rtol=1e-5)


def test_scores_ranks_and_code_round_trip():
    prior, train = _sequences(200, 2), _sequences(150, 3)
    counts = PriorCounts.count(prior, VOCAB, BOS)
    for level in ("document", "token"):
        fitted = fit_prior_ngram(counts, train, ALPHAS, level)
        assert fitted.bits == 8 * len(fitted.payload) == 8  # 18 grid points: 5 bits, one byte
        back = decode_prior_ngram(fitted.payload, counts, level)
        assert (back.order, back.discount) == (fitted.order, fitted.discount)
        table = counts.table(fitted.order, fitted.discount)
        rows = counts.rows(train, fitted.order)
        flat = np.concatenate(train)
        for (p, r), i in zip(fitted.score(train), np.cumsum([0] + [len(s) for s in train])[:-1]):
            for j in range(len(p)):
                row = table[rows[i + j]]
                assert p[j] == row[flat[i + j]] and r[j] == int((row > row[flat[i + j]]).sum())
    with pytest.raises(ValueError, match="grid point"):
        decode_prior_ngram(bytes([0b10010000]), counts, "document")  # index 18 of an 18-point grid
    with pytest.raises(ValueError, match="byte"):
        decode_prior_ngram(b"\x00\x00", counts, "document")


def test_the_chosen_point_is_the_best_on_the_proxy_and_uses_the_context():
    # The prior text repeats a pattern that the training documents share: a longer context pays.
    pattern = [0, 1, 2, 3] * 6
    prior = [np.array(pattern[i:] + pattern[:i], dtype=np.int32) for i in range(4)] * 30
    train = [np.array(pattern[: 8 + i % 10], dtype=np.int32) for i in range(100)]
    fitted = fit_prior_ngram(PriorCounts.count(prior, VOCAB, BOS), train, ALPHAS, "document")
    assert fitted.order >= 2 and (fitted.order, fitted.discount) in grid()


def test_both_levels_fitted_at_once_each_pick_their_own_best_point():
    prior, train = _sequences(200, 2), _sequences(150, 3)
    counts = PriorCounts.count(prior, VOCAB, BOS)
    lengths = np.array([len(t) for t in train])
    starts, y = np.concatenate(([0], np.cumsum(lengths)[:-1])), np.concatenate(train)
    fitted = fit_prior_ngrams(counts, train, ALPHAS, ("document", "token"))
    for level, n_units in (("document", len(train)), ("token", int(lengths.sum()))):
        # brute force: each grid point's own table (not rows of the longest one), 8 bits each
        scores = [proxy_bound(counts.table(o, d)[counts.rows(train, o), y], starts, lengths, 8, n_units, ALPHAS, VOCAB, level, "hoeffding", 1024) for o, d in grid()]
        assert grid()[int(np.argmin(scores))] == (fitted[level].order, fitted[level].discount)
        assert (fitted[level].order, fitted[level].discount) == (lambda f: (f.order, f.discount))(fit_prior_ngram(counts, train, ALPHAS, level))


def test_the_probe_spreads_over_the_whole_corpus(monkeypatch):
    import genlab.certify._ngram as ngram

    picked = ngram.probe_documents(100_000)
    assert len(picked) == ngram.PROBE_DOCUMENTS and picked[0] == 0 and picked[-1] == 99_999 and set(np.diff(picked)) <= {4, 5, 6}
    assert list(ngram.probe_documents(500)) == list(range(500)) == list(ngram.probe_documents(500, "first"))
    # A corpus stored source after source: a short first source of noise, then a long one that
    # repeats the prior text's pattern. The spread probe sees the pattern; the first documents do not.
    monkeypatch.setattr(ngram, "PROBE_DOCUMENTS", 40)
    pattern = [0, 1, 2, 3] * 6
    prior = PriorCounts.count([np.array(pattern, dtype=np.int32)] * 50, VOCAB, BOS)
    train = _sequences(40, 9) + [np.array(pattern[: 12 + i % 8], dtype=np.int32) for i in range(160)]
    spread, first = (fit_prior_ngram(prior, train, ALPHAS, "document", probe=p) for p in ("spread", "first"))
    assert spread.order > 1 and first.order == 1


def test_the_prior_text_hash_sees_a_changed_document():
    docs = _sequences(10, 4)
    other = [s.copy() for s in docs]
    other[3][0] = (other[3][0] + 1) % 4
    assert documents_sha256(docs) != documents_sha256(other)
    assert documents_sha256(docs) == documents_sha256([s.copy() for s in docs])
