"""Bounds for language models: smoothed log-loss in bits, per document or per token.

Log-loss is unbounded, so the model's next-token distribution is mixed with the uniform one
(prediction smoothing); the smoothed loss -log2 p_alpha lies in a known range [a, b], and the
bounded-loss Occam bounds apply. Two ways to count examples:

- document level (Lotfi et al. 2023): documents are the i.i.d. units, a document's loss is its
  mean smoothed loss per token; the empirical risk may be estimated on m of the n training
  documents drawn uniformly without replacement, at the price of a second deviation term;
- token level (Lotfi et al. 2024): every token prediction is a step of a martingale, so the
  sample size is the number N of training tokens; what is bounded is a conditional risk on the
  training contexts (see token_level_bound).

All losses are in bits (log base 2). The smoothing weight alpha, when picked from a grid after
seeing the data, is a choice to pay for: add union_bound_bits(len(grid)) to the code length.
"""

import math
from dataclasses import asdict, dataclass

import numpy as np

from genlab.bounds._checks import (
    BITS_HINT,
    check_delta,
    check_nonnegative,
    check_positive_int,
    check_probability,
    check_real,
)
from genlab.bounds._codes import elias_gamma_bits
from genlab.bounds._kl import _kl_inverse
from genlab.bounds._occam import _occam_complexity, hoeffding_bound
from genlab.bounds._union import split_delta

_ALPHA_HINT = (
    "alpha is the weight of the uniform distribution in the smoothed prediction "
    "(1 - alpha) p + alpha / V: pass a value in (0, 1), e.g. 0.1"
)
_VOCAB_HINT = "vocab_size is the number V of tokens in the vocabulary: pass an int >= 2"
_RANGE_HINT = (
    "loss_range is (a, b), the range of one example's loss, e.g. "
    "smoothed_loss_range(alpha, vocab_size): pass finite a < b"
)
_SHARE_HINT = (
    "sample_share is the fraction of delta spent on the subsampling step: pass a value in (0, 1)"
)
_SUM_TOLERANCE = 1e-4


@dataclass(frozen=True)
class LanguageBound:
    """A language-model bound with every number needed to recompute it.

    bound = empirical + sampling_term + complexity_term (up to float rounding), where
    empirical + sampling_term is an upper bound on the mean loss over all n units and
    complexity_term pays for the code length and delta_bound.

    Attributes:
        bound: upper bound on the risk, in the units of the loss (bits per token for the
            smoothed log-loss, a fraction for top-k error); not clipped, >= b means vacuous.
        empirical: mean loss over the m sampled units (documents or tokens).
        sampling_term: increase from the sample mean to the upper bound on the mean over all
            n units; 0.0 when m == n.
        complexity_term: increase from that upper bound to the bound on the risk.
        n: number of units in the training set (documents, or tokens for a token-level bound).
        m: number of units the empirical loss was measured on, m <= n.
        bits: code length of the model, in bits, all choices included.
        delta: total failure probability, delta_bound + delta_sample <= delta.
        delta_bound: failure probability of the generalization step.
        delta_sample: failure probability of the subsampling step (0.0 when m == n).
        loss_range: (a, b), the range of one unit's loss.
        method: which bound: "document_hoeffding", "document_kl", "document_bernstein",
            "document_split_kl" or "token_azuma_hoeffding".
        sample_choices: number of losses (e.g. smoothing weights alpha of a grid) whose sampling
            steps hold simultaneously, each at delta_sample / sample_choices: a loss picked
            among them after the sample was seen is covered (1 when m == n or no choice).
        n_bits: bits paying for a random n, added to bits in the complexity term:
            elias_gamma_bits(N) for a token-level bound (N, the number of training tokens, is
            random), 0 where n is fixed (documents).
        variance: the unbiased sample variance of the n losses (document_bernstein only).
        tails: the fractions of the m losses above each of the K thresholds
            (document_split_kl only).
    """

    bound: float
    empirical: float
    sampling_term: float
    complexity_term: float
    n: int
    m: int
    bits: float
    delta: float
    delta_bound: float
    delta_sample: float
    loss_range: tuple[float, float]
    method: str
    sample_choices: int = 1
    n_bits: int = 0
    variance: float | None = None
    tails: list | None = None

    def to_dict(self) -> dict:
        """The fields as plain JSON-ready Python values (loss_range as a list [a, b])."""
        data = asdict(self)
        data["loss_range"] = list(self.loss_range)
        return data


# --- prediction smoothing -------------------------------------------------------------------


