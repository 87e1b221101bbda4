"""Occam (compression) bounds: a hypothesis described in C bits, chosen after seeing the data.

A prefix-free code for hypotheses, fixed before the data, is a prior P(h) = 2^-C(h). A union
bound over all code words with confidence delta * P(h) each gives bounds valid simultaneously for
every hypothesis with probability >= 1 - delta.
"""

import math

from genlab.bounds._checks import (
    BITS_HINT,
    N_HINT,
    RISK_HINT,
    check_delta,
    check_nonnegative,
    check_positive_int,
    check_real,
)
from genlab.bounds._kl import _kl_inverse


def occam_complexity(n: int, bits: float, delta: float) -> float:
    """Complexity term of the Occam bound, in nats per example.

    c = (bits * ln 2 + ln(1/delta)) / n.

    Args:
        n: number of i.i.d. examples the empirical risk is measured on.
        bits: code length C(h) of the hypothesis, in bits (everything needed to rebuild it).
        delta: failure probability, in (0, 1).

    Returns:
        c in nats per example, > 0.

    Example:
        >>> round(occam_complexity(n=1000, bits=100, delta=0.05), 6)  # (100 ln 2 + ln 20) / 1000
        0.07231

    Reference:
        J. Langford, Tutorial on Practical Prediction Theory for Classification, JMLR 6 (2005),
        Thm. 4.6 (Occam's razor bound).
    """
    n = check_positive_int(n, "n", N_HINT)
    bits = check_nonnegative(bits, "bits", BITS_HINT)
    delta = check_delta(delta)
    return _occam_complexity(n, bits, delta)


def occam_bound(empirical_risk: float, n: int, bits: float, delta: float) -> float:
    """Occam bound on the true 0-1 risk of a hypothesis coded in `bits` bits (kl form).

    With probability >= 1 - delta, simultaneously for every hypothesis h with code length C(h):
    kl(R_hat(h) || R(h)) <= (C(h) ln 2 + ln(1/delta)) / n, hence
    R(h) <= kl^-1(R_hat(h), (C(h) ln 2 + ln(1/delta)) / n).
    Assumes a 0-1 loss, n i.i.d. examples and a prefix-free code fixed before seeing them.

    Args:
        empirical_risk: fraction of the n examples the hypothesis gets wrong, in [0, 1].
        n: number of i.i.d. examples.
        bits: code length C(h) of the hypothesis, in bits (>= 0).
        delta: failure probability, in (0, 1).

    Returns:
        Upper bound on the true risk, in [empirical_risk, 1].

    Example:
        >>> round(occam_bound(empirical_risk=0.1, n=1000, bits=100, delta=0.05), 4)
        0.2498
        >>> # kl^-1(0, c) = 1 - exp(-c) with c = ln(1/0.5) / 1000
        >>> round(occam_bound(0.0, 1000, 0, 0.5), 9) == round(1 - 0.5 ** (1 / 1000), 9)
        True

    Reference:
        J. Langford and M. Seeger, Bounds for Averaging Classifiers, CMU-CS-01-102 (2001);
        S. Lotfi et al., PAC-Bayes Compression Bounds So Tight That They Can Explain
        Generalization, NeurIPS 2022.
    """
    r = check_real(empirical_risk, "empirical_risk", RISK_HINT)
    if not 0.0 <= r <= 1.0:
        raise ValueError(f"empirical_risk must be in [0, 1], got {r!r}; {RISK_HINT}")
    c = occam_complexity(n, bits, delta)
    return _kl_inverse(r, c)


def hoeffding_bound(
    empirical_risk: float,
    n: int,
    bits: float,
    delta: float,
    loss_range: tuple[float, float] = (0.0, 1.0),
) -> float:
    """Occam bound on the true risk for a loss bounded in [a, b] (Hoeffding form).

    With probability >= 1 - delta, simultaneously for every hypothesis h with code length C(h):
    R(h) <= R_hat(h) + (b - a) * sqrt((C(h) ln 2 + ln(1/delta)) / (2n)).
    Assumes each example's loss lies in [a, b] and the n examples are i.i.d. The result is not
    clipped to b: a value >= b says the bound is vacuous.

    Args:
        empirical_risk: mean loss over the n examples, in [a, b] (units of the loss, e.g. bits
            per token for a smoothed log-loss).
        n: number of i.i.d. examples (for language models: documents).
        bits: code length C(h) of the hypothesis, in bits (>= 0).
        delta: failure probability, in (0, 1).
        loss_range: (a, b), the range of a single example's loss, a < b, both finite.

    Returns:
        Upper bound on the true risk, in the units of the loss.

    Example:
        >>> round(hoeffding_bound(0.1, n=1000, bits=100, delta=0.05), 4)
        0.2901
        >>> round(hoeffding_bound(3.0, n=1000, bits=100, delta=0.05, loss_range=(0.0, 10.0)), 3)
        4.901

    Reference:
        W. Hoeffding, Probability Inequalities for Sums of Bounded Random Variables, JASA 58
        (1963); S. Lotfi et al., Non-Vacuous Generalization Bounds for Large Language Models,
        ICML 2024 (arXiv:2312.17173).
    """
    range_hint = "loss_range is (a, b), the range of one example's loss: pass finite a < b"
    try:
        a, b = loss_range
    except (TypeError, ValueError):
        raise ValueError(f"loss_range must be a pair (a, b), got {loss_range!r}; {range_hint}")
    a = check_real(a, "loss_range[0]", range_hint)
    b = check_real(b, "loss_range[1]", range_hint)
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ValueError(f"loss_range must satisfy finite a < b, got {(a, b)!r}; {range_hint}")
    risk_hint = f"the empirical risk is the mean loss, which lies in loss_range {(a, b)!r}"
    r = check_real(empirical_risk, "empirical_risk", risk_hint)
    if not a <= r <= b:
        raise ValueError(f"empirical_risk must be in [{a}, {b}], got {r!r}; {risk_hint}")
    c = occam_complexity(n, bits, delta)
    return r + (b - a) * math.sqrt(c / 2.0)


def _occam_complexity(n: int, bits: float, delta: float) -> float:
    return (bits * math.log(2.0) + math.log(1.0 / delta)) / n
