"""The configuration of the fact-recall study, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.config import Config, check_choice, check_choices, check_int
from genlab.train import TrainConfig

PRUNING = ("wanda", "magnitude")
ICL_TASKS = ("copy", "lookup")


@dataclass(frozen=True)
class FactRecallConfig(Config):
    """Fact recall against in-context learning under down-scaling (Jin, Clement, Dong, Nagarajan,
    Carbin, Ragan-Kelley & Dziugaite, 2023, "The cost of down-scaling language models: fact recall
    deteriorates before in-context learning"): a pretrained model pruned to growing sparsity, and
    small GPTs of growing size trained here (and pruned).

    Attributes:
        pretrained: the pretrained model pruned (genlab.models.load_pretrained; None: skip).
        sparsities: the shares of every linear layer's weights removed (0: the unpruned model).
        methods: one-shot pruning methods: ``wanda`` (|W| x input norm, per output row) and
            ``magnitude`` (|W|, per layer).
        wanda_calibration: ``sequential`` (Wanda's official procedure: block by block, each
            block's input norms through the already pruned blocks before it) or ``dense`` (every
            norm from one pass of the unpruned model; results written before the choice read back
            as it).
        calibration: Wanda's calibration sequences (training documents of the english corpus).
        calibration_tokens: tokens per calibration sequence.
        icl_prompts: in-context prompt candidates (half key-value lookups, half in-context
            classification, seeded); like the fact prompts, only those the unpruned model answers
            are kept.
        icl_chance_test: a kind of in-context prompt counts towards the in-context accuracy only
            if the unpruned model beats that kind's chance level (a guess among the answers the
            prompt offers) on its candidates, at this one-sided binomial p-value: prompts it
            answers by luck measure no ability (1: every kind counts, as results written before
            this choice did). Kinds that do not count are still scored and reported.
        max_new_tokens: greedy tokens generated per prompt; a prompt is answered when the
            generated text, stripped, starts with the answer.
        sizes: the small GPTs trained on the synthetic corpus (a name in genlab.models.GPT_SIZES or
            ``gpt-<layers>x<width>``; empty: skip).
        facts: synthetic facts ("<first> <last> lives in <city>"), meant to outnumber what the smallest
            GPT can store.
        first_names, last_names, cities: the synthetic vocabulary (facts <= first x last names).
        icl_task: the synthetic in-context episodes: ``copy`` (eleven random tokens, ``;``, the same
            eleven again: the answer is the token eleven back, found by position) or ``lookup``
            (five ``key = value`` pairs, then one key queried: the answer is found by content; gpt-nano
            did not learn it within 7,000 steps on a CPU, see the docs).
        icl_rows: in-context episodes in the synthetic corpus.
        synthetic_train: how each small GPT is trained (an epoch: every fact once in each of the four
            places of a row, and ``icl_rows`` episodes).
        seed: seeds the prompts, the calibration documents, the synthetic corpus and the GPTs.
        device: ``cpu``, ``cuda``, ...
    """

    pretrained: str | None = "smollm2-135m"
    sparsities: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
    methods: tuple[str, ...] = PRUNING
    wanda_calibration: str = "sequential"
    calibration: int = 128
    calibration_tokens: int = 128
    icl_prompts: int = 200
    icl_chance_test: float = 0.01
    max_new_tokens: int = 4
    sizes: tuple[str, ...] = ("gpt-pico", "gpt-2x32", "gpt-nano", "gpt-micro")
    facts: int = 2000
    first_names: int = 100
    last_names: int = 100
    cities: int = 50
    icl_task: str = "copy"
    icl_rows: int = 2000
    synthetic_train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=30, batch_size=32, lr=2e-3, optimizer="adamw", weight_decay=0.01, warmup_steps=100))
    seed: int = 0
    device: str = "cpu"

    @classmethod
    def from_dict(cls, data: dict) -> "FactRecallConfig":
        data = dict(data)
        data.setdefault("wanda_calibration", "dense")  # results written before the choice: one pass of the unpruned model
        data.setdefault("icl_chance_test", 1.0)  # results written before the test: every kind counted
        return super().from_dict(data)

    def __post_init__(self) -> None:
        object.__setattr__(self, "methods", check_choices("methods", self.methods, PRUNING))
        check_choice("icl_task", self.icl_task, ICL_TASKS)
        check_choice("wanda_calibration", self.wanda_calibration, ("sequential", "dense"))
        object.__setattr__(self, "sparsities", tuple(self.sparsities))
        object.__setattr__(self, "sizes", tuple(self.sizes))
        if not self.sparsities or self.sparsities[0] != 0 or list(self.sparsities) != sorted(set(self.sparsities)) or self.sparsities[-1] >= 1:
            raise ValueError(f"sparsities must start at 0, increase, and stay below 1, e.g. 0,0.2,0.4,0.6; got {self.sparsities}")
        if not 0 < self.icl_chance_test <= 1:
            raise ValueError(f"icl_chance_test is a p-value in (0, 1] (1: count every kind of in-context prompt), got {self.icl_chance_test}")
        for name in ("calibration", "calibration_tokens", "icl_prompts", "max_new_tokens", "facts", "first_names", "last_names", "cities", "icl_rows"):
            check_int(name, getattr(self, name))
        if self.facts > self.first_names * self.last_names:
            raise ValueError(f"facts = {self.facts} exceeds the {self.first_names} x {self.last_names} distinct names: raise --first-names or --last-names")
        if self.pretrained is None and not self.sizes:
            raise ValueError("nothing to do: give a pretrained model or at least one size")
