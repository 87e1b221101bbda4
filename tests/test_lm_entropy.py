"""A language-model certificate end to end on bytes from a source of known entropy: no model can
predict a document's bytes in fewer bits on average than the source's entropy, and the
certificate bounds the loss on fresh documents, so bound >= held-out loss >= entropy."""

import copy

import numpy as np
import torch

from genlab.certify import LMCertifyConfig, certify_language_model, decode_language_model
from genlab.data import ByteTokenizer
from genlab.models import GPTConfig, build_gpt
from genlab.store import RunStore
from genlab.train import TrainConfig, score_documents

SYMBOLS, STAY, LENGTH = "abcd", 0.8, 48  # a sticky Markov chain: repeat the last byte w.p. 0.8, else one of the 3 others


def _transitions() -> np.ndarray:
    k = len(SYMBOLS)
    p = np.full((k, k), (1 - STAY) / (k - 1))
    np.fill_diagonal(p, STAY)
    return p


def _entropy(p) -> float:
    p = np.asarray(p, dtype=np.float64)
    return float(-(p * np.log2(p)).sum())


def _documents(n: int, seed: int) -> list[str]:
    """n documents of LENGTH bytes, each a run of the chain from its stationary (uniform) law."""
    rng = np.random.default_rng(seed)
    p = _transitions()
    states = np.empty((n, LENGTH), dtype=int)
    states[:, 0] = rng.integers(0, len(SYMBOLS), size=n)
    for t in range(1, LENGTH):
        u = rng.random(n)[:, None]
        states[:, t] = np.minimum((u > np.cumsum(p[states[:, t - 1]], axis=1)).sum(1), len(SYMBOLS) - 1)
    return ["".join(SYMBOLS[s] for s in row) for row in states]


def test_the_documents_are_runs_of_the_chain_whose_entropy_is_computed():
    p = _transitions()
    assert np.allclose(np.full(4, 0.25) @ p, 0.25)  # uniform is stationary (p is doubly stochastic)
    docs = _documents(4000, seed=9)
    pairs = np.array([[SYMBOLS.index(c) for c in d] for d in docs])
    stay = (pairs[:, 1:] == pairs[:, :-1]).mean()
    assert abs(stay - STAY) < 4 * np.sqrt(STAY * (1 - STAY) / pairs[:, 1:].size)
    assert abs((pairs[:, 0] == 0).mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / len(docs))


def test_a_certificate_on_a_source_of_known_entropy_lies_above_the_held_out_loss_and_that_above_the_entropy(tmp_path):
    # Per byte: 2 bits for the first (uniform over 4), then the chain's entropy rate
    # H = H(0.8, 0.2/3, 0.2/3, 0.2/3) = 1.0389 bits; per document the mean over its LENGTH bytes.
    # Any predictor's expected per-document mean loss is at least this (Gibbs' inequality, byte by
    # byte given the bytes before it), the smoothed one (a mixture with the uniform law) included.
    rate = _entropy(_transitions()[0])
    floor = (2.0 + (LENGTH - 1) * rate) / LENGTH
    assert abs(rate - 1.0389) < 1e-4 and abs(floor - 1.0589) < 1e-4

    docs = _documents(500, seed=0)
    train_docs, test_docs = docs[:400], docs[400:]
    config = LMCertifyConfig(subspace_dim=200, levels=5, context=64, m_documents=None, m_tokens=None, m_test=100, quantization_stages=(0.5, 1.0),
                             train=TrainConfig(epochs=4, lr=0.05, batch_size=16, schedule="onecycle"), qat=TrainConfig(epochs=0.5, lr=0.01, batch_size=16))
    torch.manual_seed(0)
    gpt = build_gpt(GPTConfig("gpt-pico", vocab_size=257, context=64))
    pristine = copy.deepcopy(gpt)
    run = RunStore(tmp_path).start_run("certify-lm-entropy", {"kind": "certify-lm-api"})
    with run:
        result = certify_language_model(gpt, train_docs, test_docs, config, run=run, progress=False)

    # The held-out loss of the model decoded from its code file, at the certificate's alpha.
    decoded, _ = decode_language_model((run.folder / "model.code").read_bytes(), pristine, config)
    alpha = result.bounds["document/loss"]["alpha"]
    tok = ByteTokenizer()
    scored = score_documents(decoded, [np.array(tok.encode(d), dtype=np.int32) for d in test_docs], tok.bos_id, config.context, progress=False)
    per_doc = np.array([(-np.log2((1 - alpha) * p.astype(np.float64) + alpha / 257)).mean() for p, _ in scored])
    held_out = per_doc.mean()
    # The 100 held-out documents estimate the expected loss with standard error s / sqrt(100);
    # 4 of them is the room left for chance (a normal tail of 3e-5) below the floor.
    room = 4 * per_doc.std(ddof=1) / np.sqrt(len(per_doc))

    bound = result.bounds["document/loss"]["bound"]
    assert np.log2(257) > bound >= held_out >= floor - room, (bound, held_out, floor, room)  # non-vacuous, and in order
    assert result.test["bits_per_token"] >= floor - room  # the unsmoothed test loss too
    # The token-level quantity (expected loss given the actual preceding bytes, averaged over the
    # training positions) has the same floor: every document has LENGTH bytes.
    assert result.bounds["token/loss"]["bound"] >= floor
