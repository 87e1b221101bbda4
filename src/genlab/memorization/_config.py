"""The memorization estimate's configuration, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_choice, check_fraction, check_int
from genlab.train import TrainConfig

SCORES = ("log-probability", "probability", "correct")


@dataclass(frozen=True)
class MemorizationConfig(Config):
    """Everything that fixes a memorization estimate.

    Attributes:
        models: K, the number of subset models.
        subset: r, the share of the training set each model trains on.
        score: ``log-probability`` (of the true label, saturated at 0.9; the default), ``probability``
            or ``correct`` (0/1, Feldman & Zhang); see genlab.memorization._feldman.
        balanced: every example in exactly round(r K) subsets (else independent random subsets).
        train: how each model is trained (genlab.train).
        seed: seeds the subsets and every model's initialisation and batch order.
        influence_top: training examples kept per test example in the influence table.
        distill_temperature: when set, the K models are students: each trains on its subset with
            the soft labels softmax(logits / T) of one teacher fitted (with ``train``) to the whole
            training set, and is scored against the training labels as usual.
        device: where each model trains (``cuda`` runs the tasks one by one: use workers=0).
    """

    models: int = 64
    subset: float = 0.7
    score: str = "log-probability"
    balanced: bool = True
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=40, lr=2e-3, batch_size=512))
    seed: int = 0
    influence_top: int = 5
    distill_temperature: float | None = None
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_choice("score", self.score, SCORES)
        check_int("models", self.models, minimum=4)  # two per split half
        check_fraction("subset", self.subset, example=0.7)
        if self.distill_temperature is not None and not self.distill_temperature > 0:
            raise ValueError(f"distill_temperature must be > 0 (e.g. 2), got {self.distill_temperature}")
