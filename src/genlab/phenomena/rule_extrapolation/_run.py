"""Train each model on a formal language, then complete every out-of-distribution prompt greedily
and count the completions that obey R1, the rule the prompt left satisfiable."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.models import count_parameters
from genlab.phenomena.rule_extrapolation._config import RuleExtrapolationConfig
from genlab.phenomena.rule_extrapolation._languages import LANGUAGES, Language
from genlab.phenomena.rule_extrapolation._models import LinearLM, LSTMLM, TransformerLM
from genlab.train import IGNORE_INDEX, progress_bar, train

SOS, EOS, PAD = 0, 1, 2  # the official token ids; a language's symbols follow from 3

PUBLISHED = {
    "anbn": {"chance": 0.154, "transformer": "0.66 +- 0.16 (268 runs, range 0.38-1.00)", "lstm": "0.38 +- 0.21", "linear": "0.28", "mamba": "0.30",
             "xlstm": "0.44", "test loss": "0.019-0.022 for all but linear"},
    "dyck": {"transformer": "0.98", "lstm": "0.54"},
    "bban": {"lstm": "1.00", "transformer": "0.11"},
}
"""OOD R1 accuracy (mean +- std over seeds) from the official repository's result CSVs, as the
issue quotes them; shown beside ours."""


@dataclass
class RuleExtrapolationResult(Result):
    """Per model and seed, how close the model came to the language and what it does out of
    distribution (the fields of result.json).

    Attributes:
        runs: per run: ``model``, ``seed``, ``parameters``, ``test_loss`` (nats per token),
            ``floor`` (the entropy floor of the test words, None for sampled languages),
            ``id_finished`` / ``id_grammatical`` (in-distribution prompts: share of completions
            that end, and of those, share in the language), ``ood_finished``, ``ood_r1`` and
            ``ood_r2`` (out-of-distribution prompts: share that end; of those, share obeying R1 /
            R2), ``train_loss`` and ``wall_seconds``.
        summary: per model: ``ood_r1_mean``, ``ood_r1_std``, ``ood_r1_min``, ``ood_r1_max``,
            ``test_loss_mean``, ``worst_loss_ratio`` (the largest test loss / floor).
        prompts: counts of in-distribution and out-of-distribution prompts completed.
        floor: the entropy floor (nats per token) of the test words, or None.
        published: the paper's numbers for this language (empty when it gives none).
        config: the study's configuration.
        wall_seconds: time it took.
    """

    runs: list
    summary: dict
    prompts: dict
    floor: float | None
    published: dict
    config: RuleExtrapolationConfig
    wall_seconds: float


def encode_words(words: list[str], symbols: str, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) of ``SOS word EOS`` padded to ``length`` + 2 tokens: inputs drop the last
    token, targets the first; padding is IGNORE_INDEX in the targets."""
    seq = torch.full((len(words), length + 2), PAD, dtype=torch.long)
    for i, w in enumerate(words):
        seq[i, : len(w) + 2] = torch.tensor([SOS, *(3 + symbols.index(s) for s in w), EOS])
    y = seq[:, 1:].clone()
    y[y == PAD] = IGNORE_INDEX
    return seq[:, :-1], y


def entropy_floor(words: list[str]) -> float:
    """Nats per token of the best possible model when the words are equally likely: ln(count)
    per word, spread over each word's symbols and its EOS."""
    return len(words) * math.log(len(words)) / sum(len(w) + 1 for w in words)