def smoothed_loss_range(alpha: float, vocab_size: int) -> tuple[float, float]:
    """Range [a, b] of the smoothed per-token log-loss, in bits per token.

    With p_alpha(y|x) = (1 - alpha) p(y|x) + alpha / V and p(y|x) in [0, 1], the loss
    -log2 p_alpha(y|x) lies in [a, b] = [-log2(1 - alpha + alpha / V), log2(V / alpha)];
    a is reached when p(y|x) = 1, b when p(y|x) = 0. Any average of such losses (a document's
    mean loss per token) lies in the same range.

    Args:
        alpha: weight of the uniform distribution, in (0, 1).
        vocab_size: V, the number of tokens in the vocabulary, >= 2.

    Returns:
        (a, b) in bits per token, 0 < a < b.

    Example:
        >>> a, b = smoothed_loss_range(0.5, 2)  # p_alpha in [1/4, 3/4]
        >>> round(a, 6), b
        (0.415037, 2.0)

    Reference:
        S. Lotfi et al., Non-Vacuous Generalization Bounds for Large Language Models, ICML 2024
        (arXiv:2312.17173), Sec. 4 (prediction smoothing).
    """
    alpha = _check_alpha(alpha)
    vocab_size = _check_vocab_size(vocab_size)
    return _smoothed_loss_range(alpha, vocab_size)


def smooth_probabilities(p, alpha: float) -> np.ndarray:
    """Mix next-token distributions with the uniform distribution (prediction smoothing).

    p_alpha = (1 - alpha) p + alpha / V over the last axis, whose length is the vocabulary
    size V. Each row of the result is a distribution with every entry in
    [alpha / V, 1 - alpha + alpha / V].

    Args:
        p: array of probabilities, shape (..., V) with V >= 2; each row sums to 1
            (within 1e-4) and has entries in [0, 1].
        alpha: weight of the uniform distribution, in (0, 1).

    Returns:
        The smoothed probabilities, float64, same shape as p.

    Example:
        >>> smooth_probabilities([1.0, 0.0], alpha=0.5).tolist()
        [0.75, 0.25]

    Reference:
        S. Lotfi et al., Non-Vacuous Generalization Bounds for Large Language Models, ICML 2024
        (arXiv:2312.17173), Sec. 4 (prediction smoothing).
    """
    alpha = _check_alpha(alpha)
    hint = (
        "p holds next-token distributions over the last axis (shape (..., V), V >= 2, "
        "entries in [0, 1], rows summing to 1): apply softmax first"
    )
    p = np.asarray(p, dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] < 2:
        raise ValueError(f"p must have a last axis of length V >= 2, got shape {p.shape}; {hint}")
    if not np.all(np.isfinite(p)) or p.min() < 0.0 or p.max() > 1.0:
        raise ValueError(f"p must have finite entries in [0, 1]; {hint}")
    worst = float(np.max(np.abs(p.sum(axis=-1) - 1.0)))
    if worst > _SUM_TOLERANCE:
        raise ValueError(f"the rows of p must sum to 1, one is off by {worst:.3g}; {hint}")
    return (1.0 - alpha) * p + alpha / p.shape[-1]


def smoothed_log2_loss(p_true_token, alpha: float, vocab_size: int):
    """Smoothed log-loss of the observed next tokens, in bits per token.

    l = -log2((1 - alpha) p + alpha / V), elementwise, where p is the probability the model gave
    to the token that actually came next. l lies in smoothed_loss_range(alpha, V).

    Args:
        p_true_token: probability (or array of probabilities) of the observed tokens under the
            unsmoothed model, in [0, 1].
        alpha: weight of the uniform distribution, in (0, 1).
        vocab_size: V, the number of tokens in the vocabulary, >= 2.

    Returns:
        The loss in bits: a float for a scalar input, else a float64 array of the input's shape.

    Example:
        >>> smoothed_log2_loss(0.0, alpha=0.5, vocab_size=2)  # log2(V / alpha)
        2.0
        >>> smoothed_log2_loss([1.0, 0.5], alpha=0.5, vocab_size=2).round(6).tolist()
        [0.415037, 1.0]

    Reference:
        S. Lotfi et al., Non-Vacuous Generalization Bounds for Large Language Models, ICML 2024
        (arXiv:2312.17173), Sec. 4 (prediction smoothing).
    """
    alpha = _check_alpha(alpha)
    vocab_size = _check_vocab_size(vocab_size)
    p = np.asarray(p_true_token, dtype=np.float64)
    if not np.all(np.isfinite(p)) or (p.size and (p.min() < 0.0 or p.max() > 1.0)):
        raise ValueError(
            "p_true_token must hold probabilities in [0, 1]; pass the unsmoothed model's "
            "probability of each observed token (softmax, not logits)"
        )
    loss = -np.log2((1.0 - alpha) * p + alpha / vocab_size)
    return float(loss) if loss.ndim == 0 else loss


# --- document level -------------------------------------------------------------------------


