"""The configuration of a feature-learning study, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_int
from genlab.train import TrainConfig


@dataclass(frozen=True)
class FeaturesConfig(Config):
    """Which features SAM and SGD learn (Springer, Nagarajan & Raghunathan, ICLR 2024, "Sharpness-
    Aware Minimization Enhances Feature Quality via Balanced Learning"), on Dominoes
    (genlab.data.make_dominoes).

    Attributes:
        p: how often the digit (simple feature) agrees with the label (the item: hard feature) in
            training (1.0: redundant; 0.95: spurious).
        classes: classes of both datasets used.
        rhos: SAM radii compared (0: the base optimizer, SGD by default).
        seeds: runs per rho (initialisation, data order and the training images).
        train_size: training images.
        probe_size: decorrelated images the probes are fitted on (as many again, from the test
            split, score them).
        test_size: in-distribution test images (labels agreeing with probability p, from the
            test split).
        penultimate: width of the small dense layer before the classifier (the probed features);
            0: no dense layer, the classifier reads the flattened convolutional features and the
            probes do too (the paper's architecture).
        first_kernel: kernel size of the first convolution (5, padding 2: the paper's; 3, padding
            1: results written before this choice read back as it).
        adaptive: adaptive SAM (the perturbation scaled by |w|).
        train: how each network is trained (sam_rho is set per rho).
        seed: seeds everything.
        device: ``cpu``, ``cuda``, ...
    """

    p: float = 1.0
    classes: int = 5
    rhos: tuple[float, ...] = (0.0, 0.05, 0.1)
    seeds: int = 3
    train_size: int = 10_000
    probe_size: int = 5_000
    test_size: int = 5_000
    penultimate: int = 64
    first_kernel: int = 5
    adaptive: bool = False
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=4, lr=0.02, batch_size=128, optimizer="sgd", schedule="cosine"))
    seed: int = 0
    device: str = "cpu"

    @classmethod
    def from_dict(cls, data: dict) -> "FeaturesConfig":
        return super().from_dict({"first_kernel": 3, **data})  # results written before the choice: 3x3 throughout

    def __post_init__(self) -> None:
        if not 0 <= self.p <= 1:
            raise ValueError(f"p must lie in [0, 1] (1.0: redundant, 0.95: spurious), got {self.p}")
        check_int("classes", self.classes, minimum=2)
        if self.classes > 10:
            raise ValueError(f"classes must be at most 10 (MNIST and Fashion-MNIST have 10), got {self.classes}")
        object.__setattr__(self, "rhos", tuple(float(r) for r in self.rhos))
        if not self.rhos or any(r < 0 for r in self.rhos):
            raise ValueError(f"rhos must be one or more radii >= 0, e.g. 0,0.05,0.1; got {self.rhos}")
        for name in ("seeds", "train_size", "probe_size", "test_size"):
            check_int(name, getattr(self, name))
        check_int("penultimate", self.penultimate, minimum=0)
        if self.first_kernel not in (3, 5):
            raise ValueError(f"first_kernel must be 5 (the paper's first convolution) or 3, got {self.first_kernel}")
