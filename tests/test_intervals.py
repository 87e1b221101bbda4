"""The 95% intervals of memorization scores (genlab.memorization.estimate): Welch's t interval for
continuous outcomes against SciPy, Agresti-Caffo's for 0/1 outcomes against the textbook formula,
a hand-worked case and its coverage by simulation."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from genlab.memorization import estimate, membership_masks

TRIALS = 2_000  # simulated examples per coverage check: the coverage's standard error is ~0.005


def _masks(models, examples, seed):
    """Independent random subsets: the in/out counts differ from example to example."""
    return membership_masks(examples, models, 0.6, seed, balanced=False)


def _agresti_caffo(y1: int, n1: int, y2: int, n2: int) -> tuple[float, float]:
    """Agresti & Caffo (2000), "Simple and effective confidence intervals for proportions and
    differences of proportions result from adding two successes and two failures", Amer. Statist.
    54(4): add one success and one failure to each sample, then the Wald interval of the
    difference, p1~ - p2~ +- z_0.975 sqrt(p1~ q1~ / (n1 + 2) + p2~ q2~ / (n2 + 2))."""
    a, b = (y1 + 1) / (n1 + 2), (y2 + 1) / (n2 + 2)
    half = stats.norm.ppf(0.975) * math.sqrt(a * (1 - a) / (n1 + 2) + b * (1 - b) / (n2 + 2))
    return max(-1.0, a - b - half), min(1.0, a - b + half)


# --- Welch, continuous outcomes


def test_welch_interval_matches_scipy_on_random_outcomes():
    rng = np.random.default_rng(0)
    masks = _masks(24, 60, seed=1)
    outcomes = torch.from_numpy(rng.normal(0.0, 1.0, size=(24, 60)) * rng.uniform(0.1, 3.0, size=60) + 2.0 * masks.numpy())
    s = estimate(masks, outcomes, score="probability", outcome_range=math.inf)
    m, o = masks.numpy(), outcomes.numpy()
    for i in range(60):
        inside, outside = o[m[:, i], i], o[~m[:, i], i]
        ci = stats.ttest_ind(inside, outside, equal_var=False).confidence_interval(0.95)
        assert s.score[i] == pytest.approx(inside.mean() - outside.mean(), abs=1e-12)
        assert (s.low[i], s.high[i]) == pytest.approx((ci.low, ci.high), rel=1e-9), i
        assert (s.n_in[i], s.n_out[i]) == (len(inside), len(outside))


def test_welch_interval_needs_two_models_per_side_and_is_clipped_to_the_outcome_range():
    masks = torch.tensor([[True, True], [True, False], [False, False], [False, False]])  # example 0: 2 in, 2 out; example 1: 1 in, 3 out
    outcomes = torch.tensor([[0.9, 0.8], [0.7, 0.2], [0.1, 0.3], [0.0, 0.1]], dtype=torch.float64)
    s = estimate(masks, outcomes, score="probability")
    ci = stats.ttest_ind([0.9, 0.7], [0.1, 0.0], equal_var=False).confidence_interval(0.95)  # (0.058, 1.442)
    assert s.low[0] == pytest.approx(ci.low) and ci.high > 1 and s.high[0] == 1.0  # a difference of probabilities is <= 1
    assert s.score[1] == pytest.approx(0.8 - 0.2) and np.isnan(s.low[1]) and np.isnan(s.high[1])  # no variance from one model
    same = estimate(masks[:, :1], torch.full((4, 1), 0.5, dtype=torch.float64), score="probability")
    assert (same.low[0], same.score[0], same.high[0]) == (0.0, 0.0, 0.0)  # no spread on either side: a point


def test_welch_interval_covers_the_true_difference_95_percent_of_the_time():
    """TRIALS simulated examples, 14 in-models with outcomes N(-1, 0.3^2) and 6 out-models with
    N(-2, 1.2^2) (unequal variances, a small side: where Welch's t quantile matters): the share of
    intervals that hold the true difference 1 is within 4 standard errors of 95% (Welch's
    approximation is good to a few tenths of a point here: 94.8% over 10^5 examples). A normal
    quantile in place of the t quantile (1.96 / 2.6 of the width at about 5 degrees of freedom:
    89.7% coverage here) would be rejected."""
    masks = membership_masks(TRIALS, 20, 0.7, seed=3)
    m = masks.numpy()
    rng = np.random.default_rng(2)
    outcomes = np.where(m, rng.normal(-1.0, 0.3, size=m.shape), rng.normal(-2.0, 1.2, size=m.shape))
    s = estimate(masks, torch.from_numpy(outcomes), score="log-probability", outcome_range=math.inf)
    tolerance = 4 * math.sqrt(0.95 * 0.05 / TRIALS)
    assert abs(((s.low <= 1.0) & (1.0 <= s.high)).mean() - 0.95) < tolerance
    centre, half = (s.low + s.high) / 2, (s.high - s.low) / 2
    narrow = ((centre - 0.75 * half <= 1.0) & (1.0 <= centre + 0.75 * half)).mean()  # 1.96 / 2.6
    assert 0.95 - narrow > 2 * tolerance, narrow


# --- Agresti-Caffo, 0/1 outcomes


def test_agresti_caffo_on_a_hand_worked_case():
    # 9 of 10 in-models right, 3 of 10 out-models: p~ = 10/12 and 4/12, variance 20/12^3 + 32/12^3 = 52/1728
    masks = torch.tensor([True] * 10 + [False] * 10)[:, None]
    correct = torch.tensor([1] * 9 + [0] + [1] * 3 + [0] * 7, dtype=torch.float64)[:, None]
    s = estimate(masks, correct, score="correct")
    assert s.score[0] == pytest.approx(0.6)  # the score is the raw difference 0.9 - 0.3 ...
    half = 1.959963984540054 * math.sqrt(52 / 1728)
    assert (s.low[0], s.high[0]) == pytest.approx((0.5 - half, 0.5 + half))  # ... the interval is centred on 10/12 - 4/12
    assert (s.low[0], s.high[0]) == pytest.approx((0.16000, 0.84000), abs=1e-5)


def test_agresti_caffo_matches_the_textbook_formula_on_random_outcomes():
    rng = np.random.default_rng(4)
    masks = _masks(16, 300, seed=5)
    m = masks.numpy()
    correct = rng.random(m.shape) < np.where(m, rng.uniform(0.5, 1.0, 300), rng.uniform(0.0, 1.0, 300))
    s = estimate(masks, torch.from_numpy(correct.astype(np.float64)), score="correct")
    for i in range(300):
        y1, n1, y2, n2 = int(correct[m[:, i], i].sum()), int(m[:, i].sum()), int(correct[~m[:, i], i].sum()), int((~m[:, i]).sum())
        assert (s.low[i], s.high[i]) == pytest.approx(_agresti_caffo(y1, n1, y2, n2), abs=1e-12), i
        assert s.score[i] == pytest.approx(y1 / n1 - y2 / n2)


def _exact_coverage(p1, n1, p2, n2) -> float:
    """P(the textbook interval holds p1 - p2), summed over every outcome (y1, y2)."""
    total = 0.0
    for y1 in range(n1 + 1):
        for y2 in range(n2 + 1):
            low, high = _agresti_caffo(y1, n1, y2, n2)
            total += stats.binom.pmf(y1, n1, p1) * stats.binom.pmf(y2, n2, p2) * (low <= p1 - p2 <= high)
    return total


@pytest.mark.parametrize("p_in,p_out", [(0.9, 0.5), (0.6, 0.6), (0.99, 0.5)])
def test_agresti_caffo_coverage_by_simulation(p_in, p_out):
    """TRIALS simulated examples, each with 14 in-models right with probability p_in and 6
    out-models right with p_out (K = 20, r = 0.7): the share of intervals that hold p_in - p_out
    is within 4 standard errors of the interval's exact coverage (enumerated over all outcomes),
    which is itself near 95% (Agresti-Caffo is approximate and errs on the wide side: 95.8-96.3% here). An interval
    30% too narrow would be rejected: the same check sees it fail."""
    masks = membership_masks(TRIALS, 20, 0.7, seed=6)
    m = masks.numpy()
    rng = np.random.default_rng(7)
    correct = rng.random(m.shape) < np.where(m, p_in, p_out)
    s = estimate(masks, torch.from_numpy(correct.astype(np.float64)), score="correct")
    truth = p_in - p_out
    exact = _exact_coverage(p_in, 14, p_out, 6)
    assert abs(exact - 0.95) < 0.025, exact
    tolerance = 4 * math.sqrt(exact * (1 - exact) / TRIALS)
    covered = ((s.low <= truth) & (truth <= s.high)).mean()
    assert abs(covered - exact) < tolerance, (covered, exact)
    centre, half = (s.low + s.high) / 2, (s.high - s.low) / 2
    narrow = ((centre - 0.7 * half <= truth) & (truth <= centre + 0.7 * half)).mean()
    assert exact - narrow > 2 * tolerance, (narrow, exact)  # the check has the power to see a too-narrow interval
