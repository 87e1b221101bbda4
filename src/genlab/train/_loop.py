"""The one training loop every genlab study reuses: minibatch SGD/Adam over in-memory tensors,
a learning-rate schedule, a seed, a device, a Rich progress bar, metrics into the run store."""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from genlab.train._config import TrainConfig, TrainingDivergedError

IGNORE_INDEX = -100


def _batch(t: torch.Tensor, idx: torch.Tensor, device) -> torch.Tensor:
    out = t[idx]
    if not out.is_floating_point() and out.dtype != torch.long:
        out = out.long()
    return out.to(device, non_blocking=True)


LBFGS_ITERATIONS = 20  # L-BFGS iterations per training step (torch's default max_iter)


def _optimizer(params: list[nn.Parameter], config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, betas=tuple(config.betas), weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, betas=tuple(config.betas), weight_decay=config.weight_decay)
    if config.optimizer == "lbfgs":
        return torch.optim.LBFGS(params, lr=config.lr, max_iter=LBFGS_ITERATIONS, history_size=100, line_search_fn="strong_wolfe")
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, nesterov=config.momentum > 0, weight_decay=config.weight_decay)


def _lr_factor(step: int, total: int, schedule: str) -> float:
    if schedule == "constant":
        return 1.0
    if schedule == "onecycle":
        warm = max(1, total // 10)
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))
    return 0.5 * (1 + math.cos(math.pi * step / total))


