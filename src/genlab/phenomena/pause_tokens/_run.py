"""Pretrain and finetune small GPTs with and without pause tokens; exact-match accuracy per arm."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.models import count_parameters
from genlab.phenomena.pause_tokens._config import PauseConfig
from genlab.train import IGNORE_INDEX, outputs, progress_bar, train


def vocabulary() -> dict[str, int]:
    """Token ids: the digits 0-9 are themselves, then ``=``, ``<pause>`` and ``<end>``."""
    return {**{str(d): d for d in range(10)}, "=": 10, "<pause>": 11, "<end>": 12}


VOCAB = vocabulary()


def insert_pauses(seqs: np.ndarray, pauses: int, rng: np.random.Generator) -> np.ndarray:
    """Each row with ``pauses`` ``<pause>`` tokens at uniformly random positions after the first
    token (all orderings of the row's tokens and pauses equally likely)."""
    if pauses == 0:
        return seqs
    n, length = seqs.shape
    out = np.empty((n, length + pauses), dtype=seqs.dtype)
    for i in range(n):
        slots = np.sort(rng.choice(np.arange(1, length + pauses), size=pauses, replace=False))
        mask = np.zeros(length + pauses, dtype=bool)
        mask[slots] = True
        out[i, mask] = VOCAB["<pause>"]
        out[i, ~mask] = seqs[i]
    return out


def pretrain_tensors(digits: np.ndarray, pauses: int, rng: np.random.Generator, direct_share: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Next-token (inputs, targets) of the pretraining sequences: ``d_1 .. d_n = s_1 .. s_n <end>``
    (s_i = d_1 + ... + d_i mod 10), except a ``direct_share`` of them (the first rows) in the
    downstream format ``d_1 .. d_n = s_n <end>``, padded with ``<end>`` (no loss after the first);
    then ``pauses`` pauses inserted; no loss where the target is a pause."""
    count = len(digits)
    sums = np.cumsum(digits, axis=1) % 10
    direct = round(direct_share * count)
    sums[:direct, 0] = sums[:direct, -1]
    sums[:direct, 1:] = VOCAB["<end>"]
    seqs = np.concatenate([digits, np.full((count, 1), VOCAB["="]), sums, np.full((count, 1), VOCAB["<end>"])], 1)
    seqs = insert_pauses(seqs, pauses, rng)
    x, y = seqs[:, :-1].copy(), seqs[:, 1:].astype(np.int64)
    y[y == VOCAB["<pause>"]] = IGNORE_INDEX
    for i in range(direct):  # nothing to predict after the answer's <end>
        ends = np.nonzero(y[i] == VOCAB["<end>"])[0]
        y[i, ends[0] + 1 :] = IGNORE_INDEX
    return torch.from_numpy(x.astype(np.int64)), torch.from_numpy(y)


def finetune_tensors(digits: np.ndarray, pauses: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) of the downstream task ``d_1 .. d_n = <pause> x pauses``: the loss only on
    the answer (sum mod 10), predicted at the last position."""
    x = np.concatenate([digits, np.full((len(digits), 1), VOCAB["="]), np.full((len(digits), pauses), VOCAB["<pause>"])], 1).astype(np.int64)
    y = np.full(x.shape, IGNORE_INDEX, dtype=np.int64)
    y[:, -1] = digits.sum(1) % 10
    return torch.from_numpy(x), torch.from_numpy(y)


def answer_accuracy(model: nn.Module, digits: np.ndarray, pauses: int, device="cpu", batch_size: int = 1024) -> float:
    """Exact match of the answer the causal LM ``model`` (ids -> (batch, time, vocab) logits) puts
    at the last position of ``d_1 .. d_n = <pause> x pauses`` (argmax over the whole vocabulary)."""
    x, y = finetune_tensors(digits, pauses)
    return float((outputs(model, x, device, batch_size, lambda out: out[:, -1].argmax(-1)) == y[:, -1]).double().mean())


@dataclass
class PauseResult(Result):
    """Per arm and seed, the downstream exact-match accuracy (the fields of result.json).

    Attributes:
        runs: one per arm and seed: ``arm``, ``seed``, ``accuracy`` (test exact match),
            ``train_accuracy`` (on the finetuning examples), ``pretrain_loss`` and ``finetune_loss``
            (the last epoch's mean, nats per target token).
        summary: per arm: mean, standard deviation, minimum and maximum accuracy over seeds.
        claim: the published claim checked: ``pause_gain`` (pause/pause minus standard/standard),
            ``finetune_only_gain`` (standard/pause minus standard/standard), ``spread`` (the larger
            standard deviation of the two compared arms), ``holds`` (pause_gain > spread and
            finetune_only_gain <= spread), or None when an arm is missing or there is one seed.
        parameters: parameters of one model.
        config: the study's configuration.
        wall_seconds: time it took.
    """

    runs: list
    summary: dict
    claim: dict | None
    parameters: int
    config: PauseConfig
    wall_seconds: float


def _gpt(config: PauseConfig) -> nn.Module:
    from genlab.models import GPTConfig, build_gpt

    context = 2 * config.digits + 2 + config.pretrain_pauses + config.finetune_pauses
    return build_gpt(GPTConfig(size=config.size, vocab_size=len(VOCAB), context=context))


def _claim(summary: dict, seeds: int) -> dict | None:
    if seeds < 2 or not all(a in summary for a in ("standard/standard", "standard/pause", "pause/pause")):
        return None
    base = summary["standard/standard"]["mean"]
    gain, ft_only = summary["pause/pause"]["mean"] - base, summary["standard/pause"]["mean"] - base
    spread = max(summary["standard/standard"]["std"], summary["pause/pause"]["std"])
    return {"pause_gain": gain, "finetune_only_gain": ft_only, "spread": spread, "holds": bool(gain > spread and ft_only <= spread)}


def run(config: PauseConfig | None = None, *, model_fn=None, run=None, progress: bool = True) -> PauseResult:
    """Pretrain (standard and/or pause) and finetune (standard and/or pause) per seed; score each
    arm on fresh downstream examples.

    Args:
        config: :class:`PauseConfig`.
        model_fn: ``() -> nn.Module``, a causal LM over the 13-token :func:`vocabulary` with a context of
            at least 2 digits + 2 + both pause counts, instead of the built-in GPT.
        run: a store Run: each arm's result goes to its metrics.jsonl as it is measured.
        progress: show a progress bar.
    """
    config = config or PauseConfig()
    start = time.time()
    pretrainings = sorted({a.split("/")[0] for a in config.arms}, key=("standard", "pause").index)
    runs, parameters = [], 0
    with progress_bar("pause tokens", enabled=progress) as bar:
        task = bar.add_task("pause tokens", total=config.seeds * (len(pretrainings) + len(config.arms)))
        for s in range(config.seeds):
            seed = config.seed * 1_000_003 + s
            rng = np.random.default_rng(seed)
            pre_digits = rng.integers(0, 10, (config.pretrain_size, config.digits))
            ft_digits = rng.integers(0, 10, (config.finetune_size, config.digits))
            test_digits = rng.integers(0, 10, (config.test_size, config.digits))
            torch.manual_seed(seed)
            initial = model_fn() if model_fn else _gpt(config)
            parameters = count_parameters(initial)
            for pre in pretrainings:
                model = copy.deepcopy(initial)
                x, y = pretrain_tensors(pre_digits, config.pretrain_pauses if pre == "pause" else 0, np.random.default_rng(seed + 1), config.direct_share)
                pre_loss = train(model, x, y, replace(config.pretrain, seed=seed), device=config.device, progress=False)[-1]["loss"]
                bar.advance(task)
                for arm in (a for a in config.arms if a.startswith(pre + "/")):
                    pauses = config.finetune_pauses if arm.endswith("/pause") else 0
                    tuned = copy.deepcopy(model)
                    x, y = finetune_tensors(ft_digits, pauses)
                    ft_loss = train(tuned, x, y, replace(config.finetune, seed=seed), device=config.device, progress=False)[-1]["loss"]
                    row = {"arm": arm, "seed": s, "accuracy": answer_accuracy(tuned, test_digits, pauses, config.device),
                           "train_accuracy": answer_accuracy(tuned, ft_digits[:2000], pauses, config.device), "pretrain_loss": pre_loss, "finetune_loss": ft_loss}
                    runs.append(row)
                    if run is not None:
                        run.log_metrics(row)
                    bar.advance(task)
    summary = {}
    for arm in config.arms:
        acc = np.array([r["accuracy"] for r in runs if r["arm"] == arm])
        summary[arm] = {"mean": float(acc.mean()), "std": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0, "min": float(acc.min()), "max": float(acc.max())}
    return PauseResult(runs=runs, summary=summary, claim=_claim(summary, config.seeds), parameters=parameters, config=config, wall_seconds=round(time.time() - start, 1))
