"""Facts about genlab.bounds, stated with numbers."""

import doctest
import importlib
import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import entropy

import genlab.bounds as gb
from genlab.bounds import (
    catoni_bound,
    elias_delta_bits,
    elias_gamma_bits,
    elias_gamma_decode,
    elias_gamma_encode,
    hoeffding_bound,
    kl_bernoulli,
    kl_inverse,
    occam_bound,
    occam_complexity,
    pac_bayes_kl_bound,
    split_delta,
    union_bound_bits,
)

PRIVATE_MODULES = ["_checks", "_codes", "_kl", "_occam", "_pac_bayes", "_union"]


# --- the public surface ---------------------------------------------------------------------


def test_public_names():
    assert sorted(gb.__all__) == [
        "LanguageBound",
        "catoni_bound",
        "document_bernstein_bound",
        "document_level_bound",
        "document_split_kl_bound",
        "elias_delta_bits",
        "elias_gamma_bits",
        "elias_gamma_decode",
        "elias_gamma_encode",
        "hoeffding_bound",
        "kl_bernoulli",
        "kl_inverse",
        "occam_bound",
        "occam_complexity",
        "pac_bayes_kl_bound",
        "smooth_probabilities",
        "smoothed_log2_loss",
        "smoothed_loss_range",
        "split_delta",
        "split_kl_tails",
        "subsample_upper",
        "subsampled_document_bound",
        "subsampled_error_bound",
        "token_level_bound",
        "token_level_error_bound",
        "union_bound_bits",
    ]
    for name in gb.__all__:
        if name == "LanguageBound":  # a result record, not a bound
            continue
        doc = getattr(gb, name).__doc__
        assert "Example:" in doc and "Reference:" in doc and "Returns:" in doc, name


@pytest.mark.parametrize("module", PRIVATE_MODULES)
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(f"genlab.bounds.{module}"))
    assert result.failed == 0


# --- kl and its inverse ----------------------------------------------------------------------


def test_kl_bernoulli_known_values():
    assert kl_bernoulli(0.5, 0.25) == pytest.approx(0.5 * math.log(4 / 3), rel=1e-14)
    assert kl_bernoulli(0.0, 0.5) == pytest.approx(math.log(2), rel=1e-15)
    assert kl_bernoulli(0.3, 0.3) == 0.0
    assert kl_bernoulli(0.0, 0.0) == 0.0 and kl_bernoulli(1.0, 1.0) == 0.0
    for q, p in [(0.3, 0.0), (0.3, 1.0), (0.0, 1.0), (1.0, 0.0)]:
        assert kl_bernoulli(q, p) == math.inf


def test_kl_bernoulli_matches_scipy_entropy():
    rng = np.random.default_rng(1)
    for q, p in rng.uniform(0.001, 0.999, size=(200, 2)):
        assert kl_bernoulli(q, p) == pytest.approx(entropy([q, 1 - q], [p, 1 - p]), rel=1e-10)


def test_kl_inverse_closed_form_at_zero():
    assert kl_inverse(0.0, math.log(2)) == pytest.approx(0.5, abs=1e-9)
    # kl(0 || p) = -ln(1 - p), so kl^-1(0, c) = 1 - exp(-c).
    for c in [1e-8, 1e-4, 0.01, 0.1, 0.5, 1.0, 3.0, 10.0]:
        got = kl_inverse(0.0, c)
        want = -math.expm1(-c)
        assert want - 1e-12 <= got <= want + 1e-9, c


def test_kl_inverse_edge_cases():
    assert kl_inverse(0.0, 0.0) == 0.0
    assert kl_inverse(0.37, 0.0) == 0.37
    assert kl_inverse(1.0, 0.0) == 1.0
    assert kl_inverse(1.0, 0.5) == 1.0
    assert kl_inverse(0.3, 1e6) == 1.0
    assert kl_inverse(0.0, 1e6) == 1.0
    assert kl_inverse(0.3, math.inf) == 1.0
    # Small c around q = 0.5: kl(q || q + x) ~ x^2 / (2 q (1 - q)), so x ~ sqrt(2 c q (1 - q)).
    c = 1e-8
    assert kl_inverse(0.5, c) - 0.5 == pytest.approx(math.sqrt(2 * c * 0.25), rel=1e-3)


def test_kl_inverse_solves_kl_equals_c():
    rng = np.random.default_rng(2)
    for q, c in zip(rng.uniform(0, 1, 300), rng.uniform(1e-6, 3, 300)):
        p = kl_inverse(q, c)
        if p < 1 - 1e-6:
            assert kl_bernoulli(q, p) == pytest.approx(c, rel=1e-6, abs=1e-9)
            assert kl_bernoulli(q, p) >= c - 1e-12  # the upper end of the bracket


