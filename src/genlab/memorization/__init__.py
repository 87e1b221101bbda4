"""Which training examples a model memorized, example by example.

- ``scores(model_fn, (x, y), config, folder=...)``: Feldman & Zhang (2020) memorization scores with
  95% intervals, from K models trained on random subsets through the sweep engine (genlab.sweep);
  influence of training on test examples; split-half stability of the ranking.
- trajectories: each example's score across model sizes, classified increasing / decreasing /
  cap-shaped / flat (``classify_trajectories``; ``genlab memorize --sizes``);
- text: extractable memorization (prefix -> greedy continuation -> exact match) and membership
  inference baselines (loss, zlib ratio, reference-model ratio) with ROC;
- canaries to plant (mislabeled or duplicated examples) and ROC of the scores against them.
"""

from genlab.memorization._controls import FRESH_KJV_STYLE
from genlab.memorization._canaries import canary_text, plant_duplicates, plant_mislabeled, plant_text_canaries
from genlab.memorization._feldman import SATURATION, SCORES, TRAJECTORIES, Scores, classify_trajectories, estimate, influence, membership_masks, outcome, pack_bits, roc, split_half_stability, unpack_bits
from genlab.memorization._text import counterfactual_memorization, document_bits, edit_similarity, extraction, greedy_generate, membership_inference, membership_scores, shuffled_words, text_memorization_study
from genlab.memorization._scores import BuiltinModel, MemorizationConfig, MemorizationResult, save_outcomes, scores

__all__ = [
    "FRESH_KJV_STYLE",
    "SATURATION",
    "SCORES",
    "TRAJECTORIES",
    "BuiltinModel",
    "canary_text",
    "MemorizationConfig",
    "MemorizationResult",
    "Scores",
    "classify_trajectories",
    "counterfactual_memorization",
    "document_bits",
    "edit_similarity",
    "extraction",
    "greedy_generate",
    "membership_inference",
    "membership_scores",
    "shuffled_words",
    "text_memorization_study",
    "estimate",
    "influence",
    "membership_masks",
    "outcome",
    "pack_bits",
    "plant_duplicates",
    "plant_mislabeled",
    "plant_text_canaries",
    "roc",
    "save_outcomes",
    "scores",
    "split_half_stability",
    "unpack_bits",
]
