"""The binary KL divergence and its upper inverse, the core of the kl-form bounds."""

import math

from genlab.bounds._checks import check_nonnegative, check_probability, check_real


def kl_bernoulli(q: float, p: float) -> float:
    """KL divergence between Bernoulli(q) and Bernoulli(p), in nats.

    kl(q || p) = q ln(q/p) + (1-q) ln((1-q)/(1-p)), with 0 ln 0 = 0, so kl(q || q) = 0 and
    kl(q || p) = +inf when p is 0 or 1 and q != p.

    Args:
        q: mean of the first Bernoulli (e.g. an empirical risk), in [0, 1].
        p: mean of the second Bernoulli (e.g. a true risk), in [0, 1].

    Returns:
        The divergence in nats, in [0, inf].

    Example:
        >>> round(kl_bernoulli(0.5, 0.25), 6)  # 0.5 ln(4/3)
        0.143841
        >>> kl_bernoulli(0.0, 0.5) == math.log(2)
        True
        >>> kl_bernoulli(0.3, 1.0)
        inf

    Reference:
        T. Cover and J. Thomas, Elements of Information Theory, 2nd ed. (2006), Sec. 2.3.
    """
    hint = "kl_bernoulli takes two Bernoulli means: pass values in [0, 1]"
    return _kl(check_probability(q, "q", hint), check_probability(p, "p", hint))


def kl_inverse(q: float, c: float, tol: float = 1e-12) -> float:
    """Upper inverse of the binary KL divergence: the largest p with kl(q || p) <= c.

    kl^-1(q, c) = max{p in [q, 1] : kl(q || p) <= c}, found by bisection on [q, 1] (kl(q || .)
    is increasing there). The upper end of the final bracket is returned, so the result is never
    below the true inverse (up to float rounding): a bound built on it errs on the safe side.
    Special cases: q == 1 gives 1.0, c == 0 gives q, and c so large that the inverse is within
    one float step of 1 gives 1.0. Closed form for q = 0: kl^-1(0, c) = 1 - exp(-c).

    Args:
        q: the empirical risk (a Bernoulli mean), in [0, 1].
        c: the allowed divergence, in nats, >= 0 (inf allowed).
        tol: width of the final bisection bracket; the result is in [p*, p* + tol].

    Returns:
        kl^-1(q, c), in [q, 1].

    Example:
        >>> round(kl_inverse(0.0, math.log(2)), 9)  # 1 - exp(-ln 2)
        0.5
        >>> round(kl_inverse(0.1, 0.05), 6)
        0.220079
        >>> kl_inverse(0.2, 0.0), kl_inverse(1.0, 0.3)
        (0.2, 1.0)

    Reference:
        J. Langford, Tutorial on Practical Prediction Theory for Classification, JMLR 6 (2005),
        Sec. 3 (the "binomial tail" / kl inversion).
    """
    q = check_probability(q, "q", "q is an empirical risk: pass a value in [0, 1]")
    c = check_nonnegative(c, "c", "c is a divergence in nats: pass a value >= 0", allow_inf=True)
    tol_hint = "tol is the width of the final bisection bracket: pass a value in (0, 1), e.g. 1e-12"
    tol = check_real(tol, "tol", tol_hint)
    if not 0.0 < tol < 1.0:
        raise ValueError(f"tol must be in (0, 1), got {tol!r}; {tol_hint}")
    return _kl_inverse(q, c, tol)


def _kl(q: float, p: float) -> float:
    if q == p:
        return 0.0
    if p <= 0.0 or p >= 1.0:
        return math.inf
    out = 0.0
    if q > 0.0:
        out += q * math.log(q / p)
    if q < 1.0:
        # Near p == q the ratio (1-q)/(1-p) is close to 1 and log loses the small difference;
        # log1p keeps it. Near p == 1 the log1p argument is close to -1 and the ratio is better.
        if 1.0 - p < 0.5 * (1.0 - q):
            out += (1.0 - q) * math.log((1.0 - q) / (1.0 - p))
        else:
            out -= (1.0 - q) * math.log1p((q - p) / (1.0 - q))
    return max(out, 0.0)


def _kl_inverse(q: float, c: float, tol: float = 1e-12) -> float:
    if q >= 1.0:
        return 1.0
    if c == 0.0:
        return q
    # Invariant: kl(q || lo) <= c < kl(q || hi); kl(q || 1) = inf for q < 1.
    lo, hi = q, 1.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _kl(q, mid) <= c:
            lo = mid
        else:
            hi = mid
    return hi