def test_kl_inverse_matches_brentq():
    rng = np.random.default_rng(3)
    qs = rng.uniform(0, 0.99, 300)
    cs = 10 ** rng.uniform(-5, 0.5, 300)
    checked = 0
    for q, c in zip(qs, cs):
        if kl_bernoulli(q, 1 - 1e-12) <= c:
            continue  # the root is too close to 1 for brentq's bracket
        root = brentq(lambda p: kl_bernoulli(q, p) - c, q, 1 - 1e-12, xtol=1e-15, rtol=1e-15)
        got = kl_inverse(q, c)
        assert abs(got - root) <= 1e-9
        assert got >= root - 1e-12  # never on the unsafe side
        checked += 1
    assert checked > 250


def test_kl_inverse_monotone():
    cs = np.linspace(0, 2, 101)
    for q in [0.0, 0.1, 0.5, 0.9]:
        values = [kl_inverse(q, c) for c in cs]
        assert np.all(np.diff(values) >= -1e-12)
    qs = np.linspace(0, 1, 101)
    for c in [1e-4, 0.05, 1.0]:
        values = [kl_inverse(q, c) for q in qs]
        assert np.all(np.diff(values) >= -1e-12)
        assert np.all(np.array(values) >= qs)


# --- the bounds: closed forms --------------------------------------------------------------


def test_occam_complexity_and_bound_known_values():
    assert occam_complexity(1000, 0, 0.5) == pytest.approx(math.log(2) / 1000, rel=1e-14)
    c = occam_complexity(1000, 100, 0.05)
    assert c == pytest.approx((100 * math.log(2) + math.log(20)) / 1000, rel=1e-14)
    assert occam_bound(0.1, 1000, 100, 0.05) == pytest.approx(kl_inverse(0.1, c), abs=1e-12)
    assert occam_bound(0.0, 1000, 0, 0.5) == pytest.approx(1 - 0.5 ** (1 / 1000), abs=1e-9)
    # More bits, smaller delta or fewer examples give a looser bound.
    base = occam_bound(0.1, 1000, 100, 0.05)
    assert occam_bound(0.1, 1000, 200, 0.05) > base
    assert occam_bound(0.1, 1000, 100, 0.01) > base
    assert occam_bound(0.1, 500, 100, 0.05) > base


def test_hoeffding_known_values():
    c = (100 * math.log(2) + math.log(20)) / 1000
    assert hoeffding_bound(0.1, 1000, 100, 0.05) == pytest.approx(0.1 + math.sqrt(c / 2))
    got = hoeffding_bound(3.0, 1000, 100, 0.05, loss_range=(1.0, 11.0))
    assert got == pytest.approx(3.0 + 10 * math.sqrt(c / 2))
    # The kl form is tighter than Hoeffding for a 0-1 loss with a small empirical risk.
    assert occam_bound(0.05, 1000, 100, 0.05) < hoeffding_bound(0.05, 1000, 100, 0.05)


def test_pac_bayes_kl_known_values():
    n, kl, delta = 1000, 50.0, 0.05
    c = (kl + math.log(2 * math.sqrt(n) / delta)) / n
    assert pac_bayes_kl_bound(0.1, n, kl, delta) == pytest.approx(kl_inverse(0.1, c), abs=1e-12)
    # A point mass on a coded model: KL = bits ln 2; PAC-Bayes-kl pays ln(2 sqrt(n)) more.
    bits = 100
    assert pac_bayes_kl_bound(0.1, n, bits * math.log(2), delta) > occam_bound(0.1, n, bits, delta)


def test_catoni_known_values():
    n, kl, delta = 1000, 50.0, 0.05

    def formula(beta, d):
        return (1 - math.exp(-beta * 0.1 - (kl + math.log(1 / d)) / n)) / (1 - math.exp(-beta))

    assert catoni_bound(0.1, n, kl, delta, beta=1.0) == pytest.approx(formula(1.0, delta))
    grid = np.geomspace(0.01, 100, 64)
    assert catoni_bound(0.1, n, kl, delta) == pytest.approx(min(formula(b, delta / 64) for b in grid))
    # R_hat = 0, KL = 0: (1 - delta^(1/n)) / (1 - exp(-beta)).
    assert catoni_bound(0.0, 100, 0.0, 0.1, beta=2.0) == pytest.approx(
        (1 - 0.1 ** (1 / 100)) / (1 - math.exp(-2.0))
    )
    assert catoni_bound(0.9, 10, 1000.0, 0.05) == 1.0  # clipped to the trivial bound


