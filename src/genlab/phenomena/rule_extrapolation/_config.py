"""The configuration of a rule-extrapolation study, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_choice, check_choices, check_int
from genlab.phenomena.rule_extrapolation._languages import LANGUAGES
from genlab.train import TrainConfig

MODELS = ("transformer", "lstm", "linear")


@dataclass(frozen=True)
class RuleExtrapolationConfig(Config):
    """Rule extrapolation (Meszaros et al., NeurIPS 2024): train sequence models on a formal
    language defined by two rules, then prompt them with prefixes that break one rule and count how
    often their completions still obey the other (R1).

    Attributes:
        language: ``anbn``, ``anbncn``, ``ban`` (b a^2m), ``bban`` (b^n a^2m), ``dyck`` or
            ``cs-dyck`` (genlab.phenomena.rule_extrapolation.LANGUAGES).
        models: the architectures compared: ``transformer``, ``lstm``, ``linear``.
        seeds: runs per model (initialisation and batch order; sampled languages also redraw
            their words).
        max_length: the longest training word in symbols (a^n b^n: n up to max_length / 2).
        train_size: training words for the sampled languages (a^n b^n and a^n b^n c^n train on
            every word up to max_length instead).
        test_size: test words for the sampled languages (the enumerable ones test on all words).
        prompt_length: symbols per prompt; every string of this length is a prompt, out of
            distribution when no continuation is grammatical (and R1 can still be met).
        max_prompts: at most this many prompts of each kind are completed (a seeded random
            subset when there are more).
        transformer: width, heads, layers and feed-forward width of the Transformer.
        lstm: embedding width, hidden width and layers of the LSTM.
        linear_embedding: embedding width of the linear model.
        train: how every model is trained (one epoch: one pass over the training words).
        seed: seeds everything.
        device: ``cpu``, ``cuda``, ...
    """

    language: str = "anbn"
    models: tuple[str, ...] = MODELS
    seeds: int = 5
    max_length: int = 64
    train_size: int = 512
    test_size: int = 512
    prompt_length: int = 8
    max_prompts: int = 512
    transformer: tuple[int, int, int, int] = (24, 4, 2, 96)
    lstm: tuple[int, int, int] = (16, 64, 2)
    linear_embedding: int = 8
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=1500, batch_size=128, lr=2e-3, optimizer="adamw", schedule="cosine", warmup_steps=50))
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_choice("language", self.language, tuple(LANGUAGES))
        object.__setattr__(self, "models", check_choices("models", self.models, MODELS))
        for name in ("seeds", "train_size", "test_size", "prompt_length", "max_prompts", "linear_embedding"):
            check_int(name, getattr(self, name))
        check_int("max_length", self.max_length, minimum=2)
        if self.prompt_length >= self.max_length:
            raise ValueError(f"prompt_length ({self.prompt_length}) must be below max_length ({self.max_length}): completions need room")
        object.__setattr__(self, "transformer", tuple(self.transformer))
        object.__setattr__(self, "lstm", tuple(self.lstm))
        if len(self.transformer) != 4 or len(self.lstm) != 3:
            raise ValueError(f"transformer takes width,heads,layers,feedforward and lstm embedding,hidden,layers; got {self.transformer} and {self.lstm}")
        for v in (*self.transformer, *self.lstm):
            check_int("transformer/lstm sizes", v)
        if self.transformer[0] % self.transformer[1] or self.transformer[0] % 2:
            raise ValueError(f"the Transformer's width must be even and divisible by its heads, got width {self.transformer[0]}, heads {self.transformer[1]}")
