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
        device: where each run trains (``cuda`` runs the tasks one by one: use workers=0).
    """

    source: tuple[str, ...] = ("alldiff",)
    pairs: int = 3
    data_split: str = "halves"
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=20, lr=1e-3, batch_size=128))
    seed: int = 0
    bins: int = 15
    confidence: float = 0.95
    device: str = "cpu"

    def __post_init__(self) -> None:
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
