"""The disagreement estimate's configuration, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_choice, check_fraction, check_int
from genlab.train import TrainConfig

SOURCES = ("alldiff", "diffinit", "difforder", "diffdata")
DATA_SPLITS = ("halves", "bootstrap")


@dataclass(frozen=True)
class DisagreementConfig(Config):
    """Everything that fixes a disagreement estimate of test error (Jiang, Nagarajan, Baek & Kolter,
    ICLR 2022, "Assessing Generalization of SGD via Disagreement").

    Attributes:
        source: which randomness differs between the two runs of a pair, one or more of
            ``alldiff`` (all of it), ``diffinit`` (the initialisation only), ``difforder`` (the
            batch order only) and ``diffdata`` (the training subset only), as in the paper; the
            first is the headline estimate.
        pairs: pairs of runs; every run also joins the vote ensemble that measures calibration.
        data_split: how ``diffdata`` and ``alldiff`` give a pair's runs different data:
            ``halves`` (each run trains on its own half of a random split of the training set) or
            ``bootstrap`` (each run trains on its own resample, with replacement, of the whole set).
        train: how each run is trained (genlab.train).
        seed: seeds every run's initialisation, batch order and data subset.
        bins: equal-width confidence bins on [0, 1] of the calibration errors (CACE, CWCE, ECE).
        confidence: level of the Clopper-Pearson interval on the disagreement rate.
        shift: synthetic shifts of the unlabelled inputs (genlab.data.apply_shift: ``rotate:30``,
            ``noise:0.3``, ``blur:1.5``, ``contrast:0.3``): each run's accuracy on each is
            estimated by agreement-on-the-line (Baek et al. 2022) beside naive agreement and
            confidence baselines.
        checkpoints: with ``shift``, snapshots per run (evenly spaced over training, the last at
            its end) that join the models agreement-on-the-line is fitted on.
        device: where each run trains (``cuda`` runs the tasks one by one: use workers=0).
    """

    source: tuple[str, ...] = ("alldiff",)
    pairs: int = 3
    data_split: str = "halves"
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=20, lr=1e-3, batch_size=128))
    seed: int = 0
    bins: int = 15
    confidence: float = 0.95
    shift: tuple[str, ...] = ()
    checkpoints: int = 5
    device: str = "cpu"

    def __post_init__(self) -> None:
        object.__setattr__(self, "shift", (self.shift,) if isinstance(self.shift, str) else tuple(self.shift))
        for spec in self.shift:  # the kinds are checked by genlab.data.parse_shift before any training
            if not isinstance(spec, str) or spec.count(":") != 1:
                raise ValueError(f"a shift is kind:level, e.g. rotate:30 or noise:0.3; got {spec!r}")
        check_int("checkpoints", self.checkpoints)
        object.__setattr__(self, "source", (self.source,) if isinstance(self.source, str) else tuple(self.source))
        if not self.source or len(set(self.source)) != len(self.source):
            raise ValueError(f"source must name one or more distinct settings of {', '.join(SOURCES)}, got {self.source}")
        for s in self.source:
            check_choice("source", s, SOURCES)
        check_choice("data_split", self.data_split, DATA_SPLITS)
        check_int("pairs", self.pairs)
        check_int("bins", self.bins)
        check_fraction("confidence", self.confidence, example=0.95)

    def runs(self, source: str) -> list[dict]:
        """Seeds of ``source``'s 2 x pairs runs: run ``2p + j`` is member j of pair p. ``init`` seeds
        the initialisation, ``order`` the batch order, ``data`` the training subset (None: the
        whole training set); what the source holds fixed is shared by the pair's two runs. Runs of
        different sources with the same seeds are the same run (trained once)."""
        check_choice("source", source, SOURCES)
        differ = {"init": source in ("alldiff", "diffinit"), "order": source in ("alldiff", "difforder"), "data": source in ("alldiff", "diffdata")}
        out = []
        for p in range(self.pairs):
            for j in (0, 1):
                base = self.seed * 1_000_003 + 10 * p
                out.append({"pair": p, "member": j, "init": base + (1 + j if differ["init"] else 0), "order": base + (3 + j if differ["order"] else 5),
                            "data": None if not differ["data"] else {"split": self.data_split, "seed": base + 7 + (j if self.data_split == "bootstrap" else 0), "part": j}})
        return out


MODEL_AXES = ("width", "depth")
TRAIN_AXES = ("lr", "weight_decay", "batch_size")


def _default_grid() -> dict:
    return {"width": (32, 128, 512), "depth": (1, 2, 3), "lr": (3e-4, 1e-3, 3e-3), "weight_decay": (0.0, 1e-5, 1e-4)}


@dataclass(frozen=True)
class ZooConfig(Config):
    """A model zoo for ranking generalization measures, after Jiang, Neyshabur, Mobahi, Krishnan &
    Bengio (ICLR 2020, "Fantastic Generalization Measures and Where to Find Them"): a factorial
    grid of hyperparameters, every configuration trained to a training cross-entropy target.

    Attributes:
        grid: the axes and their values: ``width`` and ``depth`` (the model), ``lr``,
            ``weight_decay`` and ``batch_size`` (the training); every combination is a configuration.
        seeds: runs per configuration on the same training examples (different initialisation and
            batch order): their disagreement is the paper's same-data estimate of test error.
        partner: one more run per configuration on a disjoint set of training examples of the same
            size (the next ``train_size`` of the dataset), with its own seed: an AllDiff pair with
            the first seed's run.
        stop_ce: training stops at the first epoch whose mean training cross-entropy is at most
            this (Fantastic: 0.01); a run that never gets there is not converged.
        max_epochs: the cap on epochs; runs stopped by it are counted and left out of the ranking.
            Adam at a constant learning rate needs up to about 300 epochs on 4,000 Fashion-MNIST
            images at width 32 and lr 3e-4; Adam's coupled L2 penalty of 1e-3 keeps most runs above
            cross-entropy 0.01 at any cap, hence the default grid's weight decays of at most 1e-4.
        lr, weight_decay, batch_size: training settings of the axes the grid does not vary.
        optimizer: ``adam``, ``adamw`` or ``sgd`` (genlab.train).
        measure_examples: training examples the flatness measures (PAC-Bayes, sharpness) are
            computed on (the first ones); the others, the gradient noise included, use all of them.
        seed: seeds every run (run r of configuration c: seed * 1_000_003 + 1000 c + r).
        device: where each run trains.
    """

    grid: dict = field(default_factory=_default_grid)
    seeds: int = 2
    partner: bool = True
    stop_ce: float = 0.01
    max_epochs: int = 300
    lr: float = 1e-3
    weight_decay: float = 0.0
    batch_size: int = 128
    optimizer: str = "adam"
    measure_examples: int = 1000
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        if not isinstance(self.grid, dict) or not self.grid:
            raise ValueError("grid must map axes to values, e.g. {'width': (32, 128), 'depth': (1, 2)}")
        grid = {}
        for axis, values in self.grid.items():
            if axis not in MODEL_AXES + TRAIN_AXES:
                raise ValueError(f"grid axis {axis!r} is not one of {', '.join(MODEL_AXES + TRAIN_AXES)}")
            values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
            if not values or len(set(values)) != len(values):
                raise ValueError(f"grid axis {axis} needs distinct values, got {values}")
            if axis in ("width", "depth", "batch_size"):
                for v in values:
                    check_int(axis, v)
            grid[axis] = values
        object.__setattr__(self, "grid", grid)
        check_int("seeds", self.seeds)
        check_int("max_epochs", self.max_epochs)
        check_int("measure_examples", self.measure_examples, minimum=10)
        check_fraction("stop_ce", self.stop_ce, example=0.01)

    def configurations(self) -> list[dict]:
        """Every combination of the grid's values, in a fixed order (the last axis fastest)."""
        import itertools

        return [dict(zip(self.grid, values)) for values in itertools.product(*self.grid.values())]


