"""The shared training loop: ``train(model, x, y, TrainConfig(...))``."""

from genlab.train._loop import IGNORE_INDEX, OPTIMIZERS, SCHEDULES, TrainConfig, TrainingDivergedError, error_count, predict, progress_bar, train

__all__ = ["IGNORE_INDEX", "OPTIMIZERS", "SCHEDULES", "TrainConfig", "TrainingDivergedError", "error_count", "predict", "progress_bar", "train"]
