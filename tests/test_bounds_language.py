"""Facts about the language-model bounds of genlab.bounds, stated with numbers."""

import doctest
import json
import math

import numpy as np
import pytest
from scipy.stats import hypergeom

import genlab.bounds as gb
import genlab.bounds._language as language
from genlab.bounds import (
    union_bound_bits,
    LanguageBound,
    document_bernstein_bound,
    document_level_bound,
    document_split_kl_bound,
    hoeffding_bound,
    kl_inverse,
    pac_bayes_kl_bound,
    smooth_probabilities,
    smoothed_log2_loss,
    smoothed_loss_range,
    split_delta,
    split_kl_tails,
    subsample_upper,
    subsampled_document_bound,
    subsampled_error_bound,
    token_level_bound,
    token_level_error_bound,
)

LANGUAGE_NAMES = [
    "LanguageBound",
    "document_bernstein_bound",
    "document_level_bound",
    "document_split_kl_bound",
    "smooth_probabilities",
    "smoothed_log2_loss",
    "smoothed_loss_range",
    "subsample_upper",
    "subsampled_document_bound",
    "subsampled_error_bound",
    "token_level_bound",
    "token_level_error_bound",
]


def _max_rate(delta, trials):
    return delta + 3 * math.sqrt(delta * (1 - delta) / trials)


# --- the public surface ---------------------------------------------------------------------


def test_public_names_and_docstrings():
    assert set(LANGUAGE_NAMES) <= set(gb.__all__)
    for name in LANGUAGE_NAMES[1:]:
        doc = getattr(gb, name).__doc__
        assert "Example:" in doc and "Reference:" in doc and "Returns:" in doc, name
    # The token-level docstring states what is bounded and under which assumptions.
    doc = token_level_bound.__doc__
    for phrase in ["conditional risk", "not the expected loss on a fresh document", "martingale",
                   "Assumptions", "prior", "context"]:
        assert phrase in doc


def test_doctests():
    assert doctest.testmod(language).failed == 0  # that no bound module loads torch: tests/test_layers.py


# --- prediction smoothing -------------------------------------------------------------------


@pytest.mark.parametrize("alpha, vocab", [(0.5, 2), (0.1, 8), (0.01, 50257), (0.9, 3), (1e-4, 100)])
def test_smoothed_loss_range_is_the_min_and_max_loss(alpha, vocab):
    a, b = smoothed_loss_range(alpha, vocab)
    assert a == pytest.approx(-math.log2(1 - alpha + alpha / vocab), rel=1e-12)
    assert b == pytest.approx(math.log2(vocab / alpha), rel=1e-12)
    # The extremes are reached at p = 1 (a) and p = 0 (b) and nowhere beyond.
    assert smoothed_log2_loss(1.0, alpha, vocab) == pytest.approx(a, rel=1e-12)
    assert smoothed_log2_loss(0.0, alpha, vocab) == pytest.approx(b, rel=1e-12)
    rng = np.random.default_rng(0)
    losses = smoothed_log2_loss(rng.uniform(0, 1, 10_000), alpha, vocab)
    assert losses.shape == (10_000,)
    assert a - 1e-12 <= losses.min() and losses.max() <= b + 1e-12


def test_smoothed_loss_range_closed_form():
    a, b = smoothed_loss_range(0.5, 2)  # p_alpha in [1/4, 3/4]
    assert a == pytest.approx(math.log2(4 / 3), rel=1e-14) and b == 2.0


