"""The memorization estimate's configuration, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_choice, check_fraction, check_int, check_positive
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


RESMEM_MODELS = ("mlp", "cnn")


@dataclass(frozen=True)
class ResMemConfig(Config):
    """Residual memorization (ResMem; Yang, Lukasik, Nagarajan, Li, Rawat, Zaheer, Menon & Kumar,
    NeurIPS 2023) across base-model sizes: a base classifier, then a soft k-nearest-neighbour
    regressor on its training residuals in its penultimate features.

    Attributes:
        dataset: a built-in image dataset (genlab.data.load_dataset).
        model: ``mlp`` (``depth`` hidden layers of each width) or ``cnn`` (``depth`` conv blocks,
            the first with ``width`` channels); the penultimate features are the input of the last
            linear layer.
        widths: the base models' widths, one base model (and one ResMem) per width.
        depth: hidden layers (MLP) or conv blocks (CNN).
        train_size: training examples used (the first ones; None: the whole training split),
            ``validation`` of them held out.
        validation: training examples carved out (seeded) before the base model trains: k and
            sigma are chosen on them, and they are neither trained on nor memorized.
        ks: the neighbour counts tried.
        sigmas: the temperatures tried, in units of the median distance from a validation point
            to its nearest memorized point (so one grid suits every width).
        train: how each base model is trained (genlab.train).
        seed: seeds the validation split and each base model's initialisation and batch order.
        device: ``cpu``, ``cuda``, ...
    """

    dataset: str = "fashion-mnist"
    model: str = "mlp"
    widths: tuple[int, ...] = (8, 32, 128, 512)
    depth: int = 1
    train_size: int | None = None
    validation: int = 5000
    ks: tuple[int, ...] = (1, 3, 10, 30, 100)
    sigmas: tuple[float, ...] = (0.03, 0.1, 0.3, 1.0, 3.0)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=10, lr=1e-3, batch_size=128))
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_choice("model", self.model, RESMEM_MODELS)
        check_int("depth", self.depth)
        check_int("validation", self.validation)
        if self.train_size is not None:
            check_int("train_size", self.train_size, minimum=self.validation + 1)
        for name in ("widths", "ks", "sigmas"):
            values = tuple(getattr(self, name))
            object.__setattr__(self, name, values)
            if not values or len(set(values)) != len(values):
                raise ValueError(f"{name} must be non-empty and distinct, got {values}")
        for w in self.widths:
            check_int("widths", w)
        for k in self.ks:
            check_int("ks", k)
        for s in self.sigmas:
            check_positive("sigmas", s)
