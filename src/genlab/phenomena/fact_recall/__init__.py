"""Fact recall deteriorates before in-context learning (Jin, Clement, Dong, Nagarajan, Carbin,
Ragan-Kelley & Dziugaite, 2023, "The cost of down-scaling language models").

Two ways down: one-shot pruning of a pretrained model (Wanda and magnitude) to growing sparsity,
and training smaller GPTs (dense scaling) on a synthetic corpus of facts mixed with in-context
retrieval episodes. Fact recall: closed-book prompts the unpruned model answers; in-context: the
answer is in the prompt.

Entry point: ``run(FactRecallConfig(...), run=<store run>)`` returns a ``FactRecallResult``;
``prune``, ``prune_sequential``, ``input_norms`` and ``answered`` work on a user's own model.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("PRUNING", "FactRecallConfig"),
    "_prompts": ("fact_prompts", "in_context_prompts", "in_context_kind", "ICL_CHANCE"),
    "_prune": ("input_norms", "prunable_layers", "prune", "prune_sequential", "transformer_blocks"),
    "_run": ("FactRecallResult", "answered", "contrast", "episodes", "fact_accuracy", "fact_rows", "icl_accuracy", "run", "synthetic_facts", "synthetic_vocabulary"),
})