def test_smooth_probabilities_are_distributions_in_range():
    rng = np.random.default_rng(1)
    alpha, vocab = 0.05, 50
    p = rng.dirichlet(np.full(vocab, 0.1), size=(30, 20))  # peaked rows, many near-zero entries
    q = smooth_probabilities(p, alpha)
    assert q.shape == p.shape
    assert np.allclose(q.sum(axis=-1), 1.0, atol=1e-12)
    assert np.allclose(q, (1 - alpha) * p + alpha / vocab, rtol=0, atol=1e-15)
    a, b = smoothed_loss_range(alpha, vocab)
    losses = -np.log2(q)
    assert a - 1e-12 <= losses.min() and losses.max() <= b + 1e-12
    # The loss of an observed token is the same whether computed from the smoothed row or from
    # the unsmoothed probability of that token.
    tokens = rng.integers(0, vocab, size=(30, 20))
    chosen = np.take_along_axis(p, tokens[..., None], axis=-1)[..., 0]
    from_rows = -np.log2(np.take_along_axis(q, tokens[..., None], axis=-1)[..., 0])
    assert np.allclose(smoothed_log2_loss(chosen, alpha, vocab), from_rows, rtol=1e-13)


# --- document level -------------------------------------------------------------------------


def test_document_level_bound_closed_form_and_monotone():
    loss_range = smoothed_loss_range(0.1, 50257)
    a, b = loss_range
    n, bits, delta = 100_000, 10_000, 0.05
    want = 3.0 + (b - a) * math.sqrt((bits * math.log(2) + math.log(1 / delta)) / (2 * n))
    base = document_level_bound(3.0, n, bits, delta, loss_range)
    assert base == pytest.approx(want, rel=1e-14)
    assert base == hoeffding_bound(3.0, n, bits, delta, loss_range)
    assert document_level_bound(3.0, n, 2 * bits, delta, loss_range) > base  # more bits
    assert document_level_bound(3.0, 2 * n, bits, delta, loss_range) < base  # more documents
    assert document_level_bound(3.0, n, bits, delta / 10, loss_range) > base  # smaller delta


def test_subsampled_document_bound_by_hand():
    # n = 50 documents with known losses; the first m = 10 of a fixed shuffle are "sampled".
    a, b = smoothed_loss_range(0.1, 256)
    losses = np.linspace(a, b, 50) ** 0.9 + 0.01
    losses = np.clip(losses, a, b)
    sample = losses[np.random.default_rng(2).permutation(50)[:10]]
    m, n, bits, delta = 10, 50, 20.0, 0.1
    out = subsampled_document_bound(sample.mean(), m, n, bits, delta, (a, b), sample_share=0.25)
    d_bound, d_sample = 0.075, 0.025
    sampling = (b - a) * math.sqrt(math.log(1 / d_sample) / (2 * m))
    complexity = (b - a) * math.sqrt((bits * math.log(2) + math.log(1 / d_bound)) / (2 * n))
    assert out.delta_bound == pytest.approx(d_bound, rel=1e-14)
    assert out.delta_sample == pytest.approx(d_sample, rel=1e-14)
    assert out.delta_bound + out.delta_sample <= delta
    assert out.sampling_term == pytest.approx(sampling, rel=1e-14)
    assert out.complexity_term == pytest.approx(complexity, rel=1e-14)
    assert out.bound == out.empirical + out.sampling_term + out.complexity_term
    assert out.bound == pytest.approx(sample.mean() + sampling + complexity, rel=1e-14)
    assert subsample_upper(sample.mean(), m, n, d_sample, (a, b)) == pytest.approx(
        sample.mean() + sampling, rel=1e-14
    )
    assert (out.n, out.m, out.bits, out.loss_range, out.method) == (
        50, 10, 20.0, (a, b), "document_hoeffding"
    )
    record = json.loads(json.dumps(out.to_dict()))
    assert LanguageBound(**{**record, "loss_range": tuple(record["loss_range"])}) == out
    # Monotone in each input.
    assert subsampled_document_bound(sample.mean(), m, n, 2 * bits, delta, (a, b)).bound > (
        subsampled_document_bound(sample.mean(), m, n, bits, delta, (a, b)).bound
    )
    assert subsampled_document_bound(sample.mean(), 20, n, bits, delta, (a, b)).bound < (
        subsampled_document_bound(sample.mean(), m, n, bits, delta, (a, b)).bound
    )


