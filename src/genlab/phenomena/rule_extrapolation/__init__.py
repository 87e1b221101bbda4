"""Rule extrapolation (Meszaros et al., NeurIPS 2024; Reizinger et al., ICML 2024): models trained
on a formal language defined by two rules, prompted with prefixes that break one rule; how often do
their completions still obey the other? Languages (``LANGUAGES``): a^n b^n, a^n b^n c^n, b a^2m,
b^n a^2m, Dyck, context-sensitive Dyck. Models: a Transformer, an LSTM, the linear model.
``complete`` and ``rule_scores`` take any ``ids -> logits`` causal model, so a user's own too.

Entry point: ``run(RuleExtrapolationConfig(...), run=<store run>)`` returns a
``RuleExtrapolationResult``.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("MODELS", "RuleExtrapolationConfig"),
    "_languages": ("LANGUAGES", "Language"),
    "_models": ("LSTMLM", "LinearLM", "TransformerLM"),
    "_run": ("PUBLISHED", "RuleExtrapolationResult", "build_model", "complete", "encode_words", "entropy_floor", "rule_scores", "run", "sequence_loss"),
})
