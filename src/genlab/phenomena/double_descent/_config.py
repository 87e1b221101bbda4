"""The configuration of a double-descent sweep, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_choice, check_fraction, check_int
from genlab.train import TrainConfig

MODELS = ("random-features", "mlp")
LOSSES = ("cross-entropy", "mse")


@dataclass(frozen=True)
class DoubleDescentConfig(Config):
    """A sweep of model size through the interpolation threshold (Belkin, Hsu, Ma & Mandal, PNAS
    2019; Nakkiran et al., ICLR 2020, "Deep Double Descent").

    Attributes:
        dataset: a built-in image dataset (genlab.data.load_dataset).
        n: training examples (the first n of the dataset's training split).
        test_size: test examples (None: the whole test split).
        model: ``random-features`` (N random ReLU features x -> max(0, W x), W ~ N(0, 1/d), and
            the minimum-norm least-squares fit of the one-hot labels; N = ``widths``) or ``mlp``
            (one hidden ReLU layer of each width, trained with ``train``).
        widths: the model sizes swept (features N, or hidden units).
        label_noise: share of training labels replaced by a uniformly drawn other class.
        loss: the MLP's loss, ``cross-entropy`` or ``mse`` (on one-hot targets).
        train: how each MLP is trained (the epochs are the cap; ``stop_at_zero`` ends earlier).
        eval_every: MLP: record train and test error every this many epochs (the curve over epochs).
        stop_at_zero: MLP: stop once the training error is 0 (measured every ``eval_every`` epochs).
        seeds: repetitions (features, initialisations), averaged.
        seed: seeds the label noise, the features and the initialisations.
        device: ``cpu``, ``cuda``, ...
    """

    dataset: str = "fashion-mnist"
    n: int = 1000
    test_size: int | None = None
    model: str = "random-features"
    widths: tuple[int, ...] = (10, 50, 100, 200, 500, 800, 900, 1000, 1100, 1200, 1500, 2000, 4000, 8000, 16000)
    label_noise: float = 0.0
    loss: str = "cross-entropy"
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=500, lr=1e-3, batch_size=128, schedule="constant"))
    eval_every: int = 10
    stop_at_zero: bool = False
    seeds: int = 1
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_choice("model", self.model, MODELS)
        check_choice("loss", self.loss, LOSSES)
        check_int("n", self.n, minimum=2)
        check_int("eval_every", self.eval_every)
        check_int("seeds", self.seeds)
        object.__setattr__(self, "widths", tuple(self.widths))
        if not self.widths or list(self.widths) != sorted(set(self.widths)):
            raise ValueError(f"widths must be distinct and increasing, e.g. 100,1000,10000; got {self.widths}")
        for w in self.widths:
            check_int("widths", w)
        if self.label_noise:
            check_fraction("label_noise", self.label_noise, example=0.2)
