"""The shared training loop, ``train(model, x, y, TrainConfig(...))``; training hooks
(``stablemax_cross_entropy``, ``orthogonal_gradient``, ``Grokfast``); sharpness-aware
minimization around any optimizer (``SAM``, or ``TrainConfig(sam_rho=...)``); and the language-model
utilities every text study uses (``encode_documents``, ``document_windows``, ``score_documents``).
Names load with their module on first use: ``TrainConfig`` alone does not import torch."""

from genlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "_config": ("OPTIMIZERS", "SCHEDULES", "TrainConfig", "TrainingDivergedError"),
    "_hooks": ("Grokfast", "orthogonal_gradient", "stablemax_cross_entropy"),
    "_language": ("document_windows", "encode_documents", "score_documents"),
    "_sam": ("SAM",),
    "_loop": ("IGNORE_INDEX", "error_count", "outputs", "predict", "progress_bar", "random_shift", "train", "training_steps"),
})