def test_document_sampling_step_pays_for_a_choice_among_k_losses():
    # The smoothing weight alpha is picked from a grid of K after the subsample is scored: the
    # sampling step must hold for all K at once (ln(K / delta_sample)).
    a, b, n, m, delta = 0.1, 11.0, 200_000, 30_000, 0.05 / 8
    one = subsampled_document_bound(4.0, m, n, 7000.0, delta, (a, b))
    four = subsampled_document_bound(4.0, m, n, 7000.0, delta, (a, b), sample_choices=4)
    d_sample = delta / 2
    assert one.sampling_term == pytest.approx((b - a) * math.sqrt(math.log(1 / d_sample) / (2 * m)))
    assert four.sampling_term == pytest.approx((b - a) * math.sqrt(math.log(4 / d_sample) / (2 * m)))
    assert four.complexity_term == one.complexity_term and four.sample_choices == 4
    # With every document scored there is no sampling step, so nothing to pay there.
    full = subsampled_document_bound(4.0, n, n, 7000.0, delta, (a, b), sample_choices=4)
    assert full.sampling_term == 0.0 and full.sample_choices == 1


def test_bernstein_bound_by_hand():
    rng = np.random.default_rng(3)
    a, b, n, bits, delta = 0.1, 11.0, 5000, 300.0, 0.01
    x = a + (b - a) * rng.beta(2, 12, size=n)
    v = x.var(ddof=1)
    # The unbiased sample variance as Maurer and Pontil write it: a mean over pairs.
    assert v == pytest.approx(((x[:, None] - x[None, :]) ** 2).sum() / (2 * n * (n - 1)), rel=1e-9)
    out = document_bernstein_bound(x.mean(), v, n, bits, delta, (a, b))
    big_l = bits * math.log(2) + math.log(2 / delta)
    want = x.mean() + math.sqrt(2 * v * big_l / n) + 7 * (b - a) * big_l / (3 * (n - 1))
    assert out.bound == pytest.approx(want, rel=1e-13)
    assert out.method == "document_bernstein" and out.m == out.n == n and out.sampling_term == 0.0
    assert out.variance == v and out.bound == out.empirical + out.complexity_term


def test_bernstein_beats_hoeffding_only_when_the_losses_vary_little():
    a, b, n, bits, delta = 0.1, 11.3, 214_000, 7000.0, 0.05 / 8
    hoeffding = document_level_bound(4.0, n, bits, delta, (a, b))
    small = document_bernstein_bound(4.0, 1.0, n, bits, delta, (a, b))  # std 1 bit, range 11.2
    worst = document_bernstein_bound(4.0, (b - a) ** 2 / 4, n, bits, delta, (a, b))
    assert small.bound < hoeffding - 0.3
    assert worst.bound > hoeffding


def test_bernstein_monte_carlo():
    # K hypotheses under a uniform prior, each with low-variance losses in [0, 10] of known mean
    # (10 x Beta): a trial fails when any true mean exceeds its bound.
    k, n, trials, delta = 32, 200, 2000, 0.1
    rng = np.random.default_rng(0)
    shape = 2 + np.arange(k) / 4
    mean = 10 * shape / (shape + 18)
    x = 10 * rng.beta(shape, 18, size=(trials, n, k))
    emp, var = x.mean(axis=1), x.var(axis=1, ddof=1)
    bits = union_bound_bits(k)
    bounds = np.vectorize(lambda e, v: document_bernstein_bound(e, v, n, bits, delta, (0.0, 10.0)).bound)(emp, var)
    assert (mean > bounds).any(axis=1).mean() <= _max_rate(delta, trials)
    # The check has power: a Bernstein bound that forgets the union over hypotheses and the
    # uncertainty of the variance estimate (the 7/3 term) fails in about half the trials.
    naive = emp + np.sqrt(2 * var * math.log(1 / delta) / n)
    assert (mean > naive).any(axis=1).mean() > 0.3


