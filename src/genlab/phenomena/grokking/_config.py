"""The configuration of one grokking run."""

from __future__ import annotations

from dataclasses import dataclass

from genlab.config import Config, check_choice, check_fraction, check_int, check_positive

TASKS = ("add", "sub", "mul", "div", "poly", "parity")
MODELS = ("mlp", "mlp-fourier", "transformer", "decoder")
LOSSES = ("softmax", "stablemax")


@dataclass(frozen=True)
class GrokConfig(Config):
    """One grokking run. The defaults are the fast modular-addition setting (docs/grokking.md).

    Attributes:
        task: add, sub, mul, div, poly (modular arithmetic mod p) or parity (sparse parity).
        p: the prime modulus of a modular task.
        train_frac: share of all (a, b) pairs that trains (modular tasks).
        n_bits: input bits of the parity task.
        k_bits: relevant bits of the parity task (its label is their XOR).
        train_size: training examples of the parity task (2,000 more are its test set).
        model: mlp, mlp-fourier (the MLP on a fixed circular embedding), transformer (one layer
            as in Nanda et al. 2023) or decoder (the Grokfast paper's causal decoder); parity
            always uses a one-hidden-layer MLP.
        width: hidden units of the MLP.
        embed: embedding width (the model width of the transformer and decoder).
        layers: blocks of the transformer or decoder.
        steps: optimizer steps.
        batch_size: examples per step (None: full batch).
        lr: learning rate.
        weight_decay: AdamW's decoupled weight decay (L2 weight decay with adam).
        optimizer: adamw, or adam (L2 weight decay, the Grokfast paper code's default).
        betas: Adam's moment decay rates.
        warmup: steps of linear learning-rate warm-up.
        loss: softmax (cross-entropy) or stablemax (StableMax cross-entropy, Prieto et al. 2025).
        orthogonal_grad: remove each gradient's component along its parameter (perp-Grad, Prieto
            et al. 2025).
        grokfast_alpha: Grokfast-EMA's decay alpha (e.g. 0.98; None: off).
        grokfast_lambda: Grokfast's amplification lambda.
        log_every: measure every N steps (and keep a weight snapshot for the explorable).
        stop_at: stop at the first measurement whose test accuracy reaches this (None: run all
            steps).
        seed: seeds the task's split (or parity's bits) and the model.
        device: cpu, cuda, ...
    """

    task: str = "add"
    p: int = 97
    train_frac: float = 0.4
    n_bits: int = 40
    k_bits: int = 3
    train_size: int = 1000
    model: str = "mlp"
    width: int = 256
    embed: int = 128
    layers: int = 1
    steps: int = 3000
    batch_size: int | None = None
    lr: float = 3e-3
    weight_decay: float = 1.0
    optimizer: str = "adamw"
    betas: tuple[float, float] = (0.9, 0.999)
    warmup: int = 0
    loss: str = "softmax"
    orthogonal_grad: bool = False
    grokfast_alpha: float | None = None
    grokfast_lambda: float = 2.0
    log_every: int = 25
    stop_at: float | None = None
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_choice("task", self.task, TASKS)
        check_choice("model", self.model, MODELS)
        check_choice("loss", self.loss, LOSSES)
        check_choice("optimizer", self.optimizer, ("adamw", "adam"))
        if self.task != "parity" and (self.p < 3 or any(self.p % q == 0 for q in range(2, int(self.p ** 0.5) + 1))):
            raise ValueError(f"p must be a prime >= 3 (division needs a field), got {self.p}")
        check_fraction("train_frac", self.train_frac, example=0.4)
        if self.task == "parity" and not 1 <= self.k_bits <= self.n_bits:
            raise ValueError(f"parity needs 1 <= k <= n, got k={self.k_bits}, n={self.n_bits}")
        if self.grokfast_alpha is not None and not 0 <= self.grokfast_alpha < 1:
            raise ValueError(f"grokfast_alpha must lie in [0, 1), got {self.grokfast_alpha}")
        for name in ("steps", "log_every", "layers", "width", "embed"):
            check_int(name, getattr(self, name))
        check_int("warmup", self.warmup, minimum=0)
        check_positive("lr", self.lr)
        check_positive("weight_decay", self.weight_decay, allow_zero=True)
        if self.stop_at is not None and not 0 < self.stop_at <= 1:
            raise ValueError(f"stop_at (a test accuracy) must lie in (0, 1], got {self.stop_at}")
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size)
        object.__setattr__(self, "betas", tuple(self.betas))  # a list when read back from JSON
