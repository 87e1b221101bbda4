"""Which training examples a model memorized, example by example.

- ``scores(model_fn, (x, y), config, folder=...)``: Feldman & Zhang (2020) memorization scores with
  95% intervals, from K models trained on random subsets through the sweep engine (genlab.sweep);
  influence of training on test examples; split-half stability of the ranking.
- canaries to plant (mislabeled or duplicated examples) and ROC of the scores against them.
"""

from genlab.memorization._canaries import plant_duplicates, plant_mislabeled
from genlab.memorization._feldman import SCORES, Scores, estimate, influence, membership_masks, pack_bits, roc, split_half_stability, unpack_bits
from genlab.memorization._scores import BuiltinModel, MemorizationConfig, MemorizationResult, save_outcomes, scores

__all__ = [
    "SCORES",
    "BuiltinModel",
    "MemorizationConfig",
    "MemorizationResult",
    "Scores",
    "estimate",
    "influence",
    "membership_masks",
    "pack_bits",
    "plant_duplicates",
    "plant_mislabeled",
    "roc",
    "save_outcomes",
    "scores",
    "split_half_stability",
    "unpack_bits",
]