@dataclass(frozen=True)
class IntrinsicDimensionConfig(Config):
    """The intrinsic dimension of a task for a model (Li, Farkhoor, Liu & Yosinski, ICLR 2018,
    "Measuring the Intrinsic Dimension of Objective Landscapes"): the smallest d such that
    training only z in theta = theta_0 + P z (P a random D x d projection) reaches a share
    ``threshold`` of a baseline score.

    Attributes:
        dims: the grid of subspace dimensions d trained first.
        threshold: the share of the baseline to reach (0.9: d_90).
        bisect_steps: trainings spent bisecting between the last grid d that misses and the first
            that reaches each target (0: the grid's answer).
        full_baseline: also train the model in its full space, whose score is the second
            baseline (the paper's own is a fixed score of 1.0, i.e. 90% accuracy for d_90).
        projector: the structure of P (genlab.compress projectors: ``fastfood``, ``kronecker``;
            never a dense D x d matrix).
        train: how z is trained (z moves theta along unit-scale random directions: it wants a
            larger learning rate than the weights themselves).
        full_train: how the full-space model of ``full_baseline`` is trained.
        seed: seeds theta_0 (the same for every d) and P.
        device: ``cpu``, ``cuda``, ...
    """

    dims: tuple[int, ...] = (100, 200, 400, 600, 800, 1000, 1500, 2000)
    threshold: float = 0.9
    bisect_steps: int = 3
    full_baseline: bool = True
    projector: str = "fastfood"
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=3, lr=0.03, batch_size=128))
    full_train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=3, lr=1e-3, batch_size=128))
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", tuple(self.dims))
        if not self.dims or list(self.dims) != sorted(set(self.dims)):
            raise ValueError(f"dims must be distinct and increasing, e.g. 100,500,1000; got {self.dims}")
        for d in self.dims:
            check_int("dims", d)
        check_fraction("threshold", self.threshold, example=0.9)
        check_int("bisect_steps", self.bisect_steps, minimum=0)
        check_choice("projector", self.projector, ("fastfood", "kronecker"))
