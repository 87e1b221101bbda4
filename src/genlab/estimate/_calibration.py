"""Disagreement rates, intervals and the calibration errors of vote ensembles (Jiang, Nagarajan,
Baek & Kolter, ICLR 2022, Sec. 4): NumPy and SciPy only.

A vote ensemble of K runs predicts class k with probability h_k(x) = (runs predicting k) / K. It is
class-wise calibrated when P(Y = k | h_k(X) = q) = q; then the expected disagreement of two runs
drawn from it equals their expected test error (the Generalization Disagreement Equality), and in
general (their Theorem 4.2) |E dis - E err| <= CACE, the class-aggregated calibration error.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact two-sided binomial interval of a rate (Clopper & Pearson 1934)."""
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1, got {successes} of {trials}")
    tail = (1 - confidence) / 2
    lower = 0.0 if successes == 0 else float(stats.beta.ppf(tail, successes, trials - successes + 1))
    upper = 1.0 if successes == trials else float(stats.beta.ppf(1 - tail, successes + 1, trials - successes))
    return lower, upper


def vote_probabilities(predictions: np.ndarray, classes: int) -> np.ndarray:
    """(n, classes) share of the K runs (rows of the (K, n) ``predictions``) predicting each class."""
    predictions = np.asarray(predictions)
    if predictions.ndim != 2 or predictions.shape[0] < 1:
        raise ValueError(f"predictions must be (K runs, n examples), got shape {predictions.shape}")
    if predictions.min() < 0 or predictions.max() >= classes:
        raise ValueError(f"predictions must be class indices in [0, {classes})")
    k, n = predictions.shape
    counts = np.zeros((n, classes))
    np.add.at(counts, (np.tile(np.arange(n), k), predictions.reshape(-1)), 1.0)
    return counts / k


def _bin_index(q: np.ndarray, bins: int) -> np.ndarray:
    """Bin of each value in [0, 1] among ``bins`` equal-width bins (1.0 in the last)."""
    return np.minimum((np.asarray(q) * bins).astype(np.int64), bins - 1)


def _check(probs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    probs, labels = np.asarray(probs, dtype=np.float64), np.asarray(labels)
    if probs.ndim != 2 or len(probs) != len(labels) or len(labels) == 0:
        raise ValueError(f"probs must be (n, classes) and labels (n,), got {probs.shape} and {labels.shape}")
    return probs, labels


def class_aggregated_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """CACE: the sum over confidence bins of |sum over (x, k) in the bin of (1[y = k] - h_k(x))| / n,
    all n x classes pairs (x, k) together (the paper's Definition 4.4, binned)."""
    probs, labels = _check(probs, labels)
    n, classes = probs.shape
    hit = (labels[:, None] == np.arange(classes)[None, :]).astype(np.float64)
    b = _bin_index(probs, bins).reshape(-1)
    gap = np.bincount(b, weights=(hit - probs).reshape(-1), minlength=bins)
    return float(np.abs(gap).sum() / n)


def class_wise_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """CWCE: the sum over classes k and bins of |sum over x in the bin of (1[y = k] - h_k(x))| / n
    (each class binned on its own; CACE <= CWCE)."""
    probs, labels = _check(probs, labels)
    n, classes = probs.shape
    total = 0.0
    for k in range(classes):
        gap = np.bincount(_bin_index(probs[:, k], bins), weights=(labels == k) - probs[:, k], minlength=bins)
        total += np.abs(gap).sum()
    return float(total / n)


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Top-class ECE: bins of the top probability, sum of |accuracy - confidence| x bin share."""
    probs, labels = _check(probs, labels)
    top = probs.max(1)
    correct = (probs.argmax(1) == labels).astype(np.float64)
    gap = np.bincount(_bin_index(top, bins), weights=correct - top, minlength=bins)
    return float(np.abs(gap).sum() / len(labels))


def reliability(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> dict:
    """Class-aggregated reliability diagram: per bin, the mean h_k(x) and the share of (x, k) with
    y = k, over all pairs (x, k), and how many pairs fell in it."""
    probs, labels = _check(probs, labels)
    classes = probs.shape[1]
    hit = (labels[:, None] == np.arange(classes)[None, :]).astype(np.float64).reshape(-1)
    q = probs.reshape(-1)
    b = _bin_index(q, bins)
    count = np.bincount(b, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(b, weights=q, minlength=bins) / count
        frequency = np.bincount(b, weights=hit, minlength=bins) / count
    keep = count > 0
    return {"confidence": confidence[keep].tolist(), "frequency": frequency[keep].tolist(), "count": count[keep].tolist()}


def expected_disagreement(probs: np.ndarray) -> float:
    """E over x of 1 - sum_k h_k(x)^2: the disagreement of two runs drawn independently from the
    ensemble (the same run may be drawn twice), the quantity of Theorem 4.2."""
    probs = np.asarray(probs, dtype=np.float64)
    return float(np.mean(1.0 - (probs**2).sum(1)))


def expected_error(probs: np.ndarray, labels: np.ndarray) -> float:
    """E over x of 1 - h_y(x): the test error of a run drawn from the ensemble."""
    probs, labels = _check(probs, labels)
    return float(np.mean(1.0 - probs[np.arange(len(labels)), labels]))
