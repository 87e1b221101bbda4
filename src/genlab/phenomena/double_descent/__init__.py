"""Double descent: test error peaks where a model first interpolates its training set, then falls
again as the model grows (Belkin, Hsu, Ma & Mandal, PNAS 2019; Nakkiran et al., ICLR 2020).

- ``random-features``: N random ReLU features and the minimum-norm least-squares fit, N swept
  through N = n (the peak sits at the interpolation threshold);
- ``mlp``: one-hidden-layer networks of growing width, with label noise, trained by the shared
  loop (cross-entropy or MSE), with train and test error over epochs for every width.

Entry point: ``run(DoubleDescentConfig(...), run=<store run>)`` returns a ``DoubleDescentResult``.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("LOSSES", "MODELS", "DoubleDescentConfig"),
    "_run": ("DoubleDescentResult", "min_norm_fit", "noisy_labels", "random_features", "run"),
})
