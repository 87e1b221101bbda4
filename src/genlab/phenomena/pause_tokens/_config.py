"""The configuration of the pause-token study, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_choices, check_int
from genlab.train import TrainConfig

ARMS = ("standard/standard", "standard/pause", "pause/standard", "pause/pause")


@dataclass(frozen=True)
class PauseConfig(Config):
    """The 2 x 2 pause-token design: standard or pause pretraining x standard or pause finetuning.

    Attributes:
        digits: length n of the digit lists (0-9); the task is their sum mod 10.
        pretrain_size: pretraining sequences (a list, ``=``, its n running sums mod 10, end).
        direct_share: share of the pretraining sequences in the downstream format instead (a
            list, ``=``, its sum mod 10, end), as a web corpus holds some text of a downstream task.
        finetune_size: downstream training examples (a list, ``=``, the answer).
        test_size: fresh downstream test examples (exact match of the answer).
        pretrain_pauses: pause-pretraining: ``<pause>`` tokens inserted at uniformly random
            positions of each pretraining sequence (no loss where the next token is a pause).
        finetune_pauses: pause-finetuning: ``<pause>`` tokens appended after ``=`` (the answer is
            read after the last one); also at test time.
        arms: which of ``pretraining/finetuning`` to run (``standard`` or ``pause`` each).
        size: the GPT (genlab.models.GPT_SIZES).
        pretrain: how each model is pretrained.
        finetune: how each pretrained model is finetuned on the downstream task.
        seeds: repetitions of the whole design (data, initialisation, batch order).
        seed: seeds everything.
        device: ``cpu``, ``cuda``, ...
    """

    digits: int = 3
    pretrain_size: int = 50_000
    direct_share: float = 0.5
    finetune_size: int = 20_000
    test_size: int = 2_000
    pretrain_pauses: int = 1
    finetune_pauses: int = 8
    arms: tuple[str, ...] = ARMS
    size: str = "gpt-nano"
    pretrain: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=2.0, batch_size=128, lr=1e-3, optimizer="adamw", weight_decay=0.01, warmup_steps=100))
    finetune: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=10.0, batch_size=128, lr=1e-3, optimizer="adamw", weight_decay=0.01, warmup_steps=50))
    seeds: int = 3
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_int("digits", self.digits, minimum=2)
        for name in ("pretrain_size", "finetune_size", "test_size", "seeds", "pretrain_pauses", "finetune_pauses"):
            check_int(name, getattr(self, name), minimum=0 if name.endswith("pauses") else 1)
        object.__setattr__(self, "arms", check_choices("arms", self.arms, ARMS))
        if not (isinstance(self.direct_share, (int, float)) and 0 <= self.direct_share <= 1):
            raise ValueError(f"direct_share must be in [0, 1], got {self.direct_share!r}")
