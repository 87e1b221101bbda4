"""How well a measure orders a model zoo by generalization: Kendall's tau, the granulated tau Psi
(Jiang, Neyshabur, Mobahi, Krishnan & Bengio, ICLR 2020, "Fantastic Generalization Measures and
Where to Find Them", Sec. 4) and the conditional mutual information of the NeurIPS 2020 PGDL
competition (Jiang et al. 2020, "NeurIPS 2020 Competition: Predicting Generalization in Deep
Learning"). NumPy only.

Every statistic takes, per model, its hyperparameters (a dict, the zoo's grid axes), the
measure's value and the target (e.g. the generalization gap, train accuracy - test accuracy).
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np


def _check(hparams: Sequence[dict] | None, measure, target) -> tuple[np.ndarray, np.ndarray]:
    measure, target = np.asarray(measure, dtype=np.float64), np.asarray(target, dtype=np.float64)
    if measure.shape != target.shape or measure.ndim != 1 or len(measure) < 2:
        raise ValueError(f"measure and target must be 1-D of the same length >= 2, got {measure.shape} and {target.shape}")
    if hparams is not None and len(hparams) != len(measure):
        raise ValueError(f"one hyperparameter dict per model: {len(hparams)} for {len(measure)} models")
    return measure, target


def kendall_tau(measure, target) -> float:
    """Fantastic's Kendall tau (their Eq. 3): the mean over unordered pairs of models of
    sign(measure difference) x sign(target difference) (tau-a: a tie counts 0)."""
    m, t = _check(None, measure, target)
    i, j = np.triu_indices(len(m), 1)
    return float(np.mean(np.sign(m[i] - m[j]) * np.sign(t[i] - t[j])))


def granulated_tau(hparams: Sequence[dict], measure, target) -> dict:
    """Fantastic's granulated Kendall coefficient (their Eq. 4): for each axis, the mean of tau
    over the groups of models that differ in that axis only (every other axis fixed; groups of
    fewer than 2 models, from dropped runs, are skipped); Psi is the mean over axes."""
    m, t = _check(hparams, measure, target)
    axes = sorted(hparams[0])
    per_axis = {}
    for axis in axes:
        groups: dict = {}
        for k, h in enumerate(hparams):
            groups.setdefault(tuple((a, _key(h[a])) for a in axes if a != axis), []).append(k)
        taus = [kendall_tau(m[g], t[g]) for g in groups.values() if len(g) >= 2]
        per_axis[axis] = float(np.mean(taus)) if taus else float("nan")
    values = [v for v in per_axis.values() if np.isfinite(v)]
    return {"psi": float(np.mean(values)) if values else float("nan"), "per_axis": per_axis}


def _key(value):
    return tuple(value) if isinstance(value, list) else value


def conditional_mutual_information(hparams: Sequence[dict], measure, target) -> float:
    """PGDL's score of a measure, in [0, 1] (the competition reports x 100): over every ordered
    pair of models (i, j), self-pairs included as the scoring program counts them, the events
    target_i > target_j and measure_i > measure_j (ties count as not greater); for every ordered
    pair of distinct axes (h1, h2), the pairs are binned by (h1_i, h1_j, h2_i, h2_j) and the score
    is E_bin I(gap sign; measure sign) / E_bin H(gap sign); the result is the minimum over axis
    pairs. Bins are weighted by their pair counts (on a complete grid every bin has the same count,
    and this is the scoring program's plain mean; on a grid with dropped runs, empty bins are
    skipped instead of making the program's NaN).

    The plug-in estimate is biased upwards: a measure unrelated to the target scores about 2
    (x 100) on 81 models (each bin holds a few dozen ordered pairs, and (i, j) and (j, i) carry the
    same information), so a score must be read against that floor.
    """
    m, t = _check(hparams, measure, target)
    axes = list(hparams[0])
    if len(axes) < 2:
        raise ValueError("the conditional mutual information conditions on pairs of hyperparameters: the zoo needs at least 2 axes")
    gap = t[:, None] > t[None, :]
    meas = m[:, None] > m[None, :]
    best = np.inf
    for h1, h2 in itertools.permutations(axes, 2):
        codes = {}
        v1 = np.array([codes.setdefault(("a", _key(h[h1])), len(codes)) for h in hparams])
        v2 = np.array([codes.setdefault(("b", _key(h[h2])), len(codes)) for h in hparams])
        n = len(codes)
        bins = ((v1[:, None] * n + v1[None, :]) * n + v2[:, None]) * n + v2[None, :]
        _, b = np.unique(bins, return_inverse=True)
        cell = 2 * (~gap).astype(np.int64) + (~meas)  # the 2 x 2 table's cell: (gap, measure) signs
        tables = np.bincount((b.reshape(-1) * 4 + cell.reshape(-1)), minlength=4 * (b.max() + 1)).reshape(-1, 2, 2).astype(np.float64)
        counts = tables.sum((1, 2))
        joint = tables / counts[:, None, None]
        rows, cols = joint.sum(2), joint.sum(1)
        with np.errstate(divide="ignore", invalid="ignore"):  # empty cells contribute 0
            mi = np.where(joint > 0, joint * np.log2(joint / (rows[:, :, None] * cols[:, None, :])), 0.0).sum((1, 2))
            h = np.where(rows > 0, -rows * np.log2(rows), 0.0).sum(1)
        mi_sum, h_sum, weight = float(counts @ mi), float(counts @ h), float(counts.sum())
        best = min(best, (mi_sum / weight) / (h_sum / weight) if h_sum > 0 else 0.0)
    return float(best)


def bootstrap(statistic, hparams: Sequence[dict], measure, target, *, samples: int = 200, confidence: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile interval of ``statistic(hparams, measure, target)`` over resamples of the models
    (drawn with replacement)."""
    m, t = _check(hparams, measure, target)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(samples):
        pick = rng.integers(0, len(m), len(m))
        value = statistic([hparams[k] for k in pick], m[pick], t[pick])
        if np.isfinite(value):
            values.append(value)
    if not values:
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2
    return float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))
