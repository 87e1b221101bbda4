"""The configuration of the distillation-deviation study, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_fraction, check_int, check_positive
from genlab.train import TrainConfig


@dataclass(frozen=True)
class DistillationConfig(Config):
    """Self-distillation on a built-in dataset: a teacher, then students on its soft labels.

    Attributes:
        dataset: a built-in dataset (genlab.data.load_dataset).
        model: the architecture of teacher and students (``cnn`` or ``mlp``, genlab.models).
        width: channels of the first conv block (CNN) or hidden units (MLP).
        depth: conv blocks or hidden layers.
        train_size: training examples (the first ones; None: all).
        temperature: the students' targets are softmax(teacher logits / temperature).
        shift: augmentation: each training image moved by up to this many pixels per axis
            (zero padding, random crop; 0: none). The soft labels are the teacher's on the
            unshifted image.
        switch: share of the epochs the mid-switch student trains on one-hot labels before it
            switches to the teacher's soft labels (one run: the optimizer and schedule carry on).
        train: how the teacher and every student are trained.
        seeds: repetitions (teacher and students are retrained for each).
        bins: teacher-confidence bins (quantiles of the teacher's probability of the true label).
        bootstrap: resamples of the training points for the slope's 95% interval.
        seed: seeds everything.
        device: ``cpu``, ``cuda``, ...
    """

    dataset: str = "fashion-mnist"
    model: str = "cnn"
    width: int = 16
    depth: int = 2
    train_size: int | None = 10_000
    temperature: float = 1.0
    shift: int = 2
    switch: float = 0.5
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=20, batch_size=128, lr=1e-3, schedule="cosine"))
    seeds: int = 3
    bins: int = 10
    bootstrap: int = 1000
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.model not in ("cnn", "mlp"):
            raise ValueError(f"model must be one of cnn, mlp, got {self.model!r}")
        for name in ("width", "depth", "seeds", "bins", "bootstrap"):
            check_int(name, getattr(self, name))
        check_int("shift", self.shift, minimum=0)
        if self.train_size is not None:
            check_int("train_size", self.train_size, minimum=2)
        check_positive("temperature", self.temperature)
        check_fraction("switch", self.switch, example=0.5)
