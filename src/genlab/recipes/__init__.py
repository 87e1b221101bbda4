"""Built-in recipes: a built-in dataset and model, run by a study inside the run store (start,
resume, complete), then reported. The CLI calls these; they call the studies.

- ``certify_builtin`` / ``resume_certify`` (``recipe(dataset, prior)`` is the tuned configuration);
- ``certify_lm_builtin`` (``lm_recipe(bound)``), ``pretrain_byte_gpt`` (a byte GPT that is a certificate's public prior);
- ``memorize_builtin`` / ``resume_memorize``, ``memorize_text_builtin``, ``memorize_text_scratch``,
  ``resmem_builtin``;
- ``disagree_builtin`` / ``resume_disagree``, ``zoo_builtin`` / ``resume_zoo`` / ``rerank`` / ``weightwatch``,
  ``intrinsic_dim_builtin``;
- ``grok_builtin``, ``grok_sweep``, ``double_descent_builtin``, ``features_builtin``,
  ``path_star_builtin``, ``rule_extrapolation_builtin``, ``uniform_convergence_builtin``,
  ``pause_tokens_builtin``, ``distillation_builtin``, ``fact_recall_builtin``;
- ``verify(folder)``: re-derive any certificate, rebuilding a built-in run's inputs.
"""

from genlab.recipes._certify import builtin_data, certify_builtin, initial_model, recipe, resume_certify
from genlab.recipes._estimate import disagree_builtin, intrinsic_dim_builtin, rerank, resume_disagree, resume_zoo, weightwatch, zoo_builtin
from genlab.recipes._grokking import grok_builtin, grok_sweep
from genlab.recipes._language import BOUND_KINDS, builtin_lm_inputs, certify_lm_builtin, lm_recipe, pretrain_byte_gpt
from genlab.recipes._phenomena import distillation_builtin, double_descent_builtin, fact_recall_builtin, features_builtin, path_star_builtin, pause_tokens_builtin, rule_extrapolation_builtin, uniform_convergence_builtin
from genlab.recipes._memorization import memorize_builtin, memorize_text_builtin, memorize_text_scratch, resmem_builtin, resume_memorize
from genlab.recipes._verify import verify

__all__ = ["BOUND_KINDS", "builtin_data", "builtin_lm_inputs", "certify_builtin", "certify_lm_builtin", "disagree_builtin", "distillation_builtin", "double_descent_builtin", "fact_recall_builtin", "features_builtin", "grok_builtin", "grok_sweep", "initial_model", "intrinsic_dim_builtin", "lm_recipe",
           "memorize_builtin", "memorize_text_builtin", "memorize_text_scratch", "path_star_builtin", "pretrain_byte_gpt", "pause_tokens_builtin", "recipe", "resmem_builtin", "rule_extrapolation_builtin", "rerank", "resume_certify", "resume_disagree", "resume_memorize", "resume_zoo", "verify",
           "uniform_convergence_builtin", "weightwatch", "zoo_builtin"]