def document_level_bound(
    empirical_loss: float,
    n: int,
    bits: float,
    delta: float,
    loss_range: tuple[float, float],
) -> float:
    """Occam bound on the expected smoothed loss of a fresh document (Hoeffding form).

    With probability >= 1 - delta over n i.i.d. training documents, simultaneously for every
    model h with code length C(h):
    R(h) <= R_hat(h) + (b - a) sqrt((C(h) ln 2 + ln(1/delta)) / (2n)),
    where a document's loss is its mean smoothed loss per token, in [a, b], R_hat is its mean over
    the n documents and R its expectation over a fresh document. This is hoeffding_bound with
    documents as the examples; loss_range is required so the range is always stated.

    Args:
        empirical_loss: mean over the n documents of the per-document mean loss, in [a, b]
            (bits per token for the smoothed log-loss).
        n: number of i.i.d. training documents, >= 1.
        bits: code length C(h) of the model, in bits (>= 0), alpha's grid included.
        delta: failure probability, in (0, 1).
        loss_range: (a, b), e.g. smoothed_loss_range(alpha, vocab_size).

    Returns:
        Upper bound on the expected per-document loss, in the loss's units (not clipped to b).

    Example:
        >>> rng = smoothed_loss_range(0.1, 50257)
        >>> round(document_level_bound(3.0, n=100_000, bits=10_000, delta=0.05, loss_range=rng), 4)
        6.4982

    Reference:
        S. Lotfi et al., Non-Vacuous Generalization Bounds for Large Language Models, ICML 2024
        (arXiv:2312.17173), Eq. (2); W. Hoeffding, JASA 58 (1963).
    """
    return hoeffding_bound(empirical_loss, n, bits, delta, loss_range)


def document_bernstein_bound(
    empirical_loss: float,
    variance: float,
    n: int,
    bits: float,
    delta: float,
    loss_range: tuple[float, float],
) -> LanguageBound:
    """Occam bound on the expected loss of a fresh document, empirical Bernstein form.

    With probability >= 1 - delta over n i.i.d. training documents, simultaneously for every
    model h with code length C(h):
    R(h) <= R_hat(h) + sqrt(2 V_n(h) L / n) + 7 (b - a) L / (3 (n - 1)),
    L = C(h) ln 2 + ln(2 / delta),
    where a document's loss lies in [a, b], R_hat is its mean over the n documents and V_n the
    unbiased sample variance of the n losses, (1 / (n (n - 1))) sum_(i<j) (x_i - x_j)^2. This is
    Maurer and Pontil's Theorem 4 (rescaled from [0, 1] to [a, b]) at delta 2^-C(h) for each h,
    joined by the union bound over the prefix-free code. When the documents' losses vary much
    less than their range (per-document mean losses do), it is far below the Hoeffding form
    (document_level_bound); at the worst variance ((b - a)^2 / 4) it is above it. Every document
    is scored: there is no subsampling step.

    Args:
        empirical_loss: mean over the n documents of the per-document loss, in [a, b].
        variance: unbiased sample variance of the n per-document losses, in squared loss units,
            in [0, n (b - a)^2 / (4 (n - 1))].
        n: number of i.i.d. training documents, >= 2.
        bits: code length C(h) of the model, in bits (>= 0), alpha's grid included.
        delta: failure probability, in (0, 1).
        loss_range: (a, b), e.g. smoothed_loss_range(alpha, vocab_size).

    Returns:
        A LanguageBound (method "document_bernstein", m = n, sampling_term 0, variance set).

    Example:
        >>> out = document_bernstein_bound(3.0, 1.0, n=1_000_000, bits=10_000, delta=0.05,
        ...                                loss_range=(0.0, 10.0))
        >>> round(out.bound, 4), round(out.complexity_term, 4)
        (3.2796, 0.2796)

    Reference:
        A. Maurer and M. Pontil, Empirical Bernstein Bounds and Sample Variance Penalization,
        COLT 2009 (arXiv:0907.3740), Theorem 4.
    """
    a, b = _check_loss_range(loss_range)
    r = _check_mean(empirical_loss, "empirical_loss", a, b)
    n = check_positive_int(n, "n", "n is the number of training documents: pass an int >= 2")
    if n < 2:
        raise ValueError(f"n must be >= 2 for a sample variance, got {n}; score at least two documents")
    bits = check_nonnegative(bits, "bits", BITS_HINT)
    delta = check_delta(delta)
    most = n * (b - a) ** 2 / (4 * (n - 1))
    v = check_real(variance, "variance", f"the unbiased sample variance of losses in {(a, b)!r} lies in [0, {most:.6g}]")
    if not 0.0 <= v <= most * (1 + 1e-9):
        raise ValueError(f"variance must lie in [0, {most:.6g}] for losses in {(a, b)!r} (the unbiased sample variance of the n per-document losses), got {v!r}")
    big_l = bits * math.log(2.0) + math.log(2.0 / delta)
    complexity = math.sqrt(2.0 * v * big_l / n) + 7.0 * (b - a) * big_l / (3.0 * (n - 1))
    return LanguageBound(
        bound=r + complexity, empirical=r, sampling_term=0.0, complexity_term=complexity,
        n=n, m=n, bits=bits, delta=delta, delta_bound=delta, delta_sample=0.0,
        loss_range=(a, b), method="document_bernstein", variance=v,
    )


