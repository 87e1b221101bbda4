"""Next-token prediction's failure to plan (Bachmann & Nagarajan, ICML 2024): the path-star task
in the official token format (``make_examples``, ``star_graph``, ``encode``) and the Clever-Hans
shortcut teacher forcing rewards (``clever_hans``). The training study (next-token, reverse,
teacherless and multi-token objectives, with greedy and teacher-forced per-position accuracy)
builds on these."""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_task": ("clever_hans", "encode", "make_examples", "specials", "star_graph"),
})