@torch.no_grad()
def sequence_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, device="cpu") -> float:
    """Mean cross-entropy per target token (nats), over all of (x, y)."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(x), 256):
        logits = model(x[i : i + 256].to(device)).float().cpu()
        total += float(nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[i : i + 256].reshape(-1), ignore_index=IGNORE_INDEX, reduction="sum"))
        count += int((y[i : i + 256] != IGNORE_INDEX).sum())
    return total / count


@torch.no_grad()
def complete(model: nn.Module, prompts: list[str], symbols: str, max_tokens: int, device="cpu", batch_size: int = 512) -> list[str | None]:
    """Greedy completions of ``SOS prompt`` up to ``max_tokens`` input tokens: the prompt plus the
    generated symbols up to the first EOS, or None when no EOS came (unfinished). Tokens that are
    not symbols (SOS, PAD) are kept as ``?``."""
    model.eval()
    out: list[str | None] = []
    chars = "^$?" + symbols
    for i in range(0, len(prompts), batch_size):
        seq = torch.tensor([[SOS, *(3 + symbols.index(s) for s in p)] for p in prompts[i : i + batch_size]], dtype=torch.long)
        done = torch.zeros(len(seq), dtype=torch.bool)
        while seq.shape[1] < max_tokens + 1 and not done.all():
            nxt = model(seq.to(device))[:, -1].argmax(-1).cpu()
            seq = torch.cat([seq, nxt[:, None]], 1)
            done |= nxt == EOS
        for row in seq[:, 1:].tolist():
            out.append("".join(chars[t] for t in row[: row.index(EOS)]) if EOS in row else None)
    return out


def rule_scores(language: Language, completions: list[str | None]) -> dict:
    """``finished`` (share of completions that end), and among those ``r1``, ``r2`` and
    ``grammatical`` (shares obeying each); None where nothing finished."""
    done = [c for c in completions if c is not None]
    share = (lambda f: float(np.mean([f(c) for c in done])) if done else None)
    return {"finished": len(done) / max(1, len(completions)), "r1": share(language.r1), "r2": share(language.r2), "grammatical": share(language.grammatical)}


def build_model(name: str, config: RuleExtrapolationConfig, vocab: int) -> nn.Module:
    """A freshly initialised model (under the caller's torch seed)."""
    if name == "transformer":
        return TransformerLM(vocab, *config.transformer)
    if name == "lstm":
        return LSTMLM(vocab, *config.lstm)
    return LinearLM(vocab, config.linear_embedding, config.max_length + 1)


def _subset(prompts: list[str], limit: int, seed: int) -> list[str]:
    if len(prompts) <= limit:
        return prompts
    keep = np.sort(np.random.default_rng(seed).choice(len(prompts), limit, replace=False))
    return [prompts[i] for i in keep]


def run(config: RuleExtrapolationConfig | None = None, *, run=None, progress: bool = True) -> RuleExtrapolationResult:
    """Train ``config.seeds`` runs of every model of ``config.models`` on ``config.language`` and
    score their completions of in- and out-of-distribution prompts."""
    config = config or RuleExtrapolationConfig()
    start = time.time()
    language = LANGUAGES[config.language]
    vocab = 3 + len(language.symbols)
    id_prompts, ood_prompts = language.prompts(config.prompt_length)
    id_prompts, ood_prompts = _subset(id_prompts, config.max_prompts, config.seed), _subset(ood_prompts, config.max_prompts, config.seed + 1)
    if not ood_prompts:
        raise ValueError(f"{config.language} has no out-of-distribution prompts of length {config.prompt_length}; use a longer prompt_length")
    fixed = language.sample(np.random.default_rng(config.seed), config.test_size, config.max_length) if language.enumerable else None
    floor = entropy_floor(fixed) if fixed is not None else None
    runs = []
    with progress_bar("rule-extrapolation", status=True, enabled=progress) as bar:
        task = bar.add_task("rule-extrapolation", total=config.seeds * len(config.models), status="")
        for s in range(config.seeds):
            seed = config.seed * 1_000_003 + s
            rng = np.random.default_rng(seed)
            train_words = fixed or language.sample(rng, config.train_size, config.max_length)
            test_words = fixed or language.sample(rng, config.test_size, config.max_length)
            x, y = encode_words(train_words, language.symbols, config.max_length)
            tx, ty = encode_words(test_words, language.symbols, config.max_length)
            for name in config.models:
                began = time.time()
                torch.manual_seed(seed)
                model = build_model(name, config, vocab)
                history = train(model, x, y, replace(config.train, seed=seed), device=config.device, progress=False)
                loss = sequence_loss(model, tx, ty, config.device)
                inside = rule_scores(language, complete(model, id_prompts, language.symbols, config.max_length + 1, config.device))
                outside = rule_scores(language, complete(model, ood_prompts, language.symbols, config.max_length + 1, config.device))
                row = {"model": name, "seed": s, "parameters": count_parameters(model), "test_loss": loss, "floor": floor,
                       "id_finished": inside["finished"], "id_grammatical": inside["grammatical"], "ood_finished": outside["finished"],
                       "ood_r1": outside["r1"], "ood_r2": outside["r2"], "train_loss": history[-1]["loss"], "wall_seconds": round(time.time() - began, 1)}
                runs.append(row)
                if run is not None:
                    run.log_metrics({"tag": "run", **row})
                bar.update(task, advance=1, status=f"{name} seed {s}: loss {loss:.4f}, OOD R1 {row['ood_r1'] if row['ood_r1'] is None else round(row['ood_r1'], 3)}")
    summary = {}
    for name in config.models:
        rows = [r for r in runs if r["model"] == name]
        r1 = [r["ood_r1"] for r in rows if r["ood_r1"] is not None]
        summary[name] = {"ood_r1_mean": float(np.mean(r1)) if r1 else None, "ood_r1_std": float(np.std(r1)) if r1 else None,
                         "ood_r1_min": min(r1, default=None), "ood_r1_max": max(r1, default=None),
                         "test_loss_mean": float(np.mean([r["test_loss"] for r in rows])),
                         "worst_loss_ratio": max(r["test_loss"] / floor for r in rows) if floor else None}
    return RuleExtrapolationResult(runs=runs, summary=summary, prompts={"in_distribution": len(id_prompts), "out_of_distribution": len(ood_prompts)},
                                   floor=floor, published=PUBLISHED.get(config.language, {}), config=config, wall_seconds=round(time.time() - start, 1))