def split_kl_tails(losses, loss_range: tuple[float, float], splits: int) -> np.ndarray:
    """The fractions of losses above each threshold a + j (b - a) / K, j = 0..K-1 (K = splits):
    the input of document_split_kl_bound.

    Args:
        losses: the m per-document losses, each in [a, b].
        loss_range: (a, b).
        splits: K, the number of thresholds (steps of width (b - a) / K).

    Returns:
        float64 array of K fractions, non-increasing, in [0, 1].

    Example:
        >>> split_kl_tails([0.0, 0.3, 0.6, 1.0], (0.0, 1.0), 4).tolist()
        [0.75, 0.75, 0.5, 0.25]

    Reference:
        Y.-S. Wu and Y. Seldin, Split-kl and PAC-Bayes-split-kl Inequalities for Ternary Random
        Variables, NeurIPS 2022.
    """
    a, b = _check_loss_range(loss_range)
    k = check_positive_int(splits, "splits", "splits is the number K of thresholds: pass an int >= 1")
    x = np.sort(np.asarray(losses, dtype=np.float64))
    slack = 1e-9 * (b - a)  # a loss computed at an end of the range may round a hair beyond it
    if x.size == 0 or not np.all(np.isfinite(x)) or x[0] < a - slack or x[-1] > b + slack:
        raise ValueError(f"losses must be a non-empty array of finite values in {(a, b)!r}")
    thresholds = a + (b - a) * np.arange(k) / k
    return 1.0 - np.searchsorted(x, thresholds, side="right") / x.size


def document_split_kl_bound(
    tails,
    m: int,
    n: int,
    bits: float,
    delta: float,
    loss_range: tuple[float, float],
    sample_share: float = 0.5,
    sample_choices: int = 1,
) -> LanguageBound:
    """Document-level bound from the kl bound on K binary losses (split-kl): tight when the
    documents' losses spread over a small part of their range.

    Thresholds t_j = a + j (b - a) / K, j = 0..K-1, cut [a, b] into K steps of width w. Every loss
    x in [a, b] satisfies x <= a + w sum_j 1[x > t_j] (x rounded up to the next threshold), so
    R(h) <= a + w sum_j P(loss > t_j), and each P(loss > t_j) is the risk of a 0-1 loss.
    With delta_bound, delta_sample = split_delta(delta, [1 - sample_share, sample_share]) (all of
    delta to the bound when m == n) and q_j the fraction of the m sampled documents whose loss
    exceeds t_j (split_kl_tails), with probability >= 1 - delta, simultaneously for every h:
    1. sampling (Chernoff/kl, valid without replacement by Hoeffding 1963, Thm. 4), for all j and
       all sample_choices = S losses at once: Q_j <= V_j = kl^-1(q_j, ln(K S / delta_sample) / m)
       (V_j = q_j when m == n), Q_j the fraction over all n documents;
    2. Occam-kl for each of the K binary losses, delta_bound / K each:
       P(loss > t_j) <= kl^-1(V_j, (C(h) ln 2 + ln(K / delta_bound)) / n);
    so R(h) <= a + w sum_j kl^-1(V_j, (C(h) ln 2 + ln(K / delta_bound)) / n). The
    discretisation costs at most w; the K-fold union costs ln K nats, next to C(h) ln 2.

    Args:
        tails: the K fractions q_j, non-increasing, in [0, 1] (split_kl_tails of the m
            per-document losses).
        m: number of sampled documents, 1 <= m <= n.
        n: number of i.i.d. training documents.
        bits: code length C(h) of the model, in bits (>= 0), alpha's grid included.
        delta: total failure probability, in (0, 1).
        loss_range: (a, b), e.g. smoothed_loss_range(alpha, vocab_size).
        sample_share: fraction of delta spent on the sampling step when m < n, in (0, 1).
        sample_choices: S, the number of losses (alphas) the sampling step covers at once.

    Returns:
        A LanguageBound (method "document_split_kl"; empirical = a + w sum_j q_j, the sample's
        mean loss rounded up to the thresholds; tails recorded).

    Example:
        >>> tails = split_kl_tails([2.9, 3.0, 3.1] * 1000, (0.0, 10.0), 100)
        >>> round(document_split_kl_bound(tails, 3000, 3000, 100, 0.05, (0.0, 10.0)).bound, 4)
        3.1958

    Reference:
        Y.-S. Wu and Y. Seldin, Split-kl and PAC-Bayes-split-kl Inequalities for Ternary Random
        Variables, NeurIPS 2022 (the split into binary parts); J. Langford, Tutorial on
        Practical Prediction Theory for Classification, JMLR 6 (2005) (Occam-kl).
    """
    a, b = _check_loss_range(loss_range)
    q = np.asarray(tails, dtype=np.float64)
    if q.ndim != 1 or q.size < 1 or not np.all(np.isfinite(q)) or q.min() < 0 or q.max() > 1 or np.any(np.diff(q) > 1e-12):
        raise ValueError("tails must be a non-empty, non-increasing array of fractions in [0, 1]: pass split_kl_tails(losses, loss_range, K)")
    m, n = _check_m_n(m, n, "m", "n")
    bits = check_nonnegative(bits, "bits", BITS_HINT)
    delta = check_delta(delta)
    choices = _check_choices(sample_choices) if m < n else 1
    delta_bound, delta_sample = _split(delta, sample_share, m, n)
    k, width = q.size, (b - a) / q.size
    upper = q if m == n else _kl_inverse_each(q, math.log(k * choices / delta_sample) / m)
    risk = _kl_inverse_each(upper, (bits * math.log(2.0) + math.log(k / delta_bound)) / n)
    empirical = a + width * float(q.sum())
    sampled = a + width * float(upper.sum())
    bound = a + width * float(risk.sum())
    return LanguageBound(
        bound=bound, empirical=empirical, sampling_term=sampled - empirical, complexity_term=bound - sampled,
        n=n, m=m, bits=bits, delta=delta, delta_bound=delta_bound, delta_sample=delta_sample,
        loss_range=(a, b), method="document_split_kl", sample_choices=choices, tails=[float(x) for x in q],
    )