def test_union_bound_bits_and_split_delta():
    assert union_bound_bits(1) == 0.0
    assert union_bound_bits(1024) == 10.0
    assert union_bound_bits(10) == pytest.approx(math.log2(10))
    # Paying log2(K) bits is the same as running each of K bounds at delta / K.
    assert occam_complexity(100, union_bound_bits(8), 0.05) == pytest.approx(
        occam_complexity(100, 0, 0.05 / 8)
    )
    assert split_delta(0.05, [1, 1]) == [0.025, 0.025]
    parts = split_delta(0.1, [3, 1])
    assert parts == pytest.approx([0.075, 0.025])
    rng = np.random.default_rng(4)
    for _ in range(200):
        delta = rng.uniform(1e-6, 0.5)
        weights = rng.uniform(0.01, 10, rng.integers(1, 10)).tolist()
        parts = split_delta(delta, weights)
        assert math.fsum(parts + [-delta]) <= 0.0  # exactly no more than delta
        assert math.fsum(parts) == pytest.approx(delta, rel=1e-14)
        assert np.allclose(np.array(parts) / delta, np.array(weights) / sum(weights), rtol=1e-12)


# --- Monte Carlo validity -------------------------------------------------------------------
#
# K hypotheses, each with a known true risk, coded under a uniform prior (log2 K bits each).
# A trial draws n Bernoulli losses per hypothesis; it fails when ANY hypothesis' true risk exceeds
# its bound. The empirical risk takes only the n + 1 values k / n, so the bound is computed once
# per value and looked up.

K, N, TRIALS, DELTA = 32, 200, 2000, 0.1
TRUE_RISKS = np.linspace(0.05, 0.5, K)
MAX_RATE = DELTA + 3 * math.sqrt(DELTA * (1 - DELTA) / TRIALS)  # 0.12


@pytest.fixture(scope="module")
def error_counts():
    rng = np.random.default_rng(0)
    return rng.binomial(N, TRUE_RISKS, size=(TRIALS, K))  # sum of N Bernoulli losses each


def _failure_rate_and_bounds(bound, counts):
    table = np.array([bound(k / N) for k in range(N + 1)])
    bounds = table[counts]
    return (TRUE_RISKS > bounds).any(axis=1).mean(), bounds


BOUNDS_UNDER_TEST = {
    "occam": lambda r, bits: occam_bound(r, N, bits, DELTA),
    "hoeffding": lambda r, bits: hoeffding_bound(r, N, bits, DELTA),
    "pac_bayes_kl": lambda r, bits: pac_bayes_kl_bound(r, N, bits * math.log(2), DELTA),
    "catoni": lambda r, bits: catoni_bound(r, N, bits * math.log(2), DELTA),
}


@pytest.mark.parametrize("name", BOUNDS_UNDER_TEST)
def test_monte_carlo_validity(name, error_counts):
    bits = union_bound_bits(K)
    rate, bounds = _failure_rate_and_bounds(
        lambda r: BOUNDS_UNDER_TEST[name](r, bits), error_counts
    )
    assert rate <= MAX_RATE
    # Not trivially loose: the hypothesis with true risk 0.05 gets a bound well below 1.
    assert bounds[:, 0].mean() < 0.3
    assert bounds[:, -1].mean() < 0.75


@pytest.mark.parametrize("name", ["occam", "hoeffding"])
def test_monte_carlo_detects_a_missing_union_bound(name, error_counts):
    # The same check fails for a bound that forgets the log2(K) bits of choosing a hypothesis
    # (about 0.42 for occam and 0.21 for hoeffding here), so the validity test has power.
    rate, _ = _failure_rate_and_bounds(lambda r: BOUNDS_UNDER_TEST[name](r, 0.0), error_counts)
    assert rate > MAX_RATE


# --- Elias codes ----------------------------------------------------------------------------


def test_elias_gamma_round_trip_and_length():
    for k in range(1, 1001):
        word = elias_gamma_encode(k)
        assert set(word) <= {"0", "1"}
        assert len(word) == elias_gamma_bits(k) == 2 * math.floor(math.log2(k)) + 1
        assert elias_gamma_decode(word) == (k, len(word))
    assert [elias_gamma_encode(k) for k in (1, 2, 3, 4)] == ["1", "010", "011", "00100"]


def test_elias_gamma_concatenation_decodes_uniquely():
    rng = np.random.default_rng(5)
    ks = rng.integers(1, 5000, 1000).tolist() + list(range(1, 65))
    stream = "".join(elias_gamma_encode(k) for k in ks)
    decoded, pos = [], 0
    while pos < len(stream):
        k, used = elias_gamma_decode(stream[pos : pos + 64])
        decoded.append(k)
        pos += used
    assert decoded == ks and pos == len(stream)


