"""The configuration of a path-star study, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_choices, check_int
from genlab.train import TrainConfig

OBJECTIVES = ("next-token", "reverse", "teacherless", "multi-token")


@dataclass(frozen=True)
class PathStarConfig(Config):
    """Next-token prediction on the path-star task (Bachmann & Nagarajan, ICML 2024, "The Pitfalls
    of Next-Token Prediction"): one small GPT per objective, trained on star graphs G(degree,
    length) and scored on fresh ones.

    Attributes:
        degree: arms of the star (d); a model that cannot plan finds the path about 1/d of the time.
        length: nodes on the path from source to goal (l), source and goal included.
        nodes: node values (N); the vocabulary is N + 4.
        objectives: trained one after the other, each a fresh model from the same initialisation:
            ``next-token`` (teacher forcing), ``reverse`` (teacher forcing on the path goal-first),
            ``teacherless`` (``$`` tokens replace the path at the input; the path comes out of one
            parallel pass) and ``multi-token`` (teacher forcing with ``heads`` output heads, head k
            predicting the token k + 1 ahead; decoded with the first head).
        train_size: training graphs, drawn once (the official runs: 200,000).
        test_size: fresh test graphs the final accuracies are measured on.
        eval_size: test graphs scored every ``eval_every`` steps for the curves (the first of the
            test graphs).
        eval_every: training steps between two points of the curves.
        size: the GPT (genlab.models.GPT_SIZES; gpt-nano: 2 layers, width 64, about 106k parameters).
        heads: multi-token: tokens predicted per position (2 or more).
        train: how each model is trained (epochs over the ``train_size`` graphs).
        seed: seeds the graphs, the initialisation and the batch order.
        device: ``cpu``, ``cuda``, ...
    """

    degree: int = 2
    length: int = 5
    nodes: int = 50
    objectives: tuple[str, ...] = ("next-token", "reverse", "teacherless")
    train_size: int = 200_000
    test_size: int = 2_000
    eval_size: int = 500
    eval_every: int = 100
    size: str = "gpt-nano"
    heads: int = 2
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=1.0, batch_size=128, lr=1e-3, optimizer="adamw", weight_decay=0.01,
                                                                    schedule="cosine", warmup_steps=100))
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_int("degree", self.degree)
        check_int("length", self.length, minimum=2)
        check_int("nodes", self.nodes, minimum=2)
        if self.degree * (self.length - 1) + 1 > self.nodes:
            raise ValueError(f"a star with {self.degree} arms of length {self.length} needs {self.degree * (self.length - 1) + 1} distinct node values; "
                             f"raise nodes (now {self.nodes}) or lower degree/length")
        object.__setattr__(self, "objectives", check_choices("objectives", self.objectives, OBJECTIVES))
        for name in ("train_size", "test_size", "eval_size", "eval_every"):
            check_int(name, getattr(self, name))
        check_int("heads", self.heads, minimum=2)
        if self.eval_size > self.test_size:
            raise ValueError(f"eval_size ({self.eval_size}) must be at most test_size ({self.test_size})")