def subsample_upper(
    sample_mean: float,
    m: int,
    n: int,
    delta: float,
    loss_range: tuple[float, float],
) -> float:
    """Upper bound on the mean loss over all n units from m of them sampled without replacement.

    If the m units are drawn uniformly at random without replacement from the n, independently of
    everything else, then with probability >= 1 - delta over that draw:
    R_hat_n <= R_hat_m + (b - a) sqrt(ln(1/delta) / (2m)).
    Hoeffding's inequality holds for sampling without replacement (Hoeffding 1963, Thm. 4 and
    Sec. 6). With m == n there is nothing to estimate and sample_mean is returned unchanged.

    Args:
        sample_mean: mean loss over the m sampled units, in [a, b].
        m: number of sampled units, 1 <= m <= n.
        n: number of units in the full set.
        delta: failure probability of the sampling step, in (0, 1).
        loss_range: (a, b), the range of one unit's loss.

    Returns:
        Upper bound on the mean loss over all n units (not clipped to b).

    Example:
        >>> round(subsample_upper(3.0, m=10_000, n=1_000_000, delta=0.025, loss_range=(0, 10)), 4)
        3.1358
        >>> subsample_upper(3.0, m=500, n=500, delta=0.025, loss_range=(0, 10))
        3.0

    Reference:
        W. Hoeffding, Probability Inequalities for Sums of Bounded Random Variables, JASA 58
        (1963), Sec. 6; S. Lotfi et al., arXiv:2312.17173 (2023), Sec. 4 (subsampling).
    """
    a, b = _check_loss_range(loss_range)
    r = _check_mean(sample_mean, "sample_mean", a, b)
    m, n = _check_m_n(m, n, "m", "n")
    delta = check_delta(delta)
    return r + _sampling_term(m, n, delta, a, b)


def subsampled_document_bound(
    sample_mean: float,
    m: int,
    n: int,
    bits: float,
    delta: float,
    loss_range: tuple[float, float],
    sample_share: float = 0.5,
    sample_choices: int = 1,
) -> LanguageBound:
    """Document-level bound with the empirical loss estimated on m of the n documents.

    delta_bound, delta_sample = split_delta(delta, [1 - sample_share, sample_share]); with
    probability >= 1 - delta over the n i.i.d. documents and the uniform draw of m of them
    without replacement, simultaneously for every model h with code length C(h):
    R(h) <= R_hat_m + (b - a) sqrt(ln(1/delta_sample) / (2m))
                    + (b - a) sqrt((C(h) ln 2 + ln(1/delta_bound)) / (2n)).
    The subsample must be drawn after h is fixed, with randomness independent of the data. With
    m == n no delta is spent on sampling: delta_sample = 0, delta_bound = delta, and the result
    equals document_level_bound.

    A loss chosen after the sample was seen (the smoothing weight alpha picked from a grid of K by
    the smallest bound) needs the sampling step to hold for all K losses at once: pass
    sample_choices=K, and ln(K / delta_sample) replaces ln(1 / delta_sample); the choice's
    ceil(log2 K) bits still belong in bits (the generalization step pays for it too).

    Args:
        sample_mean: mean over the m sampled documents of the per-document mean loss, in [a, b].
        m: number of sampled documents, 1 <= m <= n.
        n: number of i.i.d. training documents.
        bits: code length C(h) of the model, in bits (>= 0), alpha's grid included.
        delta: total failure probability, in (0, 1).
        loss_range: (a, b), e.g. smoothed_loss_range(alpha, vocab_size).
        sample_share: fraction of delta spent on the sampling step when m < n, in (0, 1).
        sample_choices: K, the number of losses the sampling step covers at once (>= 1).

    Returns:
        A LanguageBound (method "document_hoeffding").

    Example:
        >>> out = subsampled_document_bound(3.0, m=10_000, n=1_000_000, bits=10_000,
        ...                                 delta=0.05, loss_range=(0.0, 10.0))
        >>> round(out.bound, 4), round(out.sampling_term, 4), out.delta_sample
        (3.7247, 0.1358, 0.025)

    Reference:
        S. Lotfi et al., Non-Vacuous Generalization Bounds for Large Language Models, ICML 2024
        (arXiv:2312.17173), Sec. 4 (subsampling); W. Hoeffding, JASA 58 (1963), Sec. 6.
    """
    return _two_stage_hoeffding(
        sample_mean, m, n, bits, delta, loss_range, sample_share, sample_choices,
        names=("sample_mean", "m", "n"), method="document_hoeffding",
    )


