"""The shared training loop, ``train(model, x, y, TrainConfig(...))``; training hooks
(``stablemax_cross_entropy``, ``orthogonal_gradient``, ``Grokfast``); and the language-model
utilities every text study uses (``encode_documents``, ``document_windows``, ``score_documents``)."""

from genlab.train._hooks import Grokfast, orthogonal_gradient, stablemax_cross_entropy
from genlab.train._language import document_windows, encode_documents, score_documents
from genlab.train._loop import IGNORE_INDEX, OPTIMIZERS, SCHEDULES, TrainConfig, TrainingDivergedError, error_count, predict, progress_bar, train

__all__ = ["IGNORE_INDEX", "OPTIMIZERS", "SCHEDULES", "Grokfast", "TrainConfig", "TrainingDivergedError", "orthogonal_gradient", "stablemax_cross_entropy", "document_windows", "encode_documents", "error_count", "predict", "progress_bar",
           "score_documents", "train"]