def test_no_sampling_when_m_equals_n():
    loss_range = (0.5, 9.0)
    assert subsample_upper(3.25, 40, 40, 0.01, loss_range) == 3.25
    out = subsampled_document_bound(3.25, 40, 40, 100.0, 0.05, loss_range)
    assert out.delta_sample == 0.0 and out.delta_bound == 0.05 and out.sampling_term == 0.0
    assert out.bound == document_level_bound(3.25, 40, 100.0, 0.05, loss_range)


def test_subsampling_exact_failure_probability():
    # Losses at the two ends of [a, b]: the sample mean is hypergeometric, so the probability that
    # the sampling bound fails is computed exactly, for every composition of the full set; the
    # Hoeffding step of subsample_upper and the kl step of subsampled_error_bound.
    n, m, delta = 200, 10, 0.1
    a, b = 0.2, 7.0
    worst_hoeffding = worst_kl = 0.0
    for k in range(n + 1):  # k documents at b, n - k at a
        full = a + (b - a) * k / n
        j = np.arange(0, m + 1)
        pmf = hypergeom(n, k, m).pmf(j)
        upper = np.array([subsample_upper(a + (b - a) * i / m, m, n, delta, (a, b)) for i in j])
        worst_hoeffding = max(worst_hoeffding, pmf[upper < full].sum())
        # subsampled_error_bound at total 2 delta spends delta on its kl sampling step.
        outs = [subsampled_error_bound(i / m, m, n, 0.0, 2 * delta) for i in j]
        upper01 = np.array([o.empirical + o.sampling_term for o in outs])
        worst_kl = max(worst_kl, pmf[upper01 < k / n].sum())
    assert worst_hoeffding <= delta
    assert worst_kl <= delta
    assert worst_kl > worst_hoeffding  # the kl form is the tighter of the two


def test_subsampling_monte_carlo():
    # 2000 subsamples of m = 10 from one fixed set of n = 200 losses in [a, b].
    rng = np.random.default_rng(3)
    a, b = smoothed_loss_range(0.1, 8)
    losses = a + (b - a) * rng.beta(0.3, 0.3, size=200)  # mass near both ends: large variance
    n, m, delta, trials = 200, 10, 0.1, 2000
    idx = np.argsort(rng.random((trials, n)), axis=1)[:, :m]
    means = losses[idx].mean(axis=1)
    uppers = np.array([subsample_upper(x, m, n, delta, (a, b)) for x in means])
    rate = (uppers < losses.mean()).mean()
    assert rate <= _max_rate(delta, trials)
    assert (means < losses.mean()).mean() > 0.3  # without the sampling term it fails often


def test_subsampled_document_bound_monte_carlo():
    # Fixed model, bits = 0: n i.i.d. document losses with known mean; m of them are sampled.
    rng = np.random.default_rng(4)
    a, b = 0.1, 6.0
    n, m, delta, trials = 200, 20, 0.2, 2000
    true_risk = a + (b - a) * 0.3
    docs = a + (b - a) * rng.beta(0.3, 0.7, size=(trials, n))  # mean a + 0.3 (b - a)
    idx = np.argsort(rng.random((trials, n)), axis=1)[:, :m]
    means = np.take_along_axis(docs, idx, axis=1).mean(axis=1)
    bounds = np.array([subsampled_document_bound(x, m, n, 0.0, delta, (a, b)).bound for x in means])
    assert (bounds < true_risk).mean() <= _max_rate(delta, trials)


# --- top-k error, document level ------------------------------------------------------------


def test_error_bound_reduces_to_kl_inverse_when_m_equals_n():
    n, bits, delta = 1000, 50.0, 0.05
    out = subsampled_error_bound(0.3, n, n, bits, delta)
    c = (bits * math.log(2) + math.log(2 * math.sqrt(n) / delta)) / n
    assert out.bound == pytest.approx(kl_inverse(0.3, c), abs=1e-12)
    assert out.bound == pac_bayes_kl_bound(0.3, n, bits * math.log(2), delta)
    assert (out.sampling_term, out.delta_sample, out.delta_bound) == (0.0, 0.0, delta)
    assert out.loss_range == (0.0, 1.0) and out.method == "document_kl"


