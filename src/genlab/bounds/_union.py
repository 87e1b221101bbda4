"""Paying for choices made after seeing the data: in bits, or by splitting delta."""

import math
from collections.abc import Sequence

from genlab.bounds._checks import check_delta, check_positive_int, check_real


def union_bound_bits(num_choices: int) -> float:
    """Bits to name one of K configurations fixed in advance (uniform prior over them).

    C = log2(K); adding C to a hypothesis' code length pays for trying K configurations and
    keeping the best (equivalently, delta / K per configuration).

    Args:
        num_choices: K, the number of configurations, >= 1, fixed before seeing the data.

    Returns:
        log2(K) in bits (0.0 for K = 1).

    Example:
        >>> union_bound_bits(1), union_bound_bits(8)
        (0.0, 3.0)
        >>> round(union_bound_bits(10), 4)
        3.3219

    Reference:
        J. Langford, Tutorial on Practical Prediction Theory for Classification, JMLR 6 (2005),
        Sec. 4.
    """
    k = check_positive_int(
        num_choices,
        "num_choices",
        "num_choices is the number of configurations tried: pass an int >= 1",
    )
    return math.log2(k)


def split_delta(delta: float, weights: Sequence[float]) -> list[float]:
    """Split a failure probability among several bounds, in proportion to weights.

    delta_i = delta * w_i / sum_j w_j, so that sum_i delta_i = delta and all bounds hold together
    with probability >= 1 - delta (union bound). Float rounding is corrected downwards: the exact
    sum of the returned parts never exceeds delta.

    Args:
        delta: total failure probability, in (0, 1).
        weights: one positive finite weight per bound (any scale).

    Returns:
        The list of delta_i, same length and order as weights.

    Example:
        >>> split_delta(0.05, [1, 1])
        [0.025, 0.025]
        >>> [round(d, 6) for d in split_delta(0.1, [3, 1])]
        [0.075, 0.025]

    Reference:
        S. Lotfi et al., Non-Vacuous Generalization Bounds for Large Language Models, ICML 2024
        (arXiv:2312.17173), subsampling with delta = delta_1 + delta_2.
    """
    delta = check_delta(delta)
    hint = "weights are the shares of delta: pass a non-empty sequence of finite values > 0"
    if isinstance(weights, (str, bytes)):
        raise TypeError(f"weights must be a sequence of numbers, got {weights!r}; {hint}")
    ws = [check_real(w, f"weights[{i}]", hint) for i, w in enumerate(weights)]
    if not ws:
        raise ValueError(f"weights is empty; {hint}")
    for i, w in enumerate(ws):
        if not (0.0 < w < math.inf):
            raise ValueError(
                f"weights[{i}] must be finite and > 0, got {w!r}; {hint} "
                "(drop a bound instead of giving it weight 0)"
            )
    total = math.fsum(ws)
    parts = [delta * w / total for w in ws]
    # fsum(parts + [-delta]) is the exact sum minus delta, correctly rounded, so its sign is exact.
    while math.fsum(parts + [-delta]) > 0.0:
        i = max(range(len(parts)), key=parts.__getitem__)
        parts[i] = math.nextafter(parts[i], 0.0)
    return parts