def subsampled_error_bound(
    sample_error: float,
    m: int,
    n: int,
    bits: float,
    delta: float,
    sample_share: float = 0.5,
) -> LanguageBound:
    """Document-level bound on top-k error (kl forms), estimated on m of the n documents.

    A document's top-k error is the fraction of its tokens not among the model's k most likely,
    in [0, 1]. With delta_bound, delta_sample = split_delta(delta, [1 - share, share]):
    1. sampling (Chernoff/kl bound, valid without replacement by Hoeffding 1963, Thm. 4):
       R_hat_n <= U = kl^-1(R_hat_m, ln(1/delta_sample) / m)   (U = R_hat_m when m == n);
    2. PAC-Bayes-kl (Maurer) with a point mass on the model, KL = C(h) ln 2, for a [0, 1] loss:
       R(h) <= kl^-1(U, (C(h) ln 2 + ln(2 sqrt(n) / delta_bound)) / n),
    using that kl^-1(q, c) increases with q. Together they hold with probability >= 1 - delta,
    simultaneously for every h. With m == n, delta_sample = 0 and delta_bound = delta.

    Args:
        sample_error: mean over the m sampled documents of the per-document top-k error, in
            [0, 1].
        m: number of sampled documents, 1 <= m <= n.
        n: number of i.i.d. training documents.
        bits: code length C(h) of the model, in bits (>= 0).
        delta: total failure probability, in (0, 1).
        sample_share: fraction of delta spent on the sampling step when m < n, in (0, 1).

    Returns:
        A LanguageBound (method "document_kl", loss_range (0.0, 1.0)), bound in [0, 1].

    Example:
        >>> out = subsampled_error_bound(0.4, m=10_000, n=1_000_000, bits=10_000, delta=0.05)
        >>> round(out.bound, 4), round(out.sampling_term, 4)
        (0.472, 0.0134)

    Reference:
        S. Lotfi et al., Non-Vacuous Generalization Bounds for Large Language Models, ICML 2024
        (arXiv:2312.17173), Sec. 4; A. Maurer, arXiv:cs/0411099 (2004); W. Hoeffding, JASA 58
        (1963), Sec. 6.
    """
    r = check_probability(
        sample_error, "sample_error",
        "the top-k error is a fraction of tokens: pass the sampled documents' mean in [0, 1]",
    )
    m, n = _check_m_n(m, n, "m", "n")
    bits = check_nonnegative(bits, "bits", BITS_HINT)
    delta = check_delta(delta)
    delta_bound, delta_sample = _split(delta, sample_share, m, n)
    upper = r if m == n else _kl_inverse(r, math.log(1.0 / delta_sample) / m)
    c = (bits * math.log(2.0) + math.log(2.0 * math.sqrt(n) / delta_bound)) / n
    bound = _kl_inverse(upper, c)
    return LanguageBound(
        bound=bound, empirical=r, sampling_term=upper - r, complexity_term=bound - upper,
        n=n, m=m, bits=bits, delta=delta, delta_bound=delta_bound, delta_sample=delta_sample,
        loss_range=(0.0, 1.0), method="document_kl",
    )


# --- token level ----------------------------------------------------------------------------