def test_error_bound_with_subsampling_closed_form():
    n, m, bits, delta = 10_000, 500, 100.0, 0.05
    out = subsampled_error_bound(0.2, m, n, bits, delta, sample_share=0.5)
    upper = kl_inverse(0.2, math.log(1 / 0.025) / m)
    want = kl_inverse(upper, (bits * math.log(2) + math.log(2 * math.sqrt(n) / 0.025)) / n)
    assert out.bound == pytest.approx(want, abs=1e-11)
    assert out.empirical + out.sampling_term == pytest.approx(upper, abs=1e-15)
    assert out.bound == pytest.approx(out.empirical + out.sampling_term + out.complexity_term)
    assert 0.2 < upper < out.bound < 1.0


def test_error_bound_monte_carlo():
    # n documents, each with T tokens; a document's top-k error is Binomial(T, p_doc) / T with
    # p_doc ~ Beta(2, 3), so the true risk (expected per-document error) is 0.4.
    rng = np.random.default_rng(5)
    n, m, T, delta, trials = 500, 50, 16, 0.1, 2000
    errors = rng.binomial(T, rng.beta(2.0, 3.0, size=(trials, n))) / T
    idx = np.argsort(rng.random((trials, n)), axis=1)[:, :m]
    counts = np.rint(np.take_along_axis(errors, idx, axis=1).sum(axis=1) * T).astype(int)
    table = {c: subsampled_error_bound(c / (m * T), m, n, 0.0, delta).bound for c in set(counts)}
    bounds = np.array([table[c] for c in counts])
    assert (bounds < 0.4).mean() <= _max_rate(delta, trials)
    assert bounds.mean() < 0.75  # not trivially loose


# --- token level: a Markov source with a known entropy rate ---------------------------------

STATES, ALPHA = 8, 0.1


@pytest.fixture(scope="module")
def markov():
    rng = np.random.default_rng(6)
    P = rng.dirichlet(np.full(STATES, 0.5), size=STATES)
    w, v = np.linalg.eig(P.T)
    pi = np.real(v[:, np.argmin(np.abs(w - 1))])
    pi /= pi.sum()
    logs = np.log2(np.where(P > 0, P, 1.0))
    entropy_rate = float(-(pi * (P * logs).sum(axis=1)).sum())
    # The model: counts from a separate sample (add-one), then prediction smoothing.
    x = _sample_chain(P, pi, 20_000, 1, rng)[:, 0]
    counts = np.ones((STATES, STATES))
    np.add.at(counts, (x[:-1], x[1:]), 1)
    model = (1 - ALPHA) * counts / counts.sum(axis=1, keepdims=True) + ALPHA / STATES
    loss = -np.log2(model)  # loss[s, y]: bits for token y after state s
    cross_entropy = (P * loss).sum(axis=1)  # E[loss | previous state s]
    return dict(P=P, pi=pi, entropy_rate=entropy_rate, loss=loss, ce=cross_entropy, rng=rng)


def _sample_chain(P, pi, n_tokens, chains, rng):
    """x[0] from the stationary law, then n_tokens steps; shape (n_tokens + 1, chains)."""
    cum = np.cumsum(P, axis=1)
    cum[:, -1] = 1.0
    x = np.empty((n_tokens + 1, chains), dtype=np.int64)
    x[0] = rng.choice(len(pi), size=chains, p=pi)
    u = rng.random((n_tokens, chains))
    for i in range(n_tokens):
        x[i + 1] = (u[i][:, None] > cum[x[i]]).sum(axis=1)
    return x


