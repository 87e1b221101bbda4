"""Train a small GPT on path-star graphs under each objective and measure what it learned: the
greedy full-path accuracy, greedy and teacher-forced accuracy per path position, and their curves
over training."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.phenomena.next_token._config import PathStarConfig
from genlab.phenomena.next_token._task import make_examples, specials
from genlab.train import IGNORE_INDEX, train, training_steps


@dataclass
class PathStarResult(Result):
    """Per objective, what the model learned (the fields of result.json).

    Attributes:
        objectives: per objective name: ``final`` (on all test graphs: ``full_path``, the share of
            graphs whose whole path the model decodes; ``per_position``, the decoded token's
            accuracy at each path position; ``teacher_forced``, each position's accuracy given the
            true path before it, None for teacherless), ``curve`` (the same on the first
            ``eval_size`` test graphs every ``eval_every`` steps, each with its ``step``),
            ``train_loss`` (the last epoch's mean cross-entropy, nats per path token), ``steps``
            and ``wall_seconds``.
        chance: 1 / degree, the full-path accuracy of a model that guesses the arm and then
            follows it.
        parameters: trainable parameters of one model.
        config: the study's configuration.
        wall_seconds: time it took.
    """

    objectives: dict
    chance: float
    parameters: int
    config: PathStarConfig
    wall_seconds: float


class MultiTokenGPT(nn.Module):
    """A causal LM with ``heads`` output heads on its last hidden state: head k predicts the token
    k + 1 positions ahead (head 0 is the model's own LM head). ``forward`` interleaves the heads
    along time, (batch, time * heads, vocab), so the shared trainer's cross-entropy covers them all;
    ``lm`` is the next-token model (head 0) the metrics decode with."""

    def __init__(self, lm: nn.Module, heads: int):
        super().__init__()
        self.lm = lm
        hf = lm.model
        self.extra = nn.ModuleList(nn.Linear(hf.config.n_embd, hf.config.vocab_size, bias=False) for _ in range(heads - 1))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = self.lm.model.transformer(ids).last_hidden_state
        return torch.stack([self.lm.model.lm_head(h)] + [head(h) for head in self.extra], 2).flatten(1, 2)


def training_tensors(prefixes: np.ndarray, targets: np.ndarray, objective: str, nodes: int, heads: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) for the shared trainer: the prefix and the path shifted by one
    (``teacherless``: ``$`` tokens instead of the path), the loss only on path tokens. For
    ``multi-token`` each position carries ``heads`` targets, interleaved like MultiTokenGPT's
    logits."""
    p, length = prefixes.shape[1], targets.shape[1]
    fill = np.full((len(targets), length - 1), specials(nodes)["$"]) if objective == "teacherless" else targets[:, :-1]
    x = torch.from_numpy(np.concatenate([prefixes, fill], 1).astype(np.int16))
    full = np.concatenate([prefixes, targets], 1)
    y = np.full((len(x), x.shape[1], heads if objective == "multi-token" else 1), IGNORE_INDEX, dtype=np.int16)
    for k in range(y.shape[2]):  # position t predicts token t + 1 + k when that is a path token
        for t in range(p - 1 - k, x.shape[1]):
            if p <= t + 1 + k < p + length:
                y[:, t, k] = full[:, t + 1 + k]
    return x, torch.from_numpy(y.reshape(len(x), -1))


@torch.no_grad()
def _logits(model: nn.Module, ids: torch.Tensor, device) -> torch.Tensor:
    return model(ids.to(device)).float().cpu()


@torch.no_grad()
def teacher_forced_accuracy(model: nn.Module, prefixes: np.ndarray, targets: np.ndarray, *, device="cpu", batch_size: int = 500) -> np.ndarray:
    """Accuracy at each path position given the true path before it (any ``ids -> (batch, time,
    vocab)`` causal LM)."""
    p = prefixes.shape[1]
    ids = torch.from_numpy(np.concatenate([prefixes, targets[:, :-1]], 1))
    hits = np.zeros(targets.shape[1])
    for i in range(0, len(ids), batch_size):
        pred = _logits(model, ids[i : i + batch_size], device)[:, p - 1 :].argmax(-1).numpy()
        hits += (pred == targets[i : i + batch_size]).sum(0)
    return hits / len(targets)


@torch.no_grad()
def decode_paths(model: nn.Module, prefixes: np.ndarray, length: int, *, teacherless: bool = False, nodes: int | None = None, device="cpu",
                 batch_size: int = 500) -> np.ndarray:
    """Greedy paths of ``length`` tokens after each prefix: token by token, or, ``teacherless``,
    all at once from one pass over the prefix followed by ``$`` tokens (``nodes`` needed)."""
    out = []
    for i in range(0, len(prefixes), batch_size):
        seq = torch.from_numpy(prefixes[i : i + batch_size])
        p = seq.shape[1]
        if teacherless:
            seq = torch.cat([seq, torch.full((len(seq), length - 1), specials(nodes)["$"])], 1)
            out.append(_logits(model, seq, device)[:, p - 1 :].argmax(-1).numpy())
            continue
        for _ in range(length):
            seq = torch.cat([seq, _logits(model, seq, device)[:, -1].argmax(-1, keepdim=True)], 1)
        out.append(seq[:, p:].numpy())
    return np.concatenate(out)


def path_scores(model: nn.Module, prefixes: np.ndarray, targets: np.ndarray, *, teacherless: bool = False, nodes: int | None = None, device="cpu") -> dict:
    """``full_path`` (share of graphs decoded exactly), ``per_position`` (decoded accuracy per
    position) and ``teacher_forced`` (None when ``teacherless``) of a causal LM on path-star graphs."""
    was_training = model.training
    model.eval()
    paths = decode_paths(model, prefixes, targets.shape[1], teacherless=teacherless, nodes=nodes, device=device)
    hit = paths == targets
    scores = {"full_path": float(hit.all(1).mean()), "per_position": hit.mean(0).tolist(),
              "teacher_forced": None if teacherless else teacher_forced_accuracy(model, prefixes, targets, device=device).tolist()}
    model.train(was_training)
    return scores


def run(config: PathStarConfig | None = None, *, run=None, progress: bool = True) -> PathStarResult:
    """Train one GPT per objective of ``config.objectives`` on ``config.train_size`` star graphs
    and score each on ``config.test_size`` fresh ones."""
    from genlab.models import GPTConfig, build_gpt, count_parameters

    config = config or PathStarConfig()
    start = time.time()
    d, length, nodes = config.degree, config.length, config.nodes
    train_prefixes, train_targets = make_examples(config.train_size, d, length, nodes, seed=config.seed * 1_000_003 + 1)
    test_prefixes, test_targets = make_examples(config.test_size, d, length, nodes, seed=config.seed * 1_000_003 + 2)
    torch.manual_seed(config.seed)
    init = build_gpt(GPTConfig(config.size, vocab_size=nodes + 4, context=train_prefixes.shape[1] + length))
    out = {}
    for objective in config.objectives:
        began = time.time()
        flip = objective == "reverse"
        targets, tests = (train_targets[:, ::-1].copy(), test_targets[:, ::-1].copy()) if flip else (train_targets, test_targets)
        lm = copy.deepcopy(init)
        torch.manual_seed(config.seed + 1)
        model = MultiTokenGPT(lm, config.heads) if objective == "multi-token" else lm
        x, y = training_tensors(train_prefixes, targets, objective, nodes, config.heads)
        teacherless = objective == "teacherless"
        score = lambda a, b: path_scores(lm, a, b, teacherless=teacherless, nodes=nodes, device=config.device)  # noqa: E731
        probe = test_prefixes[: config.eval_size], tests[: config.eval_size]
        curve = [{"step": 0, **score(*probe)}]

        def watch(step: int, _model: nn.Module) -> None:
            if step % config.eval_every == 0:
                point = {"step": step, **score(*probe)}
                curve.append(point)
                if run is not None:
                    run.log_metrics({"tag": f"curve/{objective}", **point})

        history = train(model, x, y, replace(config.train, seed=config.seed), device=config.device, run=run, tag=objective, progress=progress, after_step=watch)
        final = score(test_prefixes, tests)
        out[objective] = {"final": final, "curve": curve, "train_loss": history[-1]["loss"], "steps": training_steps(len(x), config.train)[1],
                          "wall_seconds": round(time.time() - began, 1)}
    return PathStarResult(objectives=out, chance=1 / d, parameters=count_parameters(init), config=config,
                          wall_seconds=round(time.time() - start, 1))
