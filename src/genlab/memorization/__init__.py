"""Which training examples a model memorized, example by example.

- ``scores(model_fn, (x, y), config, run=...)``: Feldman & Zhang (2020) memorization scores with
  95% intervals, from K models trained on random subsets through the sweep engine (genlab.sweep);
  influence of training on test examples; split-half stability of the ranking.
- trajectories: each example's score across model sizes, classified increasing / decreasing /
  cap-shaped / flat (``classify_trajectories``; ``genlab memorize --sizes``);
- text: extractable memorization (prefix -> greedy continuation -> exact match) and membership
  inference baselines (loss, zlib ratio, reference-model ratio) with ROC;
- ``resmem``: residual memorization (Yang et al. 2023), a soft k-NN on a base model's training
  residuals in its penultimate features (``ResMem.fit``; the study across widths ``resmem_study``);
- canaries to plant (mislabeled or duplicated examples) and ROC of the scores against them.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("RESMEM_MODELS", "SCORES", "MemorizationConfig", "ResMemConfig"),
    "_controls": ("FRESH_KJV_STYLE",),
    "_canaries": ("canary_text", "plant_duplicates", "plant_mislabeled", "plant_text_canaries"),
    "_feldman": ("TRAJECTORIES", "Scores", "classify_trajectories", "estimate", "influence", "membership_masks", "outcome", "pack_bits", "roc", "split_half_stability",
                 "unpack_bits"),
    "_text": ("counterfactual_memorization", "document_bits", "edit_similarity", "extraction", "greedy_generate", "membership_inference", "membership_scores",
              "shuffled_words", "text_memorization_study"),
    "_scores": ("BuiltinModel", "MemorizationResult", "scores"),
    "_resmem": ("ResMem", "ResMemResult", "feature_function", "nearest", "residuals", "resmem_study", "soft_knn"),
})
