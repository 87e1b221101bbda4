"""Next-token prediction's failure to plan (Bachmann & Nagarajan, ICML 2024): the path-star task
in the official token format (``make_examples``, ``star_graph``, ``encode``), the Clever-Hans
shortcut teacher forcing rewards (``clever_hans``), and the training study: one small GPT per
objective (next-token, reverse, teacherless, multi-token), scored by greedy full-path accuracy and
greedy and teacher-forced accuracy per position (``path_scores``, which takes any causal LM).

Entry point: ``run(PathStarConfig(...), run=<store run>)`` returns a ``PathStarResult``.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("OBJECTIVES", "PathStarConfig"),
    "_run": ("MultiTokenGPT", "PathStarResult", "decode_paths", "path_scores", "run", "teacher_forced_accuracy", "training_tensors"),
    "_task": ("clever_hans", "encode", "make_examples", "specials", "star_graph"),
})