def test_token_level_bound_holds_and_is_not_loose(markov):
    x = _sample_chain(markov["P"], markov["pi"], 20_000, 1, markov["rng"])[:, 0]
    losses = markov["loss"][x[:-1], x[1:]]
    conditional_risk = markov["ce"][x[:-1]].mean()  # (1/N) sum_i E[loss_i | x_<i], exactly
    loss_range = smoothed_loss_range(ALPHA, STATES)
    assert loss_range[0] <= losses.min() and losses.max() <= loss_range[1]
    out = token_level_bound(losses.mean(), 20_000, 1000.0, 0.05, loss_range)
    assert out.bound >= conditional_risk
    assert out.bound <= markov["entropy_rate"] + 1.0
    assert out.method == "token_azuma_hoeffding" and out.n == out.m == 20_000
    # The same bound from 4000 of the 20000 positions, sampled without replacement.
    idx = markov["rng"].choice(20_000, size=4000, replace=False)
    sub = token_level_bound(losses[idx].mean(), 20_000, 1000.0, 0.05, loss_range, m_tokens=4000)
    assert sub.bound >= conditional_risk and sub.bound > out.bound
    assert sub.delta_bound + sub.delta_sample <= 0.05 and sub.m == 4000


def test_token_level_bound_repeated_draws(markov):
    # A fixed model and bits = 0: over 200 independent sequences of N = 2000 tokens, the bound
    # falls below the conditional risk in at most a delta fraction (up to sampling error).
    n_tokens, chains, delta = 2000, 200, 0.1
    x = _sample_chain(markov["P"], markov["pi"], n_tokens, chains, markov["rng"])
    empirical = markov["loss"][x[:-1], x[1:]].mean(axis=0)
    risk = markov["ce"][x[:-1]].mean(axis=0)
    loss_range = smoothed_loss_range(ALPHA, STATES)
    bounds = np.array(
        [token_level_bound(e, n_tokens, 0.0, delta, loss_range).bound for e in empirical]
    )
    assert (bounds < risk).mean() <= _max_rate(delta, chains)
    assert (empirical < risk).mean() > 0.3  # the risk is not trivially below the empirical loss


def test_token_level_closed_form_and_monotone():
    a, b = 0.2, 8.0
    out = token_level_bound(3.0, 10**6, 5000.0, 0.05, (a, b))
    gamma = 2 * 19 + 1  # Elias gamma of N = 10**6 (2**19 <= N < 2**20): N is random, so it is paid
    assert out.n_bits == gamma
    want = 3.0 + (b - a) * math.sqrt(((5000 + gamma) * math.log(2) + math.log(20)) / (2 * 10**6))
    assert out.bound == pytest.approx(want, rel=1e-14)
    assert out.bound == out.empirical + out.complexity_term
    assert token_level_bound(3.0, 10**6, 10_000.0, 0.05, (a, b)).bound > out.bound
    assert token_level_bound(3.0, 10**7, 5000.0, 0.05, (a, b)).bound < out.bound
    assert token_level_bound(3.0, 10**6, 5000.0, 0.005, (a, b)).bound > out.bound
    sub = token_level_bound(3.0, 10**6, 5000.0, 0.05, (a, b), m_tokens=10**4, sample_share=0.2)
    d_bound, d_sample = split_delta(0.05, [0.8, 0.2])
    assert sub.sampling_term == pytest.approx((b - a) * math.sqrt(math.log(1 / d_sample) / 2e4))
    assert sub.complexity_term == pytest.approx(
        (b - a) * math.sqrt(((5000 + gamma) * math.log(2) + math.log(1 / d_bound)) / 2e6)
    )
    # A loss picked among K = 4 after the sample was seen: the sampling step holds for all four.
    four = token_level_bound(3.0, 10**6, 5000.0, 0.05, (a, b), m_tokens=10**4, sample_share=0.2,
                             sample_choices=4)
    assert four.sampling_term == pytest.approx((b - a) * math.sqrt(math.log(4 / d_sample) / 2e4))
    assert four.complexity_term == sub.complexity_term and four.sample_choices == 4


