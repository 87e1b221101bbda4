"""Which features a training method learns: SAM against SGD on Dominoes (Springer, Nagarajan &
Raghunathan, ICLR 2024). A network trained on images whose simple part (an MNIST digit) and hard
part (a Fashion-MNIST item) both predict the label; linear probes on its frozen penultimate layer,
fitted on data where the two parts are independent, say how well each feature is represented,
beside the same probes at initialisation (random convolutions already decode a lot).

Entry point: ``run(FeaturesConfig(...), run=<store run>)`` returns a ``FeaturesResult``.
"""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("FeaturesConfig",),
    "_run": ("FeaturesResult", "dominoes_cnn", "linear_probe", "penultimate_features", "run"),
})
