"""Memorization and influence scores by subsampling (Feldman & Zhang 2020, "What Neural Networks
Memorize and Why: Discovering the Long Tail via Influence Estimation").

K models are trained, model k on a random subset S_k holding a share r of the training set. With
the K x n membership mask M (M[k, i] = i in S_k) and the outcome O[k, i] of model k on example i:

    mem(i)     = mean_{k: i in S_k} O[k, i] - mean_{k: i not in S_k} O[k, i]
    infl(i, j) = mean_{k: i in S_k} O[k, j] - mean_{k: i not in S_k} O[k, j]   (j a test example)

The outcome O[k, i] is one of (``SCORES``):

- ``correct``: 0/1, Feldman & Zhang's definition;
- ``probability``: the softmax probability p of the true label;
- ``log-probability`` (the default): log min(p, SATURATION) with p floored at 1e-6. The log
  spreads the low-confidence end, where the evidence of memorization lies: a mislabeled example's
  out-of-subset models give its label p ~ 1e-4, a merely hard example's p ~ 0.3. Saturating at
  p = 0.9 counts every confident-and-right prediction alike, as 0/1 correctness does, so the many
  examples that every model gets right tie at a score of exactly 0 instead of being ranked by noise
  in the fourth decimal. (SATURATION = 0.9 was chosen on the first 40 models of the Fashion-MNIST
  benchmark run, by split-half stability; see docs/decisions.md.)

The continuous outcomes measure how much confidence in the label training on i buys, rather than
how much accuracy: a slightly different quantity from Feldman & Zhang's, with far less noise.

``balanced`` membership puts every example in exactly round(r K) of the K subsets (a random set
of models per example) instead of drawing each subset independently: every example then gets the
same number of in- and out-models, which removes the count noise of independent draws.

Confidence intervals (95%): Welch's t interval for the continuous outcomes (NaN where a side has
fewer than two models), Agresti-Caffo's (one success and one failure added per group, normal
quantile) for the 0/1 outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from genlab.memorization._config import SCORES

Z_95 = 1.959963984540054
SATURATION = 0.9
FLOOR = 1e-6


def outcome(score: str, correct: torch.Tensor, probability: torch.Tensor) -> torch.Tensor:
    """The K x n outcomes a score uses, from the stored correctness and true-label probabilities."""
    if score == "correct":
        return correct.float()
    if score == "probability":
        return probability.float()
    if score == "log-probability":
        return torch.log(probability.float().clamp(FLOOR, SATURATION))
    raise ValueError(f"score must be one of {', '.join(SCORES)}, got {score!r}")


def membership_masks(n: int, models: int, subset: float, seed: int, balanced: bool = True) -> torch.Tensor:
    """The K x n boolean membership mask of K random subsets of share ``subset`` of range(n)."""
    if not 0 < subset < 1:
        raise ValueError(f"subset must lie strictly between 0 and 1 (e.g. 0.7), got {subset}")
    if models < 2:
        raise ValueError(f"need at least 2 models to compare in- and out-of-subset outcomes, got {models}")
    gen = torch.Generator().manual_seed(seed)
    if balanced:
        inside = round(subset * models)
        if not 0 < inside < models:
            raise ValueError(f"with {models} models and subset {subset}, every example would be in {inside} of them; use more models")
        order = torch.rand(n, models, generator=gen).argsort(dim=1)  # a random ranking of the models, per example
        return (order < inside).T.contiguous()
    gen = torch.Generator().manual_seed(seed + 0x5EED)  # not the stream other seeded draws (e.g. canaries) take from ``seed``
    size = round(subset * n)
    masks = torch.zeros(models, n, dtype=torch.bool)
    for k in range(models):
        masks[k, torch.randperm(n, generator=gen)[:size]] = True
    return masks


@dataclass
class Scores:
    """Per-example memorization scores with 95% confidence intervals and the counts behind them."""

    score: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_in: np.ndarray
    n_out: np.ndarray
    mean_in: np.ndarray
    mean_out: np.ndarray


def estimate(masks: torch.Tensor, outcomes: torch.Tensor, score: str = "log-probability", allow_missing: bool = False, outcome_range: float | None = None) -> Scores:
    """mem(i) = mean outcome of the models that trained on i - mean of those that did not.

    Args:
        masks: K x n booleans.
        outcomes: K x n (0/1 correctness or true-label probabilities) on the same examples.
        score: one of SCORES (chooses the interval: Agresti-Caffo for ``correct``, else Welch).
        allow_missing: an example in all or none of the subsets gets NaN instead of an error.
        outcome_range: the intervals are clipped to +-this (default: the score's own range, 1
            for ``correct`` and ``probability``; ``math.inf`` for unbounded outcomes such as bits).
    """
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(SCORES)}, got {score!r}")
    m = masks.double()
    o = outcomes.double()
    n_in, n_out = m.sum(0), (1 - m).sum(0)
    if not allow_missing and ((n_in == 0).any() or (n_out == 0).any()):
        raise ValueError("some examples are in every subset or in none; use more models (or a subset share further from 0 and 1)")
    s_in, s_out = (m * o).sum(0), ((1 - m) * o).sum(0)
    mean_in, mean_out = s_in / n_in, s_out / n_out  # 0/0 = NaN where allowed
    if score == "correct":  # Agresti-Caffo interval for a difference of proportions
        p_in, p_out = (s_in + 1) / (n_in + 2), (s_out + 1) / (n_out + 2)
        se = torch.sqrt(p_in * (1 - p_in) / (n_in + 2) + p_out * (1 - p_out) / (n_out + 2))
        centre = p_in - p_out
    else:  # Welch: sample variances per group, a t quantile with the Welch-Satterthwaite degrees of freedom
        from scipy.stats import t as student_t

        var_in = (m * (o - mean_in) ** 2).sum(0) / (n_in - 1)
        var_out = ((1 - m) * (o - mean_out) ** 2).sum(0) / (n_out - 1)
        a, b = var_in / n_in, var_out / n_out
        se = torch.sqrt(a + b)
        dof = (a + b) ** 2 / (a**2 / (n_in - 1) + b**2 / (n_out - 1))
        z = torch.from_numpy(student_t.ppf(0.975, dof.nan_to_num(nan=1.0).clamp_min(1).numpy()))
        z = torch.where(se > 0, z, torch.full_like(z, Z_95))
        se = torch.where((n_in < 2) | (n_out < 2), torch.full_like(se, math.nan), se)  # one model per side: no variance estimate, no interval
        centre = mean_in - mean_out
    if score == "correct":
        z = torch.full_like(se, Z_95)
    mem = mean_in - mean_out
    if outcome_range is None:
        outcome_range = 1.0 if score != "log-probability" else -math.log(FLOOR / SATURATION)
    return Scores(
        score=mem.numpy(), low=(centre - z * se).clamp(-outcome_range, outcome_range).numpy(), high=(centre + z * se).clamp(-outcome_range, outcome_range).numpy(),
        n_in=n_in.long().numpy(), n_out=n_out.long().numpy(), mean_in=mean_in.numpy(), mean_out=mean_out.numpy(),
    )


def influence(masks: torch.Tensor, test_outcomes: torch.Tensor, top: int = 10, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """For every test example j, the ``top`` training examples i of largest infl(i, j).

    Computed in blocks of test examples, so the n x m matrix is never held whole.

    Returns:
        (indices, values), both of shape (m, top): training-example indices and their influence.
    """
    m = masks.float()
    n_in, n_out = m.sum(0), (1 - m).sum(0)  # per training example
    top = min(top, masks.shape[1])
    indices, values = [], []
    for start in range(0, test_outcomes.shape[1], block):
        o = test_outcomes[:, start : start + block].float()  # K x b
        infl = (m.T @ o) / n_in[:, None] - ((1 - m).T @ o) / n_out[:, None]  # n x b
        v, i = infl.topk(top, dim=0)
        indices.append(i.T)
        values.append(v.T)
    return torch.cat(indices).numpy(), torch.cat(values).numpy()


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    r = spearmanr(a, b).statistic
    return float(r) if math.isfinite(r) else 0.0


def split_half_stability(masks: torch.Tensor, outcomes: torch.Tensor, sizes: list[int], score: str = "log-probability", top_share: float = 0.1) -> list[dict]:
    """How reproducible the ranking is: for each K in ``sizes``, the first K models are split into
    two halves (models 0, 2, 4, ... and 1, 3, 5, ...), each half scores every example on its own,
    and the Spearman correlation of the two score vectors is taken over all examples and over the
    top ``top_share`` of examples as ranked by the estimate from all K models. Examples a half
    cannot score (no in- or no out-model in it; frequent only at small K) are left out, and
    counted in ``examples_scored``."""
    out = []
    for k in sizes:
        if k > masks.shape[0] or k < 4:
            raise ValueError(f"split-half sizes must lie between 4 and the number of models ({masks.shape[0]}), got {k}")
        a = estimate(masks[0:k:2], outcomes[0:k:2], score, allow_missing=True).score
        b = estimate(masks[1:k:2], outcomes[1:k:2], score, allow_missing=True).score
        full = estimate(masks[:k], outcomes[:k], score, allow_missing=True).score
        ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(full)  # a half with no in- or out-model for i cannot score it
        top = np.argsort(-np.where(ok, full, -np.inf))[: max(2, round(top_share * len(full)))]
        top = top[ok[top]]
        out.append({"models": k, "spearman_all": _spearman(a[ok], b[ok]), "spearman_top": _spearman(a[top], b[top]), "top_share": top_share,
                    "examples_scored": int(ok.sum())})
    return out


def roc(scores: np.ndarray, positives: np.ndarray) -> dict:
    """ROC AUC and TPR at 1% and 0.1% FPR of ``scores`` for telling ``positives`` (booleans) apart."""
    from sklearn.metrics import roc_auc_score, roc_curve

    positives = np.asarray(positives, dtype=bool)
    if positives.all() or not positives.any():
        raise ValueError("ROC needs both positive and negative examples")
    fpr, tpr, _ = roc_curve(positives, scores, drop_intermediate=False)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 500)).round().astype(int))  # the curve, thinned for the report
    return {
        "auc": float(roc_auc_score(positives, scores)),
        "tpr_at_1pct_fpr": float(tpr[fpr <= 0.01].max()),
        "tpr_at_0.1pct_fpr": float(tpr[fpr <= 0.001].max()),
        "fpr": fpr[keep].tolist(),
        "tpr": tpr[keep].tolist(),
    }


def pack_bits(mask: torch.Tensor) -> torch.Tensor:
    """Booleans (K x n) -> uint8 bytes, 8 per byte along n (numpy.packbits order)."""
    return torch.from_numpy(np.packbits(mask.numpy().astype(np.uint8), axis=-1))


def unpack_bits(packed: torch.Tensor, n: int) -> torch.Tensor:
    return torch.from_numpy(np.unpackbits(packed.numpy(), axis=-1, count=n).astype(bool))


TRAJECTORIES = ("increasing", "decreasing", "cap-shaped", "flat")


def classify_trajectories(scores: np.ndarray, tol: float = 0.1) -> np.ndarray:
    """Shape of each example's score across model sizes (rows of ``scores``: sizes in increasing
    order; columns: examples), as an index into TRAJECTORIES:

    - cap-shaped: (3+ sizes) an inner size scores more than ``tol`` above both ends;
    - increasing / decreasing: the largest model scores more than ``tol`` above / below the smallest;
    - flat: neither.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2 or scores.shape[0] < 2:
        raise ValueError("trajectories need scores of at least 2 model sizes (a sizes x examples array)")
    first, last = scores[0], scores[-1]
    out = np.full(scores.shape[1], TRAJECTORIES.index("flat"))
    out[last - first > tol] = TRAJECTORIES.index("increasing")
    out[first - last > tol] = TRAJECTORIES.index("decreasing")
    if scores.shape[0] >= 3:
        peak = scores[1:-1].max(0)
        out[peak - np.maximum(first, last) > tol] = TRAJECTORIES.index("cap-shaped")
    return out