def test_token_level_error_bound():
    out = token_level_error_bound(0.4, 10**6, 5000.0, 0.05)
    assert out.bound == pytest.approx(
        0.4 + math.sqrt((5039 * math.log(2) + math.log(20)) / (2 * 10**6)), rel=1e-14
    )
    assert out.loss_range == (0.0, 1.0)
    sub = token_level_error_bound(0.4, 10**6, 5000.0, 0.05, m_tokens=10**5)
    assert sub.bound > out.bound and sub.delta_sample > 0


# --- argument checks ------------------------------------------------------------------------


def test_bad_arguments():
    cases = [
        (lambda: smoothed_loss_range(0.0, 10), "alpha must be in \\(0, 1\\)"),
        (lambda: smoothed_loss_range(1.0, 10), "alpha must be in \\(0, 1\\)"),
        (lambda: smoothed_log2_loss(0.5, 1.5, 10), "alpha must be in \\(0, 1\\)"),
        (lambda: smoothed_loss_range(0.1, 1), "vocab_size must be >= 2"),
        (lambda: document_bernstein_bound(3.0, -0.1, 100, 10.0, 0.05, (0, 10)), "variance must lie in"),
        (lambda: document_bernstein_bound(3.0, 30.0, 100, 10.0, 0.05, (0, 10)), "variance must lie in"),
        (lambda: document_bernstein_bound(3.0, 1.0, 1, 10.0, 0.05, (0, 10)), "n must be >= 2"),
        (lambda: subsampled_document_bound(3.0, 10, 100, 10.0, 0.05, (0, 10), sample_choices=0), "sample_choices"),
        (lambda: smoothed_log2_loss(1.5, 0.1, 10), "p_true_token must hold probabilities"),
        (lambda: smooth_probabilities([[0.5, 0.6]], 0.1), "rows of p must sum to 1"),
        (lambda: smooth_probabilities([1.0], 0.1), "last axis of length V >= 2"),
        (lambda: smooth_probabilities([0.5, 0.5], -0.1), "alpha must be in"),
        (lambda: subsample_upper(1.0, 11, 10, 0.05, (0, 2)), "m must be <= n"),
        (lambda: subsampled_document_bound(1.0, 11, 10, 5, 0.05, (0, 2)), "m must be <= n"),
        (lambda: subsampled_error_bound(0.1, 11, 10, 5, 0.05), "m must be <= n"),
        (lambda: token_level_bound(1.0, 10, 5, 0.05, (0, 2), m_tokens=11), "m_tokens must be <="),
        (lambda: subsampled_document_bound(1.0, 5, 10, -1.0, 0.05, (0, 2)), "bits must be"),
        (lambda: token_level_bound(1.0, 10, -1.0, 0.05, (0, 2)), "bits must be"),
        (lambda: subsampled_error_bound(0.1, 5, 10, -1.0, 0.05), "bits must be"),
        (lambda: document_level_bound(1.0, 10, -1.0, 0.05, (0, 2)), "bits must be"),
        (lambda: document_level_bound(1.0, 10, 5, 0.0, (0, 2)), "delta must be in \\(0, 1\\)"),
        (lambda: subsample_upper(1.0, 5, 10, 1.0, (0, 2)), "delta must be in \\(0, 1\\)"),
        (lambda: subsampled_document_bound(1.0, 5, 10, 5, 1.5, (0, 2)), "delta must be in"),
        (lambda: subsampled_error_bound(0.1, 5, 10, 5, 0.0), "delta must be in"),
        (lambda: token_level_bound(1.0, 10, 5, -0.1, (0, 2)), "delta must be in"),
        (lambda: token_level_error_bound(0.1, 10, 5, 1.0), "delta must be in"),
        (lambda: subsampled_document_bound(3.0, 5, 10, 5, 0.05, (0, 2)), "sample_mean must be in"),
        (lambda: token_level_bound(1.0, 10, 5, 0.05, (2, 0)), "loss_range must satisfy"),
        (lambda: subsampled_error_bound(1.1, 5, 10, 5, 0.05), "sample_error must be in"),
        (lambda: subsampled_document_bound(1.0, 5, 10, 5, 0.05, (0, 2), 1.0), "sample_share"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(TypeError, match="vocab_size must be a positive integer"):
        smoothed_loss_range(0.1, 10.0)
    with pytest.raises(TypeError, match="m must be a positive integer"):
        subsample_upper(1.0, 5.0, 10, 0.05, (0, 2))


# --- split-kl -------------------------------------------------------------------------------


def _kl_inverse_reference(q, c):
    """max{p in [q, 1] : kl(q || p) <= c} by scipy's root finder (independent of genlab)."""
    from scipy.optimize import brentq
    from scipy.special import rel_entr

    kl = lambda p: rel_entr(q, p) + rel_entr(1 - q, 1 - p) - c  # noqa: E731
    if q >= 1 or kl(1 - 1e-15) <= 0:
        return 1.0
    return brentq(kl, q, 1 - 1e-15, xtol=1e-14) if c > 0 else q


def test_split_kl_tails_by_brute_force():
    rng = np.random.default_rng(4)
    x = rng.uniform(1.0, 9.0, size=500)
    tails = split_kl_tails(x, (0.0, 10.0), 40)
    for j, q in enumerate(tails):
        assert q == pytest.approx(np.mean(x > 10.0 * j / 40), abs=1e-15)
    # The rounded-up mean sits within one step above the mean.
    up = 0.0 + 10.0 / 40 * tails.sum()
    assert x.mean() <= up <= x.mean() + 10.0 / 40


def test_split_kl_bound_by_hand_with_and_without_sampling():
    rng = np.random.default_rng(5)
    a, b, k, n, m, bits, delta = 0.1, 11.0, 64, 50_000, 5_000, 2000.0, 0.01
    x = a + (b - a) * rng.beta(4, 9, size=m)
    tails = split_kl_tails(x, (a, b), k)
    out = document_split_kl_bound(tails, m, n, bits, delta, (a, b), sample_share=0.25, sample_choices=4)
    d_bound, d_sample = split_delta(delta, [0.75, 0.25])
    upper = [_kl_inverse_reference(q, math.log(k * 4 / d_sample) / m) for q in tails]
    c = (bits * math.log(2) + math.log(k / d_bound)) / n
    want = a + (b - a) / k * sum(_kl_inverse_reference(u, c) for u in upper)
    assert out.bound == pytest.approx(want, rel=1e-9)
    assert out.bound == pytest.approx(out.empirical + out.sampling_term + out.complexity_term, rel=1e-12)
    full = document_split_kl_bound(tails, n, n, bits, delta, (a, b))
    assert full.sampling_term == 0.0 and full.delta_bound == delta
    # Far below Hoeffding when the losses fill a small part of the range.
    assert full.bound < document_level_bound(x.mean(), n, bits, delta, (a, b)) - 0.5


def test_split_kl_monte_carlo_with_subsampling():
    # K hypotheses under a uniform prior, losses 10 x Beta in [0, 10] with known means, n drawn,
    # m of them subsampled without replacement: a trial fails when any true mean exceeds its bound.
    k, n, m, trials, delta, splits = 16, 400, 200, 500, 0.1, 32
    rng = np.random.default_rng(6)
    shape = 1 + np.arange(k) / 4
    mean = 10 * shape / (shape + 6)
    bits = union_bound_bits(k)
    fails, naive_fails = 0, 0
    for _ in range(trials):
        x = 10 * rng.beta(shape, 6, size=(n, k))
        pick = rng.choice(n, size=m, replace=False)
        bounds = [document_split_kl_bound(split_kl_tails(x[pick, h], (0.0, 10.0), splits), m, n, bits, delta, (0.0, 10.0)).bound for h in range(k)]
        fails += (mean > np.array(bounds)).any()
        naive_fails += (mean > x[pick].mean(axis=0)).any()
    assert fails / trials <= _max_rate(delta, trials)
    assert naive_fails / trials > 0.3  # the sample mean alone fails: the check has power
