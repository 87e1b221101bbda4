"""The configuration of the hypersphere study, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_fraction, check_int, check_positive
from genlab.train import TrainConfig


@dataclass(frozen=True)
class UniformConvergenceConfig(Config):
    """Nagarajan & Kolter's (NeurIPS 2019) hypersphere construction across training-set sizes.

    Attributes:
        dim: input dimension d.
        radii: the inner and outer sphere's radii (label 0 and label 1).
        sizes: the training-set sizes m, one network each (increasing).
        width: hidden ReLU units of the one-hidden-layer network.
        margin: the margin gamma every training point should reach (the network's output f(x)
            times the label in {-1, +1}).
        threshold: training stops at the first epoch after which at most this share of the
            training points has a margin below ``margin`` (the official code's criterion).
        train: SGD settings (the epochs are the cap): the official lr 0.5, batch 64, plain SGD.
        test_size: fresh test points per size.
        seed: seeds the data and the initialisation (the same initial network for every m).
        device: ``cpu``, ``cuda``, ...
    """

    dim: int = 100
    radii: tuple[float, float] = (1.0, 1.1)
    sizes: tuple[int, ...] = (256, 512, 1024, 2048, 4096)
    width: int = 1000
    margin: float = 4.0
    threshold: float = 0.01
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=500, lr=0.5, batch_size=64, optimizer="sgd", momentum=0.0, schedule="constant"))
    test_size: int = 10000
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_int("dim", self.dim, minimum=2)
        check_int("width", self.width)
        check_int("test_size", self.test_size)
        check_positive("margin", self.margin)
        check_fraction("threshold", self.threshold, example=0.01)
        object.__setattr__(self, "radii", tuple(self.radii))
        object.__setattr__(self, "sizes", tuple(self.sizes))
        if len(self.radii) != 2 or not 0 < self.radii[0] < self.radii[1]:
            raise ValueError(f"radii must be two increasing positive numbers (inner, outer), e.g. 1,1.1; got {self.radii}")
        if not self.sizes or list(self.sizes) != sorted(set(self.sizes)):
            raise ValueError(f"sizes must be distinct and increasing, e.g. 256,1024,4096; got {self.sizes}")
        for m in self.sizes:
            check_int("sizes", m, minimum=2)
