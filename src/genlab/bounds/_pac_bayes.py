"""PAC-Bayes bounds on the risk of a stochastic predictor Q, for a 0-1 (or [0, 1]) loss.

Both bounds hold with probability >= 1 - delta simultaneously for every posterior Q, given a
prior P fixed before seeing the n i.i.d. examples. For a point mass on a model coded in C bits
under the prior P(h) = 2^-C(h), KL(Q || P) = C ln 2.
"""

import math

import numpy as np

from genlab.bounds._checks import (
    KL_HINT,
    N_HINT,
    RISK_HINT,
    check_delta,
    check_nonnegative,
    check_positive_int,
    check_probability,
    check_real,
)
from genlab.bounds._kl import _kl_inverse

# Catoni's beta is optimised over this grid, fixed before seeing the data; each point gets
# delta / 64 so that the minimum over the grid is still a valid bound (union bound).
_CATONI_BETAS = np.geomspace(0.01, 100.0, 64)


def pac_bayes_kl_bound(empirical_risk: float, n: int, kl_divergence: float, delta: float) -> float:
    """PAC-Bayes-kl bound (Maurer/Seeger) on the true risk of a posterior Q.

    kl(R_hat(Q) || R(Q)) <= (KL(Q || P) + ln(2 sqrt(n) / delta)) / n, hence
    R(Q) <= kl^-1(R_hat(Q), (KL(Q || P) + ln(2 sqrt(n) / delta)) / n).
    Assumes a loss in [0, 1] and n i.i.d. examples (2 sqrt(n) bounds Maurer's xi(n) for all
    n >= 1).

    Args:
        empirical_risk: empirical risk of Q (expected over Q, averaged over the n examples),
            in [0, 1].
        n: number of i.i.d. examples.
        kl_divergence: KL(Q || P), in nats (>= 0).
        delta: failure probability, in (0, 1).

    Returns:
        Upper bound on the true risk of Q, in [empirical_risk, 1].

    Example:
        >>> round(pac_bayes_kl_bound(0.1, n=1000, kl_divergence=50.0, delta=0.05), 4)
        0.23

    Reference:
        A. Maurer, A Note on the PAC Bayesian Theorem, arXiv:cs/0411099 (2004);
        M. Seeger, PAC-Bayesian Generalisation Error Bounds for Gaussian Process
        Classification, JMLR 3 (2002).
    """
    r = check_probability(empirical_risk, "empirical_risk", RISK_HINT)
    n = check_positive_int(n, "n", N_HINT)
    kl = check_nonnegative(kl_divergence, "kl_divergence", KL_HINT)
    delta = check_delta(delta)
    c = (kl + math.log(2.0 * math.sqrt(n) / delta)) / n
    return _kl_inverse(r, c)


def catoni_bound(
    empirical_risk: float,
    n: int,
    kl_divergence: float,
    delta: float,
    beta: float | None = None,
) -> float:
    """Catoni's PAC-Bayes bound on the true risk of a posterior Q.

    For a fixed beta > 0 (beta = lambda / n in Catoni's notation):
    R(Q) <= (1 - exp(-beta R_hat(Q) - (KL(Q || P) + ln(1/delta)) / n)) / (1 - exp(-beta)).
    With beta=None the bound is minimised over 64 values of beta, geometrically spaced in
    [0.01, 100] and fixed in advance, each taken at confidence delta / 64 (union bound), so the
    result holds with probability >= 1 - delta; the grid costs ln 64 nats, which can exceed what
    the optimisation gains (see the Example). Assumes a loss in [0, 1] and n i.i.d. examples.
    The result is clipped to 1 (a trivial bound for such a loss).

    Args:
        empirical_risk: empirical risk of Q, in [0, 1].
        n: number of i.i.d. examples.
        kl_divergence: KL(Q || P), in nats (>= 0).
        delta: failure probability, in (0, 1).
        beta: the trade-off parameter, > 0, fixed before seeing the data; None optimises it
            over the grid above.

    Returns:
        Upper bound on the true risk of Q, in [0, 1].

    Example:
        >>> round(catoni_bound(0.1, n=1000, kl_divergence=50.0, delta=0.05, beta=1.0), 4)
        0.2244
        >>> round(catoni_bound(0.1, n=1000, kl_divergence=50.0, delta=0.05), 4)  # grid, delta/64
        0.2303

    Reference:
        O. Catoni, PAC-Bayesian Supervised Classification: The Thermodynamics of Statistical
        Learning, IMS Lecture Notes 56 (2007), Thm. 1.2.6.
    """
    r = check_probability(empirical_risk, "empirical_risk", RISK_HINT)
    n = check_positive_int(n, "n", N_HINT)
    kl = check_nonnegative(kl_divergence, "kl_divergence", KL_HINT)
    delta = check_delta(delta)
    if beta is None:
        betas = _CATONI_BETAS
        delta = delta / betas.size
    else:
        beta_hint = "beta weighs risk against complexity: pass a finite value > 0, or None"
        beta = check_real(beta, "beta", beta_hint)
        if not (0.0 < beta < math.inf):
            raise ValueError(f"beta must be finite and > 0, got {beta!r}; {beta_hint}")
        betas = np.array([beta])
    # (1 - exp(-x)) / (1 - exp(-y)) as expm1(-x) / expm1(-y) keeps precision for small x, y.
    values = np.expm1(-betas * r - (kl + math.log(1.0 / delta)) / n) / np.expm1(-betas)
    return float(min(1.0, values.min()))