def test_elias_kraft_sums():
    ks = range(1, 2**16 + 1)
    gamma = math.fsum(2.0 ** -elias_gamma_bits(k) for k in ks)
    delta = math.fsum(2.0 ** -elias_delta_bits(k) for k in ks)
    assert gamma == 1 - 2.0**-16 + 2.0**-33
    assert gamma <= 1 and delta <= 1


def test_elias_delta_bits_known_values():
    assert [elias_delta_bits(k) for k in (1, 2, 3, 4, 7, 8, 15, 16, 17)] == [
        1, 4, 4, 5, 5, 8, 8, 9, 9
    ]
    for k in range(1, 5000):
        n = math.floor(math.log2(k))
        assert elias_delta_bits(k) == n + 2 * math.floor(math.log2(n + 1)) + 1
    assert elias_delta_bits(10**6) < elias_gamma_bits(10**6)


def test_elias_gamma_decode_rejects_bad_input():
    for bad in ["", "000", "0010", "00x01"]:
        with pytest.raises(ValueError):
            elias_gamma_decode(bad)


# --- argument checks ------------------------------------------------------------------------

BAD_ARGUMENTS = {
    "delta 0": (dict(delta=0.0), "delta must be in \\(0, 1\\)"),
    "delta 1": (dict(delta=1.0), "delta must be in \\(0, 1\\)"),
    "delta NaN": (dict(delta=math.nan), "delta is NaN"),
    "n 0": (dict(n=0), "n must be a positive integer"),
    "risk -0.1": (dict(empirical_risk=-0.1), "empirical_risk must be in"),
    "risk NaN": (dict(empirical_risk=math.nan), "empirical_risk is NaN"),
}


@pytest.mark.parametrize("case", BAD_ARGUMENTS)
@pytest.mark.parametrize(
    "bound", [occam_bound, hoeffding_bound, pac_bayes_kl_bound, catoni_bound], ids=lambda f: f.__name__
)
def test_bounds_reject_bad_arguments(bound, case):
    complexity = "bits" if bound in (occam_bound, hoeffding_bound) else "kl_divergence"
    kwargs = dict(empirical_risk=0.1, n=100, delta=0.05, **{complexity: 10.0})
    change, message = BAD_ARGUMENTS[case]
    with pytest.raises(ValueError, match=message):
        bound(**{**kwargs, **change})


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="bits must be a finite value >= 0"):
        occam_bound(0.1, 100, -1.0, 0.05)
    with pytest.raises(ValueError, match="bits must be a finite value >= 0"):
        occam_complexity(100, math.inf, 0.05)
    with pytest.raises(ValueError, match="kl_divergence must be"):
        pac_bayes_kl_bound(0.1, 100, -1.0, 0.05)
    with pytest.raises(TypeError, match="n must be a positive integer"):
        occam_bound(0.1, 100.0, 10, 0.05)
    with pytest.raises(ValueError, match="empirical_risk must be in"):
        occam_bound(1.5, 100, 10, 0.05)
    with pytest.raises(ValueError, match="empirical_risk must be in"):
        hoeffding_bound(0.5, 100, 10, 0.05, loss_range=(1.0, 2.0))
    with pytest.raises(ValueError, match="loss_range"):
        hoeffding_bound(0.5, 100, 10, 0.05, loss_range=(1.0, 0.0))
    with pytest.raises(ValueError, match="beta must be finite and > 0"):
        catoni_bound(0.1, 100, 10, 0.05, beta=0.0)
    with pytest.raises(ValueError, match="q must be in"):
        kl_inverse(-0.1, 0.5)
    with pytest.raises(ValueError, match="c must be a value >= 0"):
        kl_inverse(0.1, -0.5)
    with pytest.raises(ValueError, match="c is NaN"):
        kl_inverse(0.1, math.nan)
    with pytest.raises(ValueError, match="p must be in"):
        kl_bernoulli(0.1, 1.5)
    with pytest.raises(ValueError, match="num_choices must be a positive integer"):
        union_bound_bits(0)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        elias_gamma_bits(0)
    with pytest.raises(ValueError, match="weights\\[1\\] must be finite and > 0"):
        split_delta(0.05, [1.0, 0.0])
    with pytest.raises(ValueError, match="delta must be in"):
        split_delta(1.0, [1.0])
    with pytest.raises(TypeError, match="delta must be a real number"):
        occam_bound(0.1, 100, 10, "0.05")
