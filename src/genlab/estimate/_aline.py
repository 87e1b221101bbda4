"""Accuracy under distribution shift without shifted labels: agreement-on-the-line (Baek, Jiang,
Raghunathan & Kolter, NeurIPS 2022), with the baselines it is compared to. NumPy and SciPy only.

Given many models (e.g. runs and checkpoints of a recipe), their hard predictions on labelled
in-distribution (ID) data and on unlabelled shifted (OOD) data: when the models' probit OOD
accuracies lie on a line against their probit ID accuracies, the pairwise agreements lie on the
same line, and agreements need no labels. The line is fitted to the agreements (Eq. 4):
Phi^-1(agr_OOD) = a Phi^-1(agr_ID) + b over pairs i < j, as the official code does keeping only
pairs whose ID and OOD agreements lie in [0.05, 0.98]. Then

- ALine-S: acc_OOD(h) = Phi(a Phi^-1(acc_ID(h)) + b);
- ALine-D (their Algorithm 1): for every pair, (Phi^-1 acc_OOD(h_j) + Phi^-1 acc_OOD(h_k)) / 2 =
  Phi^-1 agr_OOD(j, k) + a ((Phi^-1 acc_ID(h_j) + Phi^-1 acc_ID(h_k)) / 2 - Phi^-1 agr_ID(j, k)),
  solved for all models at once by least squares;
- baselines: naive agreement (a model's mean OOD agreement with the others), average confidence
  (AC: mean top softmax probability on OOD) and difference of confidences (DOC: acc_ID + AC_OOD -
  AC_ID).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

AGREEMENT_RANGE = (0.05, 0.98)


def _probit(p: np.ndarray) -> np.ndarray:
    return stats.norm.ppf(np.clip(p, 1e-6, 1 - 1e-6))


def agreement_matrix(predictions: np.ndarray) -> np.ndarray:
    """(M, M) share of inputs on which models i and j (rows of the (M, n) predictions) agree."""
    p = np.asarray(predictions)
    return np.array([[float((a == b).mean()) for b in p] for a in p])


def _fit(x: np.ndarray, y: np.ndarray) -> dict:
    slope, intercept, r, _, _ = stats.linregress(x, y)
    return {"slope": float(slope), "bias": float(intercept), "r2": float(r**2), "pairs": len(x)}


def agreement_on_the_line(id_predictions: np.ndarray, id_labels: np.ndarray, ood_predictions: np.ndarray, *, ood_labels: np.ndarray | None = None,
                          id_confidence: np.ndarray | None = None, ood_confidence: np.ndarray | None = None) -> dict:
    """Estimate every model's OOD accuracy from unlabelled OOD predictions.

    Args:
        id_predictions, ood_predictions: (M, n_ID) and (M, n_OOD) class predictions of M >= 3 models.
        id_labels: the ID labels (for the ID accuracies).
        ood_labels: the OOD labels, only to score the estimates (true accuracy, each method's MAE).
        id_confidence, ood_confidence: (M,) mean top softmax probability of each model, for the AC
            and DOC baselines.
    Returns the agreement line (slope, bias, R^2, pairs kept), per-model estimates of each method
    and, with ``ood_labels``, the accuracy line and each method's mean absolute error.
    """
    pid, pood = np.asarray(id_predictions), np.asarray(ood_predictions)
    m = len(pid)
    if m < 3 or len(pood) != m:
        raise ValueError(f"agreement-on-the-line needs the same >= 3 models on both sets, got {len(pid)} and {len(pood)}")
    acc_id = (pid == np.asarray(id_labels)[None, :]).mean(1)
    agr_id, agr_ood = agreement_matrix(pid), agreement_matrix(pood)
    i, j = np.triu_indices(m, 1)
    low, high = AGREEMENT_RANGE
    keep = (agr_id[i, j] >= low) & (agr_id[i, j] <= high) & (agr_ood[i, j] >= low) & (agr_ood[i, j] <= high)
    if keep.sum() < 2:
        raise ValueError(f"only {int(keep.sum())} model pairs agree on between 5% and 98% of both sets: too few to fit a line (use more varied models, e.g. checkpoints)")
    i, j = i[keep], j[keep]
    line = _fit(_probit(agr_id[i, j]), _probit(agr_ood[i, j]))
    a, b = line["slope"], line["bias"]
    z_id = _probit(acc_id)
    rows = np.zeros((len(i), m))
    rows[np.arange(len(i)), i] = 0.5
    rows[np.arange(len(i)), j] = 0.5
    target = _probit(agr_ood[i, j]) + a * ((z_id[i] + z_id[j]) / 2 - _probit(agr_id[i, j]))
    w, *_ = np.linalg.lstsq(rows, target, rcond=None)
    naive = (agr_ood.sum(1) - 1) / (m - 1)
    estimates = {"aline_d": stats.norm.cdf(w), "aline_s": stats.norm.cdf(a * z_id + b), "agreement": naive}
    if id_confidence is not None and ood_confidence is not None:
        ac_id, ac_ood = np.asarray(id_confidence, dtype=float), np.asarray(ood_confidence, dtype=float)
        estimates |= {"average_confidence": ac_ood, "doc": acc_id + ac_ood - ac_id}
    out = {"agreement_line": line, "models": m, "id_accuracy": acc_id.tolist(), "pair_agreement": {"id": agr_id[i, j].tolist(), "ood": agr_ood[i, j].tolist()}, "estimates": {k: np.asarray(v, dtype=float).tolist() for k, v in estimates.items()}}
    if ood_labels is not None:
        acc_ood = (pood == np.asarray(ood_labels)[None, :]).mean(1)
        out["ood_accuracy"] = acc_ood.tolist()
        out["accuracy_line"] = _fit(z_id, _probit(acc_ood))
        out["mae"] = {k: float(np.mean(np.abs(np.asarray(v) - acc_ood))) for k, v in estimates.items()}
    return out
