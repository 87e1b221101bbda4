"""The shared training loop: ``train(model, x, y, TrainConfig(...))``."""

from genlab.train._loop import OPTIMIZERS, SCHEDULES, TrainConfig, TrainingDivergedError, error_count, predict, train

__all__ = ["OPTIMIZERS", "SCHEDULES", "TrainConfig", "TrainingDivergedError", "error_count", "predict", "train"]
