"""Argument checks for the public functions of genlab.bounds.

Each check runs once, where a user's number enters the package; the private helpers that do the
arithmetic trust their inputs.
"""

import math
import numbers


def check_real(value, name: str, hint: str) -> float:
    """Return ``value`` as a float, rejecting non-numbers, booleans and NaN."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number, got {value!r} of type {type(value).__name__}; {hint}"
        )
    x = float(value)
    if math.isnan(x):
        raise ValueError(f"{name} is NaN; {hint}")
    return x


def check_probability(value, name: str, hint: str) -> float:
    """A number in the closed interval [0, 1]."""
    x = check_real(value, name, hint)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {x!r}; {hint}")
    return x


def check_delta(delta, name: str = "delta") -> float:
    """A failure probability in the open interval (0, 1)."""
    hint = "it is the probability that the bound fails: pass a value in (0, 1), e.g. 0.05"
    x = check_real(delta, name, hint)
    if not 0.0 < x < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {x!r}; {hint}")
    return x


def check_nonnegative(value, name: str, hint: str, allow_inf: bool = False) -> float:
    """A number >= 0; finite unless ``allow_inf``."""
    x = check_real(value, name, hint)
    if x < 0.0 or (math.isinf(x) and not allow_inf):
        bound = "a value >= 0" if allow_inf else "a finite value >= 0"
        raise ValueError(f"{name} must be {bound}, got {x!r}; {hint}")
    return x


def check_positive_int(value, name: str, hint: str) -> int:
    """An integer >= 1 (Python or NumPy integer; floats and booleans are rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}; "
            f"{hint}"
        )
    k = int(value)
    if k < 1:
        raise ValueError(f"{name} must be a positive integer, got {k}; {hint}")
    return k


N_HINT = "n is the number of i.i.d. examples the empirical risk was measured on: pass an int >= 1"
RISK_HINT = (
    "the empirical 0-1 risk is a fraction of errors: pass a value in [0, 1] "
    "(for other bounded losses use hoeffding_bound with loss_range)"
)
BITS_HINT = "bits is the code length of the hypothesis, in bits: pass a finite value >= 0"
KL_HINT = (
    "kl_divergence is KL(Q||P) in nats: pass a finite value >= 0 "
    "(for a point-mass posterior on a coded model it is bits * ln 2)"
)