def token_level_bound(
    empirical_loss: float,
    n_tokens: int,
    bits: float,
    delta: float,
    loss_range: tuple[float, float],
    m_tokens: int | None = None,
    sample_share: float = 0.5,
    sample_choices: int = 1,
) -> LanguageBound:
    """Token-level bound (Azuma-Hoeffding): every token prediction is a data point.

    Setting. The training set is a sequence of documents; X_1, ..., X_N are their tokens in
    order, and N, the total, is random. Before token i is predicted, the document boundaries up
    to it are revealed: whether there is a token i at all and whether it starts a new document.
    F_(i-1) is what is known then (X_<i and those boundaries). l(h, X_i) is the smoothed loss in
    bits of model h on token i given the tokens of its own document before it (the context
    restarts at every document start), in [a, b].

    Statement. With probability >= 1 - delta, simultaneously for every h with prior 2^-C(h):
    (1/N) sum_i E[l(h, X_i) | F_(i-1)] <= (1/N) sum_i l(h, x_i)
        + (b - a) sqrt(((C(h) + g(N)) ln 2 + ln(1/delta)) / (2N)),
    where g(N) = elias_gamma_bits(N) pays for N being random (field n_bits). What is bounded is
    a conditional risk on the training contexts: the average, over the N training positions, of
    the model's expected next-token loss given the actual preceding tokens and the document
    boundaries. It is not the expected loss on a fresh document.

    Proof sketch. For fixed h, Z_i = 1[i <= N] (E[l(h, X_i) | F_(i-1)] - l(h, X_i)) is a
    martingale difference sequence ({i <= N} is known at i - 1) in an interval of length at most
    b - a given F_(i-1), so for every fixed k Azuma-Hoeffding gives P(Z_1 + ... + Z_k >= t) <=
    exp(-2 t^2 / (k (b - a)^2)). A union bound over every horizon k with weight 2^-g(k) (Elias
    gamma is prefix-free: the weights sum to at most 1) and over h with weight 2^-C(h) covers
    k = N whatever N turns out to be.

    Assumptions. (1) The tokens are one realisation of the random process whose conditional laws
    define E[. | F_(i-1)] (documents need not be independent of each other; the martingale runs
    over the whole sequence). (2) Each loss lies in [a, b], which prediction smoothing ensures:
    pass smoothed_loss_range(alpha, V). (3) The prefix-free code (the prior) is fixed before the
    data; h itself may then be chosen by any data-dependent rule. (4) The loss of h on token i
    depends on its document's earlier tokens only: the restart at document starts and the
    truncation of the context to the model's window are part of h.

    Subsampling. If m_tokens < N positions are drawn uniformly without replacement (after h is
    fixed, independently of the data) and empirical_loss is their mean, delta is split as
    split_delta(delta, [1 - sample_share, sample_share]) and (b - a) sqrt(ln(K/delta_sample) /
    (2 m_tokens)) is added (Hoeffding 1963, Sec. 6), K = sample_choices losses at once.

    Args:
        empirical_loss: mean smoothed loss per token over the m_tokens evaluated positions
            (all N when m_tokens is None), in [a, b] bits per token.
        n_tokens: N, the number of training token predictions.
        bits: code length C(h) of the model, in bits (>= 0), alpha's grid included.
        delta: total failure probability, in (0, 1).
        loss_range: (a, b), e.g. smoothed_loss_range(alpha, vocab_size).
        m_tokens: number of positions the empirical loss was measured on, 1 <= m_tokens <= N;
            None means all N.
        sample_share: fraction of delta spent on the sampling step when m_tokens < N, in (0, 1).
        sample_choices: K, the number of losses the sampling step covers at once (>= 1).

    Returns:
        A LanguageBound (method "token_azuma_hoeffding", n = N, m = m_tokens, n_bits = g(N)),
        bits per token.

    Example:
        >>> out = token_level_bound(3.0, n_tokens=10**8, bits=10**6, delta=0.05,
        ...                         loss_range=(0.0, 10.0))
        >>> round(out.bound, 4), round(out.complexity_term, 4), out.n_bits
        (3.5887, 0.5887, 53)

    Reference:
        S. Lotfi et al., Unlocking Tokens as Data Points for Generalization Bounds on Larger
        Language Models, NeurIPS 2024 (arXiv:2407.18158), token-level bounds; K. Azuma,
        Weighted Sums of Certain Dependent Random Variables, Tohoku Math. J. 19 (1967);
        W. Hoeffding, JASA 58 (1963).
    """
    n = check_positive_int(n_tokens, "n_tokens", "n_tokens is the number N of training tokens")
    m = n if m_tokens is None else m_tokens
    return _two_stage_hoeffding(
        empirical_loss, m, n, bits, delta, loss_range, sample_share, sample_choices,
        names=("empirical_loss", "m_tokens", "n_tokens"), method="token_azuma_hoeffding",
        n_bits=elias_gamma_bits(n),
    )


def token_level_error_bound(
    empirical_error: float,
    n_tokens: int,
    bits: float,
    delta: float,
    m_tokens: int | None = None,
    sample_share: float = 0.5,
) -> LanguageBound:
    """Token-level bound on the top-k error (0-1 loss per token), Hoeffding form.

    token_level_bound with loss_range (0, 1): with probability >= 1 - delta, for every h,
    (1/N) sum_i P(X_i not in top-k of h | X_<i) <= (1/N) sum_i 1[x_i not in top-k]
                                                 + sqrt((C(h) ln 2 + ln(1/delta)) / (2N)),
    plus sqrt(ln(1/delta_sample) / (2 m_tokens)) when only m_tokens positions are evaluated.
    Same statement and assumptions as token_level_bound (a conditional risk on the training
    contexts). The Hoeffding form is used because the kl form is not a standard result for
    martingales: the conditional means vary along the sequence, and Azuma's argument gives
    the Hoeffding form directly.

    Args:
        empirical_error: fraction of the m_tokens evaluated positions whose token is not in the
            model's top k, in [0, 1].
        n_tokens: N, the number of training token predictions.
        bits: code length C(h) of the model, in bits (>= 0).
        delta: total failure probability, in (0, 1).
        m_tokens: number of evaluated positions, 1 <= m_tokens <= N; None means all N.
        sample_share: fraction of delta spent on the sampling step when m_tokens < N, in (0, 1).

    Returns:
        A LanguageBound (method "token_azuma_hoeffding", loss_range (0.0, 1.0)); not clipped.

    Example:
        >>> out = token_level_error_bound(0.4, n_tokens=10**8, bits=10**6, delta=0.05)
        >>> round(out.bound, 4)
        0.4589

    Reference:
        S. Lotfi et al., Unlocking Tokens as Data Points for Generalization Bounds on Larger
        Language Models, NeurIPS 2024 (arXiv:2407.18158), token-level bounds; K. Azuma,
        Weighted Sums of Certain Dependent Random Variables, Tohoku Math. J. 19 (1967).
    """
    return token_level_bound(
        empirical_error, n_tokens, bits, delta, (0.0, 1.0), m_tokens, sample_share
    )


