"""Grokking: a network first fits its training set at chance test accuracy, and generalizes much
later (Power et al. 2022). Tasks, models, the optimization options known to matter, and the
progress measures, trained with the shared loop (genlab.train), full-batch unless ``batch_size`` is set.

Tasks (``TASKS``):
- modular arithmetic on pairs (a, b) of residues mod p: ``add`` a+b, ``sub`` a-b, ``mul`` a*b,
  ``div`` a*b^(-1) (b != 0), ``poly`` a^2+ab+b^2; a seeded share ``train_frac`` of all pairs trains;
- ``parity``: sparse parity, n random bits whose label is the XOR of k fixed (seeded) ones.

Models (``MODELS``): ``mlp`` (learned embeddings of a and b, concatenated, one hidden ReLU
layer), ``mlp-fourier`` (the same MLP on a fixed circular embedding: cos and sin of 2 pi f a / p
for every frequency f), ``transformer`` (``layers`` blocks of attention + MLP, no layer norm,
reading the answer at an ``=`` token; one layer as in Nanda et al. 2023), ``decoder`` (the Grokfast
paper's causal decoder: tokens [a, op, b, =], layer norms, GELU MLPs; 2 layers there). Parity
always uses a one-hidden-layer MLP.

Entry point: ``run(GrokConfig(...), run=<store run>, progress=True)`` returns a ``GrokResult``.

Optimization: AdamW with weight decay (or Adam with L2 weight decay, the Grokfast paper code's
default); Grokfast (Lee et al. 2024, "Grokfast: Accelerated Grokking by Amplifying Slow
Gradients"): g <- g + lambda * EMA_alpha(g); and from Prieto et al.
2025 ("Grokking at the Edge of Numerical Stability"): StableMax cross-entropy, s(x) = x + 1 for
x >= 0 and 1 / (1 - x) below, probabilities s(z_i) / sum_j s(z_j), and the orthogonal gradient
(perpendicular-to-weights update, "perp-Grad"): each parameter's gradient minus its component
along the parameter.

Measurements (``measure``): train/test loss and accuracy, the weight norm; for modular tasks the
embeddings' discrete Fourier spectrum, its key frequencies and the share of energy in them, and
Nanda et al.'s restricted loss (logits projected onto the key frequencies' cos(w(a+b-c)) terms)
and excluded loss (those terms removed), on the training pairs; for parity, the first layer's
weight mass on the k relevant bits against the others.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("LOSSES", "MODELS", "TASKS", "GrokConfig"),
    "_measure": ("fourier_spectrum", "key_frequencies", "measure", "restricted_excluded_loss", "snapshot_weights"),
    "_models": ("Decoder", "ModularMLP", "Transformer", "build_grok_model"),
    "_run": ("PHASE_RULE", "PHASE_THRESHOLD", "PHASES", "SWEEP_AXES", "GrokResult", "classify_phase", "history_records", "run", "steps_to", "sweep_cell", "sweep_configs"),
    "_tasks": ("make_task",),
})