def random_shift(pixels: int) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    """An augmentation for ``train(augment=...)``: each example of a (batch, C, H, W) or (batch, C, L)
    input moved by a uniformly drawn offset of at most ``pixels`` along each spatial axis, the
    uncovered border filled with zeros (zero padding, then a random crop)."""
    if not (isinstance(pixels, int) and pixels >= 0):
        raise ValueError(f"pixels must be an integer >= 0, got {pixels!r}")

    def shift(xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if pixels == 0:
            return xb
        spatial = xb.dim() - 2
        if spatial not in (1, 2):
            raise ValueError(f"random_shift needs (batch, C, L) or (batch, C, H, W) inputs, got shape {tuple(xb.shape)}")
        offsets = torch.randint(-pixels, pixels + 1, (len(xb), spatial), generator=generator)
        padded = nn.functional.pad(xb, (pixels, pixels) * spatial)
        out = torch.empty_like(xb)
        for key in offsets.unique(dim=0):
            rows = (offsets == key).all(1).nonzero().squeeze(1).to(xb.device)
            window = tuple(slice(pixels - int(o), pixels - int(o) + n) for o, n in zip(key, xb.shape[2:]))
            out[rows] = padded[(rows, slice(None)) + window]
        return out

    return shift


@torch.no_grad()
def outputs(model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, device: str | torch.device = "cpu", batch_size: int = 2048,
            transform: Callable[[torch.Tensor], torch.Tensor] | None = None) -> torch.Tensor:
    """``model(x)`` evaluated in batches on ``device``, each batch's output passed through
    ``transform`` (e.g. an argmax) and gathered on the CPU. A module is moved to ``device`` and run
    in eval mode, its training mode restored afterwards."""
    module = model if isinstance(model, nn.Module) else None
    if module is not None:
        module.to(device)
        was_training = module.training
        module.eval()
    try:
        batches = (model(x[i : i + batch_size].to(device)) for i in range(0, len(x), batch_size))
        return torch.cat([(out if transform is None else transform(out)).cpu() for out in batches])
    finally:
        if module is not None:
            module.train(was_training)


def predict(model: nn.Module, x: torch.Tensor, device: str | torch.device = "cpu", batch_size: int = 2048) -> torch.Tensor:
    """Predicted class of each row of ``x`` (on the CPU), evaluated in batches on ``device``
    (the model is moved there)."""
    return outputs(model, x, device, batch_size, lambda out: out.argmax(1))


def error_count(model: nn.Module, x: torch.Tensor, y: torch.Tensor, device: str | torch.device = "cpu") -> int:
    """Number of misclassified examples (an exact integer, the input of the bounds)."""
    return int((predict(model, x, device) != y).sum())


def training_steps(n: int, config: TrainConfig) -> tuple[int, int]:
    """(steps per epoch, total steps) that ``train`` takes on ``n`` examples under ``config``."""
    steps_per_epoch = max(1, math.ceil(n / config.batch_size))
    return steps_per_epoch, max(1, round(config.epochs * steps_per_epoch))


def progress_bar(tag: str, *, status: bool = False, enabled: bool = True):
    """The Rich progress bar every long loop in genlab shows: tag, bar, done/total, an optional
    ``status`` field, elapsed and remaining time. Add tasks with ``bar.add_task(tag, total=...)``
    (and ``status=""`` when ``status``)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = [TextColumn(f"[bold]{tag}"), BarColumn(), MofNCompleteColumn()]
    if status:
        columns.append(TextColumn("{task.fields[status]}"))
    return Progress(*columns, TimeElapsedColumn(), TimeRemainingColumn(), disable=not enabled)


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
    *,
    device: str | torch.device = "cpu",
    run=None,
    tag: str = "train",
    progress: bool = True,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    before_step: Callable[[nn.Module], None] | None = None,
    after_step: Callable[[int, nn.Module], None] | None = None,
    stop: Callable[[dict], bool] | None = None,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
) -> list[dict]:
    """Minimise cross-entropy of ``model`` on (x, y); only parameters with ``requires_grad`` move.

    Classifiers map (batch, ...) inputs to (batch, classes) logits with (batch,) targets; sequence
    models map (batch, time) token ids to (batch, time, vocab) logits with (batch, time) targets,
    where IGNORE_INDEX marks positions without a target. Integer inputs and targets of any width
    (e.g. int16 token ids, to save memory) are widened per batch. A classifier's targets may also
    be soft: float (batch, classes) probabilities, e.g. a teacher's for distillation.

    Metrics (epoch, step, loss, train accuracy on the epoch's batches, lr) are returned and, when
    ``run`` is given, appended to its metrics.jsonl with ``tag``.

    Hooks, for studies that watch or steer training step by step (e.g. grokking): ``loss_fn``
    replaces the cross-entropy; ``before_step(model)`` runs after the backward pass, before the
    optimizer step (gradient filters); ``after_step(step, model)`` runs after each step;
    ``stop(record)`` sees each epoch's metrics record and ends training early when it returns True
    (e.g. at a training cross-entropy target; ``config.epochs`` is then the cap);
    ``augment(xb, generator)`` transforms each input batch (e.g. ``random_shift(2)``), drawing its
    randomness from a generator of its own, so the batch order does not change with it.

    Raises:
        TrainingDivergedError: the loss became NaN/inf (lower the learning rate).
    """
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters")
    opt = _optimizer(params, config)
    if config.sam_rho > 0:
        from genlab.train._sam import SAM

        last = [m for m in model.modules() if any(True for _ in m.parameters(recurse=False))][-1:] if config.sam_last_layer else None
        opt = SAM(opt, config.sam_rho, adaptive=config.sam_adaptive, params=None if last is None else [p for p in last[0].parameters() if p.requires_grad])
    base_lrs = [g["lr"] for g in opt.param_groups]
    n = len(x)
    steps_per_epoch, total = training_steps(n, config)
    gen = torch.Generator().manual_seed(config.seed)
    aug_gen = torch.Generator().manual_seed(config.seed + 1)
    loss_fn = loss_fn or nn.CrossEntropyLoss(label_smoothing=config.label_smoothing, ignore_index=IGNORE_INDEX)
    history: list[dict] = []
    with progress_bar(tag, status=True, enabled=progress) as bar:
        task = bar.add_task(tag, total=total, status="")
        step, perm = 0, torch.empty(0, dtype=torch.long)
        loss_sum, correct, seen = 0.0, 0, 0
        while step < total:
            if step % steps_per_epoch == 0:
                perm = torch.randperm(n, generator=gen)
            i = (step % steps_per_epoch) * config.batch_size
            idx = perm[i : i + config.batch_size]
            xb, yb = _batch(x, idx, device), _batch(y, idx, device)
            if augment is not None:
                xb = augment(xb, aug_gen)
            factor = _lr_factor(step, total, config.schedule) * min(1.0, (step + 1) / config.warmup_steps if config.warmup_steps else 1.0)
            for g, lr in zip(opt.param_groups, base_lrs):
                g["lr"] = lr * factor
            logits = model(xb)
            if logits.dim() == 3:  # a sequence model: (batch, time, vocab) logits, (batch, time) targets
                logits, yb = logits.reshape(-1, logits.shape[-1]), yb.reshape(-1)
            loss = loss_fn(logits, yb)
            if not torch.isfinite(loss):
                raise TrainingDivergedError(
                    f"{tag}: loss became {loss.item()} at step {step}/{total}; lower the learning rate "
                    f"(now {config.lr}) or check the data for NaN/inf values"
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if before_step is not None:
                before_step(model)
            if config.sam_rho > 0:
                def closure(xb=xb, yb=yb):  # the same batch at the perturbed weights
                    out = model(xb)
                    perturbed = loss_fn(out.reshape(-1, out.shape[-1]), yb) if out.dim() == 3 else loss_fn(out, yb)
                    perturbed.backward()
                    if before_step is not None:
                        before_step(model)
                    return perturbed

                opt.step(closure)
            elif config.optimizer == "lbfgs":
                def reevaluate(xb=xb, yb=yb):  # L-BFGS evaluates the loss at every iterate of its line search
                    opt.zero_grad(set_to_none=True)
                    out = model(xb)
                    value = loss_fn(out.reshape(-1, out.shape[-1]), yb) if out.dim() == 3 else loss_fn(out, yb)
                    value.backward()
                    return value

                opt.step(reevaluate)
            else:
                opt.step()
            step += 1
            if after_step is not None:
                after_step(step, model)
            hard = yb.argmax(1) if yb.is_floating_point() else yb  # soft targets (distillation): accuracy against their argmax
            counted = hard != IGNORE_INDEX
            loss_sum += loss.item() * int(counted.sum())
            correct += int((logits.argmax(1) == hard)[counted].sum())
            seen += int(counted.sum())
            if step % steps_per_epoch == 0 or step == total:
                record = {"tag": tag, "epoch": round(step / steps_per_epoch, 3), "step": step, "loss": loss_sum / seen, "train_acc": correct / seen, "lr": base_lrs[0] * factor}
                history.append(record)
                if run is not None:
                    run.log_metrics(record)
                bar.update(task, status=f"loss {record['loss']:.3f} acc {record['train_acc']:.3f}")
                loss_sum, correct, seen = 0.0, 0, 0
                if stop is not None and stop(record):
                    break
            bar.advance(task)
    return history
