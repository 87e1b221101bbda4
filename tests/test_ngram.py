"""The coded n-gram baselines of language-model certificates: exact code round trip, every bit
counted, and predictions checked against a brute-force count of the training tokens."""

import math
import random
from collections import Counter

import numpy as np
import pytest

from genlab.certify._ngram import DEPTH, decode_ngram, fit_ngram, grid

WORDS = "the of and to in is was he that it for on with as his they be at one have this from".split()
ALPHAS = (0.01, 0.05, 0.1, 0.25)


def _sequences(n=300, seed=0):
    rng = random.Random(seed)
    docs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) for _ in range(n)]
    return [np.frombuffer(d.encode(), dtype=np.uint8).astype(np.int32) for d in docs]


@pytest.mark.parametrize("level, orders", [("document", (1,)), ("document", (1, 2, 3)), ("token", (1, 2, 3))])
def test_code_round_trip_and_every_bit_counted(level, orders):
    seqs = _sequences()
    table = fit_ngram(seqs, 257, 256, ALPHAS, level, orders=orders)
    assert table.bits == 8 * len(table.payload)
    back = decode_ngram(table.payload, 257, 256, level)
    assert (back.order, back.step, back.contexts) == (table.order, table.step, table.contexts)
    assert np.array_equal(back.levels, table.levels)
    for (p, r), (q, s) in zip(table.score(seqs), back.score(seqs)):
        assert np.array_equal(p, q) and np.array_equal(r, s)
    flipped = bytearray(table.payload)
    flipped[len(flipped) // 2] ^= 0x10
    try:
        other = decode_ngram(bytes(flipped), 257, 256, level)
    except ValueError:
        return  # a corrupt file is refused, or ...
    assert not np.array_equal(other.levels, table.levels) or other.contexts != table.contexts  # ... decodes to another table


def test_unigram_predicts_the_quantized_training_frequencies():
    seqs = _sequences(seed=1)
    table = fit_ngram(seqs, 257, 256, ALPHAS, "document", orders=(1,))
    assert table.order == 1 and table.contexts == []
    counts = Counter(int(t) for s in seqs for t in s)
    total = sum(counts.values())
    weights = np.zeros(257)
    for token, c in counts.items():  # brute force: round -log2 p to the step, renormalise
        level = min(round(-math.log2(c / total) / table.step), math.ceil(DEPTH / table.step))
        weights[token] = 2.0 ** (-table.step * level)
    expected = weights / weights.sum()
    (p, r), = table.score([np.arange(256, dtype=np.int32)])
    assert np.allclose(p[list(counts)], expected[list(counts)], rtol=1e-6)
    assert (p[[t for t in range(256) if t not in counts]] == 0).all()  # unseen tokens: the smoothing covers them
    assert r[ord("e")] == sum(expected > expected[ord("e")])  # rank: how many tokens are more likely


def test_bigram_rows_follow_the_longest_kept_context():
    seqs = _sequences(seed=2)
    table = fit_ngram(seqs, 257, 256, ALPHAS, "token", orders=(1, 2))
    assert table.order == 2 and table.contexts, "a bigram row pays for itself on this text"
    probs = table.probabilities()
    row_of = {c[0]: i + 1 for i, c in enumerate(table.contexts)}
    for s, (p, _) in zip(seqs[:20], table.score(seqs[:20])):
        previous = [256] + s[:-1].tolist()
        for t, prev, got in zip(s.tolist(), previous, p):
            assert got == pytest.approx(probs[row_of.get(prev, 0), t], rel=1e-6)


def test_grid_is_public_and_fixed():
    assert len(grid("document")) == 3 + 2 * 11 * 3 and len(grid("token")) == 3 + 2 * 15 * 3
    assert all(k == 0 for o, k, _ in grid("document") if o == 1)


def test_certificates_written_before_the_spread_probe_read_back_with_the_first_documents():
    from genlab.certify import LMCertifyConfig

    assert LMCertifyConfig().baseline_probe == "spread"
    old = LMCertifyConfig().to_dict()
    del old["baseline_probe"]
    assert LMCertifyConfig.from_dict(old).baseline_probe == "first"  # so verify refits their baselines as they were chosen
    with pytest.raises(ValueError, match="baseline_probe"):
        LMCertifyConfig(baseline_probe="random")
