"""Grokking: a network first fits its training set at chance test accuracy, and generalizes much
later (Power et al. 2022). Tasks, models, the optimization options known to matter, and the
progress measures, trained with the shared loop (genlab.train), full-batch unless ``batch_size`` is set.

Tasks (``TASKS``):
- modular arithmetic on pairs (a, b) of residues mod p: ``add`` a+b, ``sub`` a-b, ``mul`` a*b,
  ``div`` a*b^(-1) (b != 0), ``poly`` a^2+ab+b^2; a seeded share ``train_frac`` of all pairs trains;
- ``parity``: sparse parity, n random bits whose label is the XOR of k fixed (seeded) ones.

Models (``MODELS``): ``mlp`` (learned embeddings of a and b, concatenated, one hidden ReLU
layer), ``mlp-fourier`` (the same MLP on a fixed circular embedding: cos and sin of 2 pi f a / p
for every frequency f), ``transformer`` (``layers`` blocks of attention + MLP, no layer norm,
reading the answer at an ``=`` token; one layer as in Nanda et al. 2023), ``decoder`` (the Grokfast
paper's causal decoder: tokens [a, op, b, =], layer norms, GELU MLPs; 2 layers there). Parity
always uses a one-hidden-layer MLP.

Optimization: AdamW with weight decay (or Adam with L2 weight decay, the Grokfast paper code's
default); Grokfast (Lee et al. 2024, "Grokfast: Accelerated Grokking by Amplifying Slow
Gradients"): g <- g + lambda * EMA_alpha(g); and from Prieto et al.
2025 ("Grokking at the Edge of Numerical Stability"): StableMax cross-entropy, s(x) = x + 1 for
x >= 0 and 1 / (1 - x) below, probabilities s(z_i) / sum_j s(z_j), and the orthogonal gradient
(perpendicular-to-weights update, "perp-Grad"): each parameter's gradient minus its component
along the parameter.

Measurements (``measure``): train/test loss and accuracy, the weight norm; for modular tasks the
embeddings' discrete Fourier spectrum, its key frequencies and the share of energy in them, and
Nanda et al.'s restricted loss (logits projected onto the key frequencies' cos(w(a+b-c)) terms)
and excluded loss (those terms removed), on the training pairs; for parity, the first layer's
weight mass on the k relevant bits against the others.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from torch import nn

from genlab.train import TrainConfig, train

TASKS = ("add", "sub", "mul", "div", "poly", "parity")
MODELS = ("mlp", "mlp-fourier", "transformer", "decoder")
LOSSES = ("softmax", "stablemax")


@dataclass(frozen=True)
class GrokConfig:
    """One grokking run. The defaults are the fast modular-addition setting (see the README)."""

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
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; choose one of {', '.join(TASKS)}")
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        if self.task != "parity" and (self.p < 3 or any(self.p % q == 0 for q in range(2, int(self.p ** 0.5) + 1))):
            raise ValueError(f"p must be a prime >= 3 (division needs a field), got {self.p}")
        if not 0 < self.train_frac < 1:
            raise ValueError(f"train_frac must lie strictly between 0 and 1, got {self.train_frac}")
        if self.task == "parity" and not 1 <= self.k_bits <= self.n_bits:
            raise ValueError(f"parity needs 1 <= k <= n, got k={self.k_bits}, n={self.n_bits}")
        if self.grokfast_alpha is not None and not 0 <= self.grokfast_alpha < 1:
            raise ValueError(f"grokfast_alpha must lie in [0, 1), got {self.grokfast_alpha}")
        if self.steps < 1 or self.log_every < 1 or self.layers < 1:
            raise ValueError("steps, log_every and layers must be >= 1")
        if self.optimizer not in ("adamw", "adam"):
            raise ValueError(f"optimizer must be adamw (decoupled weight decay) or adam (L2 weight decay), got {self.optimizer!r}")
        if self.stop_at is not None and not 0 < self.stop_at <= 1:
            raise ValueError(f"stop_at (a test accuracy) must lie in (0, 1], got {self.stop_at}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1 (or None: full batch), got {self.batch_size}")
        object.__setattr__(self, "betas", tuple(self.betas))  # a list when read back from JSON

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- tasks


def _modular_label(task: str, a: torch.Tensor, b: torch.Tensor, p: int) -> torch.Tensor:
    if task == "add":
        return (a + b) % p
    if task == "sub":
        return (a - b) % p
    if task == "mul":
        return (a * b) % p
    if task == "div":
        inverse = torch.tensor([pow(int(v), p - 2, p) if v else 0 for v in range(p)])
        return (a * inverse[b]) % p
    return (a * a + a * b + b * b) % p


def make_task(config: GrokConfig) -> dict:
    """{"x_train", "y_train", "x_test", "y_test", "classes", ...}: the data of ``config.task``."""
    gen = torch.Generator().manual_seed(config.seed)
    if config.task == "parity":
        relevant = torch.randperm(config.n_bits, generator=gen)[: config.k_bits].sort().values
        x = torch.randint(0, 2, (config.train_size + 2000, config.n_bits), generator=gen).float()
        y = (x[:, relevant].sum(1) % 2).long()
        n = config.train_size
        return {"x_train": x[:n], "y_train": y[:n], "x_test": x[n:], "y_test": y[n:], "classes": 2, "relevant": relevant}
    p = config.p
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    a, b = a.flatten(), b.flatten()
    if config.task == "div":
        a, b = a[b != 0], b[b != 0]
    y = _modular_label(config.task, a, b, p)
    order = torch.randperm(len(y), generator=gen)
    n = round(config.train_frac * len(y))
    x = torch.stack([a, b], 1)
    return {"x_train": x[order[:n]], "y_train": y[order[:n]], "x_test": x[order[n:]], "y_test": y[order[n:]], "classes": p}


# ---------------------------------------------------------------- models


class ModularMLP(nn.Module):
    """(a, b) -> embeddings -> concat -> ReLU layer -> logits over the p residues."""

    def __init__(self, p: int, width: int, embed: int, fourier: bool = False):
        super().__init__()
        self.p, self.fourier = p, fourier
        if fourier:  # fixed circular embedding: cos and sin of every frequency
            f = torch.arange(1, (p - 1) // 2 + 1, dtype=torch.float32)
            angle = 2 * math.pi * torch.arange(p, dtype=torch.float32)[:, None] * f[None, :] / p
            self.register_buffer("table", torch.cat([angle.cos(), angle.sin()], 1))
            embed = self.table.shape[1]
        else:
            self.embedding = nn.Embedding(p, embed)
        self.hidden = nn.Linear(2 * embed, width)
        self.out = nn.Linear(width, p)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.table[tokens] if self.fourier else self.embedding(tokens)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embed(x.long())
        return self.out(torch.relu(self.hidden(e.flatten(1))))


class Transformer(nn.Module):
    """Tokens [a, b, =]: embeddings + positions -> ``layers`` blocks of attention and MLP
    (residual, no layer norm) -> unembedding at the ``=`` position (one layer: Nanda et al. 2023;
    two: the Grokfast paper's setting)."""

    def __init__(self, p: int, d_model: int = 128, heads: int = 4, mlp: int = 512, layers: int = 1):
        super().__init__()
        self.p = p
        self.embedding = nn.Embedding(p + 1, d_model)  # p is the "=" token
        self.position = nn.Parameter(torch.randn(3, d_model) / d_model ** 0.5)
        self.attention = nn.ModuleList(nn.MultiheadAttention(d_model, heads, bias=False, batch_first=True) for _ in range(layers))
        self.mlp = nn.ModuleList(nn.Sequential(nn.Linear(d_model, mlp), nn.ReLU(), nn.Linear(mlp, d_model)) for _ in range(layers))
        self.unembed = nn.Linear(d_model, p, bias=False)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.embedding(tokens)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = torch.cat([x.long(), torch.full_like(x[:, :1].long(), self.p)], 1)
        h = self.embedding(tokens) + self.position
        for attention, mlp in zip(self.attention, self.mlp):
            h = h + attention(h, h, h, need_weights=False)[0]
            h = h + mlp(h)
        return self.unembed(h[:, -1])


class DecoderBlock(nn.Module):
    """The Grokfast paper's block, as in its reference code: the stream is layer-normed, causal
    self-attention is added to the normed stream, then a GELU MLP (4x) on a second layer norm."""

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attention = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        mask = torch.triu(torch.ones(h.shape[1], h.shape[1], dtype=torch.bool, device=h.device), diagonal=1)
        h = self.ln_1(h)
        h = h + self.attention(h, h, h, attn_mask=mask, need_weights=False)[0]
        return h + self.mlp(self.ln_2(h))


class Decoder(nn.Module):
    """The causal decoder of the Grokfast paper (after Power et al. 2022): tokens [a, op, b, =]
    with learned token and position embeddings, ``layers`` ``DecoderBlock``s, a final layer
    norm, and the answer read at ``=``."""

    def __init__(self, p: int, d_model: int = 128, heads: int = 4, layers: int = 2):
        super().__init__()
        self.p = p
        self.embedding = nn.Embedding(p + 2, d_model)  # p is "=", p + 1 the operation
        self.position = nn.Embedding(4, d_model)
        self.blocks = nn.ModuleList(DecoderBlock(d_model, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.unembed = nn.Linear(d_model, p, bias=False)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.embedding(tokens)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.long()
        tokens = torch.stack([x[:, 0], torch.full_like(x[:, 0], self.p + 1), x[:, 1], torch.full_like(x[:, 0], self.p)], 1)
        h = self.embedding(tokens) + self.position.weight
        for block in self.blocks:
            h = block(h)
        return self.unembed(self.ln_f(h[:, -1]))


def build_model(config: GrokConfig, data: dict) -> nn.Module:
    """The seeded model of ``config`` for ``data``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        if config.task == "parity":
            return nn.Sequential(nn.Linear(config.n_bits, config.width), nn.ReLU(), nn.Linear(config.width, 2))
        if config.model == "transformer":
            return Transformer(config.p, d_model=config.embed, layers=config.layers)
        if config.model == "decoder":
            return Decoder(config.p, d_model=config.embed, layers=config.layers)
        return ModularMLP(config.p, config.width, config.embed, fourier=config.model == "mlp-fourier")


# ---------------------------------------------------------------- optimization extras


def stablemax_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy under StableMax (Prieto et al. 2025): s(x) = x + 1 (x >= 0), 1 / (1 - x) (x < 0)."""
    logits = logits.double()  # the softmax-collapse this avoids is a float32 rounding effect
    s = torch.where(logits >= 0, logits + 1, 1 / (1 - logits.clamp_max(0)))
    return (-(torch.log(s.gather(1, targets[:, None]).squeeze(1)) - torch.log(s.sum(1)))).mean().float()


def orthogonal_gradient(model: nn.Module) -> None:
    """Remove from each parameter's gradient its component along the parameter (perp-Grad)."""
    for w in model.parameters():
        if w.grad is not None and w.ndim > 0:
            norm2 = (w.detach() * w.detach()).sum()
            if norm2 > 0:
                w.grad.sub_((w.grad * w.detach()).sum() / norm2 * w.detach())


class Grokfast:
    """Grokfast-EMA (Lee et al. 2024): after each backward pass, g <- g + lambda * ema, where
    ema <- alpha * ema + (1 - alpha) * g amplifies the slow components of the gradient."""

    def __init__(self, alpha: float, lamb: float):
        self.alpha, self.lamb, self.ema = alpha, lamb, {}

    def __call__(self, model: nn.Module) -> None:
        for name, w in model.named_parameters():
            if w.grad is None:
                continue
            ema = self.ema.get(name)
            ema = w.grad.detach().clone() if ema is None else ema.mul_(self.alpha).add_(w.grad.detach(), alpha=1 - self.alpha)
            self.ema[name] = ema
            w.grad.add_(ema, alpha=self.lamb)


# ---------------------------------------------------------------- measurements


def fourier_spectrum(embedding: torch.Tensor, p: int) -> np.ndarray:
    """Energy of the (p x d) token embedding at each frequency f = 0 .. (p-1)/2 (the DFT over the
    token axis, cos and sin parts together), as shares of the total."""
    e = embedding.detach().double() - embedding.detach().double().mean(0)
    spectrum = torch.fft.rfft(e, dim=0).abs().pow(2).sum(1)
    spectrum[1:] *= 2  # the mirrored frequencies
    spectrum = spectrum[: (p - 1) // 2 + 1]
    return (spectrum / spectrum.sum().clamp_min(1e-30)).numpy()


def key_frequencies(spectrum: np.ndarray, count: int = 5) -> list[int]:
    """The ``count`` frequencies (f >= 1) holding the most embedding energy."""
    return (np.argsort(-spectrum[1:])[:count] + 1).tolist()


def restricted_excluded_loss(model: nn.Module, data: dict, p: int, keys: list[int], device="cpu") -> tuple[float, float]:
    """Nanda et al. 2023: on the training pairs, the loss of the logits restricted to the
    directions cos(w(a + b - c)) for the key frequencies w (restricted), and of the logits with
    those directions removed (excluded). Computed over the full p x p input grid."""
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    grid = torch.stack([a.flatten(), b.flatten()], 1)
    with torch.no_grad():
        logits = torch.cat([model(grid[i : i + 4096].to(device)).double().cpu() for i in range(0, len(grid), 4096)]).reshape(p, p, p)
    logits = logits - logits.mean(2, keepdim=True)
    # cos and sin of w(a + b - c) span exactly the DFT components at +-(w, w, -w): keep those.
    keep = torch.zeros(p, p, p, dtype=torch.bool)
    for w in keys:
        keep[w % p, w % p, (-w) % p] = keep[(-w) % p, (-w) % p, w % p] = True
    projection = torch.fft.ifftn(torch.fft.fftn(logits) * keep).real
    x, y = data["x_train"], data["y_train"]

    def loss(table: torch.Tensor) -> float:
        return float(nn.functional.cross_entropy(table[x[:, 0], x[:, 1]], y))

    return loss(projection), loss(logits - projection)


@torch.no_grad()
def measure(model: nn.Module, data: dict, config: GrokConfig) -> dict:
    """Train/test loss and accuracy, weight norm, and the task's progress measures."""
    model.eval()
    out = {}
    for split in ("train", "test"):
        x, y = data[f"x_{split}"].to(config.device), data[f"y_{split}"].to(config.device)
        logits = model(x)
        out[f"{split}_loss"] = float(nn.functional.cross_entropy(logits.float(), y))
        out[f"{split}_acc"] = float((logits.argmax(1) == y).float().mean())
    out["weight_norm"] = float(torch.sqrt(sum((w.detach().double() ** 2).sum() for w in model.parameters())))
    if config.task == "parity":
        first = next(m for m in model.modules() if isinstance(m, nn.Linear)).weight.detach().abs()
        relevant = data["relevant"]
        mask = torch.zeros(config.n_bits, dtype=torch.bool)
        mask[relevant] = True
        out["relevant_weight_share"] = float(first[:, mask].sum() / first.sum())
        out["relevant_weight_per_bit"] = float(first[:, mask].mean() / first[:, ~mask].mean().clamp_min(1e-30)) if (~mask).any() else math.inf
    elif config.model != "mlp-fourier":
        table = model.embed(torch.arange(config.p, device=config.device)).cpu()
        spectrum = fourier_spectrum(table, config.p)
        keys = key_frequencies(spectrum)
        out["spectrum"] = spectrum.round(5).tolist()
        out["key_frequencies"] = keys
        out["key_energy_share"] = float(spectrum[keys].sum())
        if config.task == "add":
            out["restricted_loss"], out["excluded_loss"] = restricted_excluded_loss(model, data, config.p, keys, config.device)
    model.train()
    return out


# ---------------------------------------------------------------- a run


def steps_to(history: list[dict], key: str, threshold: float) -> int | None:
    """The first logged step at which ``key`` reached ``threshold`` (None if never)."""
    return next((h["step"] for h in history if h[key] >= threshold), None)


def snapshot_weights(model: nn.Module, config: GrokConfig) -> torch.Tensor | None:
    """What the explorable draws at each logged step: the token embedding table (p x e) of a
    modular task (the stars and the spectrum are computed from it), the first layer's weights
    (hidden x n bits) for parity; None for the fixed circular embedding."""
    if config.task == "parity":
        return next(m for m in model.modules() if isinstance(m, nn.Linear)).weight.detach().cpu().clone()
    if config.model == "mlp-fourier":
        return None
    with torch.no_grad():
        return model.embed(torch.arange(config.p, device=config.device)).detach().cpu().clone()


class _Reached(Exception):
    """Raised from the step hook when ``GrokConfig.stop_at`` is reached."""


def grok(config: GrokConfig, *, run=None, progress: bool = True, on_measure=None, return_snapshots: bool = False) -> dict:
    """Train ``config`` (full-batch unless ``config.batch_size``) and measure every ``log_every`` steps.

    Returns a dict with the config, the measurement history (also appended to the run's
    metrics.jsonl), the steps at which train and test accuracy first reached 99%, the grokking
    delay between them, the final embedding spectrum, and the wall time (training stops early at
    the first logged step whose test accuracy reaches ``config.stop_at``, when set). The weights the
    explorable draws (``snapshot_weights``) at every logged step are saved as the run's
    ``snapshots.safetensors`` (``steps``, ``weights``: float16), and returned under
    ``"snapshots"`` as tensors when ``return_snapshots``."""
    start = time.time()
    data = make_task(config)
    model = build_model(config, data).to(config.device)
    history: list[dict] = []
    snapshots: list[torch.Tensor] = []

    def log(step: int, m: nn.Module) -> None:
        if step % config.log_every and step != config.steps:
            return
        record = {"step": step, "seconds": round(time.time() - start, 3), **measure(m, data, config)}
        history.append(record)
        weights = snapshot_weights(m, config)
        if weights is not None:
            snapshots.append(weights.half())
        if run is not None:
            run.log_metrics({"tag": "grok", **{k: v for k, v in record.items() if k != "spectrum"}})
        if on_measure is not None:
            on_measure(record)
        if config.stop_at is not None and record["test_acc"] >= config.stop_at:
            raise _Reached

    grokfast = Grokfast(config.grokfast_alpha, config.grokfast_lambda) if config.grokfast_alpha is not None else None

    def before_step(m: nn.Module) -> None:
        if grokfast is not None:
            grokfast(m)
        if config.orthogonal_grad:
            orthogonal_gradient(m)

    log(0, model)
    n = len(data["y_train"])
    batch = min(n, config.batch_size or n)
    train_config = TrainConfig(epochs=config.steps / math.ceil(n / batch), batch_size=batch, lr=config.lr, optimizer=config.optimizer, weight_decay=config.weight_decay,
                               schedule="constant", seed=config.seed, betas=config.betas, warmup_steps=config.warmup)
    try:
        train(model, data["x_train"], data["y_train"], train_config, device=config.device, tag=f"grok {config.task}", progress=progress,
              loss_fn=stablemax_cross_entropy if config.loss == "stablemax" else None, before_step=before_step, after_step=log)
    except _Reached:  # config.stop_at: test accuracy reached, the rest of the budget is not needed
        pass
    train_99, test_99 = steps_to(history, "train_acc", 0.99), steps_to(history, "test_acc", 0.99)
    tensors = {"steps": torch.tensor([h["step"] for h in history]), "weights": torch.stack(snapshots)} if snapshots else {}
    if run is not None and tensors:
        run.save_tensors("snapshots", tensors)
    result = {
        "config": config.to_dict(),
        "history": history,
        "steps_to_train_99": train_99,
        "steps_to_test_99": test_99,
        "grokking_delay": None if train_99 is None or test_99 is None else test_99 - train_99,
        "final": {k: v for k, v in history[-1].items() if k != "spectrum"},
        "wall_seconds": time.time() - start,
        "n_train": n,
        "n_test": len(data["y_test"]),
        "relevant_bits": data["relevant"].tolist() if config.task == "parity" else None,
    }
    if return_snapshots:
        result["snapshots"] = tensors
    return result



# ---------------------------------------------------------------- phase diagrams

PHASES = ("comprehension", "grokking", "memorization", "confusion")
SWEEP_AXES = ("weight_decay", "train_frac", "lr")
PHASE_THRESHOLD = 0.9
PHASE_RULE = (f"with accuracy threshold {PHASE_THRESHOLD:.0%} (Liu et al. 2022): confusion if train accuracy never reaches it; memorization if train "
              "accuracy does but test accuracy does not within the step budget; grokking if test accuracy reaches it at least 3x as many steps "
              "after the start as train accuracy did (and at least 4 logged steps later); comprehension otherwise (both, close together)")


def classify_phase(history: list[dict], log_every: int, threshold: float = PHASE_THRESHOLD) -> str:
    """The phase of one run from its measurement history (``PHASE_RULE``)."""
    train, test = steps_to(history, "train_acc", threshold), steps_to(history, "test_acc", threshold)
    if train is None:
        return "confusion"
    if test is None:
        return "memorization"
    return "grokking" if test - train >= max(2 * train, 4 * log_every) else "comprehension"


def _history_tensors(history: list[dict]) -> dict[str, torch.Tensor]:
    """A history (records with the same keys) as one tensor per key, for the sweep's files."""
    return {f"history.{k}": torch.tensor([h[k] for h in history], dtype=torch.long if k in ("step", "key_frequencies") else torch.float64)
            for k in history[0] if history[0][k] is not None}


def _history_records(tensors: dict[str, torch.Tensor]) -> list[dict]:
    columns = {k.removeprefix("history."): v.tolist() for k, v in tensors.items() if k.startswith("history.")}
    return [{k: v[i] for k, v in columns.items()} for i in range(len(columns["step"]))]


def _sweep_cell(cell: dict, shared=None) -> dict[str, torch.Tensor]:
    """One phase-diagram cell, run by ``genlab.sweep`` (module level so Ray can ship it)."""
    result = grok(GrokConfig(**cell), progress=False, return_snapshots=True)
    tensors = {**_history_tensors(result["history"]), "wall_seconds": torch.tensor(result["wall_seconds"], dtype=torch.float64)}
    if result["relevant_bits"] is not None:
        tensors["relevant_bits"] = torch.tensor(result["relevant_bits"])
    if result["snapshots"]:
        tensors["snapshot_steps"], tensors["snapshot_weights"] = result["snapshots"]["steps"], result["snapshots"]["weights"]
    return tensors


def sweep_configs(base: GrokConfig, rows: tuple[str, list], cols: tuple[str, list]) -> list[list[GrokConfig]]:
    """The grid of configurations: ``base`` with ``rows[0]`` set to each of ``rows[1]`` and
    ``cols[0]`` to each of ``cols[1]`` (row-major)."""
    for name, values in (rows, cols):
        if name not in SWEEP_AXES:
            raise ValueError(f"a phase diagram's axes are among {', '.join(SWEEP_AXES)}; got {name!r}")
        if not values or len(set(values)) != len(values):
            raise ValueError(f"the {name} axis needs distinct values, got {values}")
    if rows[0] == cols[0]:
        raise ValueError(f"the two axes must differ (both are {rows[0]})")
    return [[replace(base, **{rows[0]: r, cols[0]: c}) for c in cols[1]] for r in rows[1]]
