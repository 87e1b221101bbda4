"""How to train (``TrainConfig``), importable without torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from genlab.config import Config, check_choice, check_int, check_positive

OPTIMIZERS = ("adam", "adamw", "sgd", "lbfgs")
SCHEDULES = ("cosine", "constant", "onecycle")


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass(frozen=True)
class TrainConfig(Config):
    """How to train.

    Attributes:
        epochs: passes over the training tensors.
        batch_size: examples per step.
        lr: peak learning rate.
        optimizer: ``adam``, ``adamw``, ``sgd`` (with ``momentum``) or ``lbfgs`` (torch's L-BFGS
            with a strong-Wolfe line search, history 100: each step runs up to 20 iterations on
            its batch; meant for full-batch training, ``batch_size`` >= the examples, lr 1).
        weight_decay: decoupled for adamw, L2 for the others.
        schedule: ``cosine`` (decay to 0), ``constant``, or ``onecycle`` (linear warm-up over
            the first 10% of steps, then cosine decay).
        seed: seeds the batch order.
        label_smoothing: cross-entropy label smoothing.
        betas: Adam/AdamW moment decay rates.
        warmup_steps: a linear learning-rate warm-up over the first steps, on top of ``schedule``.
        sam_rho: sharpness-aware minimization's radius rho (genlab.train.SAM around the
            optimizer; 0: plain training).
        sam_adaptive: adaptive SAM (the perturbation scaled by |w|).
        sam_last_layer: perturb only the last layer's parameters.
        momentum: SGD's momentum (Nesterov when > 0; 0: plain SGD).
    """

    epochs: float = 5
    batch_size: int = 128
    lr: float = 1e-3
    optimizer: str = "adam"
    weight_decay: float = 0.0
    schedule: str = "cosine"
    seed: int = 0
    label_smoothing: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    warmup_steps: int = 0
    sam_rho: float = 0.0
    sam_adaptive: bool = False
    sam_last_layer: bool = False
    momentum: float = 0.9

    def __post_init__(self) -> None:
        check_positive("epochs", self.epochs)
        check_int("batch_size", self.batch_size)
        check_positive("lr", self.lr)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        if self.optimizer == "lbfgs" and (self.sam_rho > 0 or self.weight_decay > 0):
            raise ValueError("optimizer lbfgs takes neither sam_rho nor weight_decay (add a penalty to the loss instead); set them to 0")
        check_choice("schedule", self.schedule, SCHEDULES)
        object.__setattr__(self, "betas", tuple(self.betas))  # a list when read back from JSON
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas}")
        check_positive("sam_rho", self.sam_rho, allow_zero=True)
        if not (isinstance(self.momentum, (int, float)) and 0 <= self.momentum < 1):
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {self.warmup_steps}")

    def to_dict(self) -> dict:
        """The fields as a dict; ``betas`` and ``warmup_steps`` only when not at their defaults, so
        that configurations (and the sweep task keys hashed from them) stored before these
        options existed stay the same."""
        out = asdict(self)
        for name in _LATER_FIELDS:
            if out[name] == _LATER_FIELDS[name]:
                del out[name]
            elif name == "betas":
                out[name] = list(out[name])
        return out


_LATER_FIELDS = {"betas": (0.9, 0.999), "warmup_steps": 0, "sam_rho": 0.0, "sam_adaptive": False, "sam_last_layer": False, "momentum": 0.9}