# --- private helpers ------------------------------------------------------------------------


def _two_stage_hoeffding(sample_mean, m, n, bits, delta, loss_range, sample_share, sample_choices, names, method, n_bits=0):
    a, b = _check_loss_range(loss_range)
    r = _check_mean(sample_mean, names[0], a, b)
    m, n = _check_m_n(m, n, names[1], names[2])
    bits = check_nonnegative(bits, "bits", BITS_HINT)
    delta = check_delta(delta)
    choices = _check_choices(sample_choices) if m < n else 1
    delta_bound, delta_sample = _split(delta, sample_share, m, n)
    sampling = _sampling_term(m, n, delta_sample / choices, a, b) if m < n else 0.0
    complexity = (b - a) * math.sqrt(_occam_complexity(n, bits + n_bits, delta_bound) / 2.0)
    return LanguageBound(
        bound=r + sampling + complexity, empirical=r, sampling_term=sampling,
        complexity_term=complexity, n=n, m=m, bits=bits, delta=delta, delta_bound=delta_bound,
        delta_sample=delta_sample, loss_range=(a, b), method=method, sample_choices=choices,
        n_bits=n_bits,
    )


def _kl_inverse_each(q: np.ndarray, c: float) -> np.ndarray:
    values, inverse = np.unique(q, return_inverse=True)  # many thresholds share a fraction (0 or 1 beyond the data)
    return np.array([_kl_inverse(float(v), c) for v in values])[inverse]


def _check_choices(k) -> int:
    return check_positive_int(
        k, "sample_choices",
        "sample_choices is the number K of losses (e.g. alphas of a grid) the sampling step "
        "covers at once: pass an int >= 1",
    )


def _sampling_term(m: int, n: int, delta: float, a: float, b: float) -> float:
    if m == n:
        return 0.0
    return (b - a) * math.sqrt(math.log(1.0 / delta) / (2.0 * m))


def _split(delta: float, sample_share, m: int, n: int) -> tuple[float, float]:
    share = check_real(sample_share, "sample_share", _SHARE_HINT)
    if not 0.0 < share < 1.0:
        raise ValueError(f"sample_share must be in (0, 1), got {share!r}; {_SHARE_HINT}")
    if m == n:
        return delta, 0.0
    delta_bound, delta_sample = split_delta(delta, [1.0 - share, share])
    return delta_bound, delta_sample


def _smoothed_loss_range(alpha: float, vocab_size: int) -> tuple[float, float]:
    a = -math.log1p(-alpha * (1.0 - 1.0 / vocab_size)) / math.log(2.0)
    b = math.log2(vocab_size) - math.log2(alpha)
    return a, b


def _check_alpha(alpha) -> float:
    x = check_real(alpha, "alpha", _ALPHA_HINT)
    if not 0.0 < x < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {x!r}; {_ALPHA_HINT}")
    return x


def _check_vocab_size(vocab_size) -> int:
    v = check_positive_int(vocab_size, "vocab_size", _VOCAB_HINT)
    if v < 2:
        raise ValueError(f"vocab_size must be >= 2, got {v}; {_VOCAB_HINT}")
    return v


def _check_loss_range(loss_range) -> tuple[float, float]:
    try:
        a, b = loss_range
    except (TypeError, ValueError):
        raise ValueError(f"loss_range must be a pair (a, b), got {loss_range!r}; {_RANGE_HINT}")
    a = check_real(a, "loss_range[0]", _RANGE_HINT)
    b = check_real(b, "loss_range[1]", _RANGE_HINT)
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ValueError(f"loss_range must satisfy finite a < b, got {(a, b)!r}; {_RANGE_HINT}")
    return a, b


def _check_mean(value, name: str, a: float, b: float) -> float:
    hint = f"it is a mean of per-unit losses, each in loss_range {(a, b)!r}"
    r = check_real(value, name, hint)
    if not a <= r <= b:
        raise ValueError(f"{name} must be in [{a}, {b}], got {r!r}; {hint}")
    return r


def _check_m_n(m, n, m_name: str, n_name: str) -> tuple[int, int]:
    hint = (
        f"{m_name} units are sampled without replacement from the {n_name} training units: "
        f"pass ints with 1 <= {m_name} <= {n_name}"
    )
    n = check_positive_int(n, n_name, hint)
    m = check_positive_int(m, m_name, hint)
    if m > n:
        raise ValueError(f"{m_name} must be <= {n_name}, got {m_name}={m} > {n_name}={n}; {hint}")
    return m, n
