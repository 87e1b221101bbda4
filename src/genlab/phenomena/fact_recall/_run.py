"""Prune a pretrained model and train small GPTs; fact recall and in-context accuracy of each."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from genlab.config import Result
from genlab.models import count_parameters
from genlab.phenomena.fact_recall._config import FactRecallConfig
from genlab.phenomena.fact_recall._prompts import ICL_CHANCE, fact_prompts, in_context_kind, in_context_prompts
from genlab.phenomena.fact_recall._prune import input_norms, prune, prune_sequential
from genlab.train import outputs, progress_bar, train

# ----------------------------------------------------------------------------------------------
# Prompts on a pretrained model


@torch.no_grad()
def answered(model: nn.Module, tokenizer, prompts: list[tuple[str, str]], *, max_new_tokens: int = 4, pad_id: int = 0, batch_size: int = 32) -> list[bool]:
    """Whether the greedy continuation of each prompt, stripped, starts with its answer.

    ``model`` maps (batch, time) ids to logits; a genlab ``CausalLM`` around a Hugging Face model
    is run in batches with left padding and an attention mask, any other model one prompt at a time."""
    hf = getattr(model, "model", None)
    out = []
    model.eval()
    if hf is not None and hasattr(hf, "generate"):
        for i in range(0, len(prompts), batch_size):
            chunk = prompts[i : i + batch_size]
            encoded = [tokenizer.encode(p) for p, _ in chunk]
            width = max(len(e) for e in encoded)
            ids = torch.tensor([[pad_id] * (width - len(e)) + e for e in encoded])
            mask = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded])
            gen = hf.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad_id)
            out += [tokenizer.decode(g[width:].tolist()).strip().startswith(a) for g, (_, a) in zip(gen, chunk)]
        return out
    for prompt, answer in prompts:
        ids = torch.tensor([tokenizer.encode(prompt)])
        for _ in range(max_new_tokens):
            ids = torch.cat([ids, model(ids)[:, -1].argmax(-1, keepdim=True)], 1)
        out.append(tokenizer.decode(ids[0, -max_new_tokens:].tolist()).strip().startswith(answer))
    return out


def pruning_curves(model: nn.Module, config: FactRecallConfig, batches, measure, after=None) -> dict:
    """Per pruning method, [{"sparsity", "fact", "icl", ...}] over ``config.sparsities``: a pruned
    copy of ``model`` each (Wanda calibrated on ``batches`` as ``config.wanda_calibration`` says),
    scored by ``measure(pruned) -> {"fact": ..., "icl": ..., ...}``; ``after()`` runs after each."""
    dense = input_norms(model, batches) if "wanda" in config.methods and config.wanda_calibration == "dense" else None
    curves = {}
    for method in config.methods:
        curves[method] = []
        for sparsity in config.sparsities:
            if method == "wanda" and config.wanda_calibration == "sequential":
                pruned = prune_sequential(copy.deepcopy(model), sparsity, batches)
            else:
                pruned = prune(copy.deepcopy(model), sparsity, method, dense)
            curves[method].append({"sparsity": sparsity, **measure(pruned)})
            if after is not None:
                after()
    return curves


def icl_kinds(prompts: list[tuple[str, str]], correct: list[bool], p_value: float) -> dict:
    """Per kind of in-context prompt: ``candidates``, ``answered`` by the unpruned model, its
    ``chance`` level, the one-sided binomial ``p`` of answering that many by guessing, and whether
    the kind ``counts`` (p <= ``p_value``)."""
    from scipy.stats import binomtest

    out = {}
    for kind, chance in ICL_CHANCE.items():
        hits = [ok for (prompt, _), ok in zip(prompts, correct) if in_context_kind(prompt) == kind]
        if hits:
            p = binomtest(sum(hits), len(hits), chance, alternative="greater").pvalue
            out[kind] = {"candidates": len(hits), "answered": sum(hits), "chance": chance, "p": float(p), "counts": bool(p <= p_value)}
    return out


def _pretrained_study(config: FactRecallConfig, bar, task) -> dict:
    from genlab.data import load_corpus
    from genlab.models import load_pretrained

    model, tokenizer = load_pretrained(config.pretrained)
    facts, icl = fact_prompts(), in_context_prompts(config.icl_prompts, config.seed)
    facts = [p for p, ok in zip(facts, answered(model, tokenizer, facts, max_new_tokens=config.max_new_tokens)) if ok]
    correct = answered(model, tokenizer, icl, max_new_tokens=config.max_new_tokens)
    kinds = icl_kinds(icl, correct, config.icl_chance_test)
    icl = [p for p, ok in zip(icl, correct) if ok]
    bar.advance(task)
    batches = None
    if "wanda" in config.methods:
        docs = load_corpus("english").train
        rng = np.random.default_rng(config.seed)
        seqs = [ids[: config.calibration_tokens] for ids in (tokenizer.encode(docs[i]) for i in rng.permutation(len(docs))) if len(ids) >= config.calibration_tokens]
        batches = [torch.tensor(seqs[i : i + 8]) for i in range(0, min(config.calibration, len(seqs)), 8)]
    kind = np.array([in_context_kind(p) for p, _ in icl])
    counted = np.isin(kind, [k for k, v in kinds.items() if v["counts"]])

    def measure(m: nn.Module) -> dict:
        ok = np.array(answered(m, tokenizer, icl, max_new_tokens=config.max_new_tokens), dtype=float)
        return {"fact": float(np.mean(answered(m, tokenizer, facts, max_new_tokens=config.max_new_tokens))),
                "icl": float(ok[counted].mean()) if counted.any() else None,
                **{f"icl_{k}": float(ok[kind == k].mean()) if (kind == k).any() else None for k in ICL_CHANCE}}

    curves = pruning_curves(model, config, batches, measure, after=lambda: bar.advance(task))
    return {"model": config.pretrained, "n_fact_candidates": len(fact_prompts()), "n_facts": len(facts), "n_icl_candidates": config.icl_prompts,
            "n_icl": int(counted.sum()), "n_icl_lookup": int((kind == "lookup").sum()), "icl_kinds": kinds, "facts": facts,
            "icl_examples": icl[:10], "curves": curves}


# ----------------------------------------------------------------------------------------------
# The synthetic corpus

KEYS, VALUES = 20, 50
ROW = 24  # tokens per training row: four facts, or one in-context episode


def synthetic_vocabulary(config: FactRecallConfig) -> dict[str, int]:
    """Offsets of the token groups (first names, last names, cities, keys, values) and the special
    tokens' ids; ``size`` is the vocabulary size."""
    v = {"first": 0, "last": config.first_names, "city": config.first_names + config.last_names}
    v["key"] = v["city"] + config.cities
    v["value"] = v["key"] + KEYS
    base = v["value"] + VALUES
    v |= {"lives": base, "in": base + 1, "=": base + 2, ",": base + 3, ";": base + 4, "end": base + 5, "size": base + 6}
    return v


def synthetic_facts(config: FactRecallConfig, rng: np.random.Generator) -> np.ndarray:
    """(facts, 3) token ids: distinct (first, last) names, each with a uniformly drawn city."""
    v = synthetic_vocabulary(config)
    pairs = rng.choice(config.first_names * config.last_names, size=config.facts, replace=False)
    return np.stack([v["first"] + pairs // config.last_names, v["last"] + pairs % config.last_names, v["city"] + rng.integers(0, config.cities, config.facts)], 1)


def episodes(count: int, config: FactRecallConfig, rng: np.random.Generator) -> np.ndarray:
    """(count, 24) in-context rows of ``config.icl_task``: ``copy``, eleven random value tokens,
    ``;``, the same eleven, ``end``; ``lookup``, five distinct ``key = value ,`` pairs (the last
    comma a ``;``), then ``key = value end`` for one of the five keys. Either way the answer is
    the token at index 22 and is present earlier in the row."""
    v = synthetic_vocabulary(config)
    rows = np.empty((count, ROW), dtype=np.int64)
    if config.icl_task == "copy":
        seq = rng.integers(0, VALUES, (count, 11)) + v["value"]
        rows[:, :11], rows[:, 11], rows[:, 12:23], rows[:, 23] = seq, v[";"], seq, v["end"]
        return rows
    keys = np.argsort(rng.random((count, KEYS)), 1)[:, :5] + v["key"]
    values = rng.integers(0, VALUES, (count, 5)) + v["value"]
    pick = rng.integers(0, 5, count)
    for j in range(5):
        rows[:, 4 * j : 4 * j + 4] = np.stack([keys[:, j], np.full(count, v["="]), values[:, j], np.full(count, v[","])], 1)
    rows[:, 20:] = np.stack([keys[np.arange(count), pick], np.full(count, v["="]), values[np.arange(count), pick], np.full(count, v["end"])], 1)
    rows[:, 19] = v[";"]
    return rows


def fact_rows(facts: np.ndarray, config: FactRecallConfig, rng: np.random.Generator) -> np.ndarray:
    """(facts // 4 x 4, 24) rows of four ``first last lives in city end`` sentences: the facts in a
    seeded order, in groups of four, each group in its four rotations, so every fact stands once at
    each of a row's four places (a fact seen only at one place is not recalled at another, and the
    prompts put it first)."""
    v = synthetic_vocabulary(config)
    order = rng.permutation(len(facts))
    sentences = np.concatenate([facts[order, :2], np.full((len(facts), 1), v["lives"]), np.full((len(facts), 1), v["in"]), facts[order, 2:],
                                np.full((len(facts), 1), v["end"])], 1)
    groups = sentences[: len(facts) // 4 * 4].reshape(-1, 4, 6)
    return np.concatenate([np.roll(groups, k, axis=1).reshape(-1, ROW) for k in range(4)])


def _argmax_at(model: nn.Module, ids: np.ndarray, device) -> np.ndarray:
    return outputs(model, torch.from_numpy(ids), device, 1024, lambda out: out[:, -1].argmax(-1)).numpy()


def fact_accuracy(model: nn.Module, facts: np.ndarray, config: FactRecallConfig, device="cpu") -> float:
    """Share of the facts whose city the model puts after ``first last lives in``."""
    v = synthetic_vocabulary(config)
    prompts = np.concatenate([facts[:, :2], np.full((len(facts), 1), v["lives"]), np.full((len(facts), 1), v["in"])], 1)
    return float(np.mean(_argmax_at(model, prompts, device) == facts[:, 2]))


def icl_accuracy(model: nn.Module, rows: np.ndarray, device="cpu") -> float:
    """Share of in-context rows (:func:`episodes`) whose answer, the token at index 22, the model
    puts after the first 22 tokens."""
    return float(np.mean(_argmax_at(model, rows[:, :22], device) == rows[:, 22]))


def _synthetic_study(config: FactRecallConfig, bar, task) -> dict:
    from genlab.models import GPTConfig, build_gpt

    rng = np.random.default_rng(config.seed)
    v = synthetic_vocabulary(config)
    facts = synthetic_facts(config, rng)
    rows = np.concatenate([fact_rows(facts, config, rng), episodes(config.icl_rows, config, rng)])
    x, y = torch.from_numpy(rows[:, :-1].copy()), torch.from_numpy(rows[:, 1:].copy())
    test_icl = episodes(2000, config, np.random.default_rng(config.seed + 1))
    picked = rows[rng.permutation(len(rows))[:256], :-1]  # Wanda's calibration rows
    calibration = [torch.from_numpy(picked[i : i + 64].copy()) for i in range(0, len(picked), 64)]
    out = {}
    for size in config.sizes:
        torch.manual_seed(config.seed)
        model = build_gpt(GPTConfig(size=size, vocab_size=v["size"], context=ROW))
        start = time.time()
        history = train(model, x, y, replace(config.synthetic_train, seed=config.seed), device=config.device, progress=False)
        model.cpu()
        entry = {"parameters": count_parameters(model), "train_loss": history[-1]["loss"], "train_seconds": round(time.time() - start, 1),
                 "fact": fact_accuracy(model, facts, config), "icl": icl_accuracy(model, test_icl)}
        entry["pruned"] = pruning_curves(model, config, calibration, lambda m: {"fact": fact_accuracy(m, facts, config), "icl": icl_accuracy(m, test_icl)})
        out[size] = entry
        bar.advance(task)
    return {"facts": config.facts, "cities": config.cities, "chance_fact": 1 / config.cities, "chance_icl": 1 / VALUES, "models": out}


# ----------------------------------------------------------------------------------------------
# The study


def contrast(curve: list[dict]) -> dict | None:
    """The first sparsity where fact recall is at most half the unpruned model's while in-context
    accuracy keeps at least 0.8 of it (the acceptance's contrast), with both ratios; None if none."""
    base = curve[0]
    for point in curve[1:]:
        fact = point["fact"] / base["fact"] if base["fact"] else None
        icl = point["icl"] / base["icl"] if base["icl"] else None
        if fact is not None and icl is not None and fact <= 0.5 and icl >= 0.8:
            return {"sparsity": point["sparsity"], "fact_ratio": fact, "icl_ratio": icl}
    return None


@dataclass
class FactRecallResult(Result):
    """The pretrained model's and the small GPTs' fact recall and in-context accuracy (the fields of
    result.json).

    Attributes:
        pretrained: ``model``, the prompt counts (candidates, and those the unpruned model answers:
            ``n_facts``; ``n_icl`` of the kinds that count, ``n_icl_lookup`` key-value lookups),
            ``icl_kinds`` (:func:`icl_kinds`: per kind, candidates, answered, chance, p and
            whether it counts), the kept ``facts``, a few ``icl_examples``, and per pruning
            method the ``curves``: [{"sparsity", "fact", "icl", "icl_lookup",
            "icl_classification"}] (shares of the kept prompts answered; ``icl`` over the kinds
            that count, None if none does; each kind on its own); None when skipped.
        synthetic: per GPT size: ``parameters``, ``train_loss``, ``fact`` and ``icl`` accuracy, and
            ``pruned`` curves like the pretrained model's; plus the chance levels; None when skipped.
        contrast: per curve ("<model>/<method>"), :func:`contrast`'s result.
        config: the study's configuration.
        wall_seconds: time it took.
    """

    pretrained: dict | None
    synthetic: dict | None
    contrast: dict
    config: FactRecallConfig
    wall_seconds: float


def run(config: FactRecallConfig | None = None, *, run=None, progress: bool = True) -> FactRecallResult:
    """Prune the pretrained model and train (and prune) the small GPTs; measure both abilities.

    Args:
        config: :class:`FactRecallConfig`.
        run: a store Run: each part's summary goes to its metrics.jsonl when it is done.
        progress: show a progress bar.
    """
    config = config or FactRecallConfig()
    start = time.time()
    total = (1 + len(config.methods) * len(config.sparsities) if config.pretrained else 0) + len(config.sizes)
    pretrained = synthetic = None
    with progress_bar("fact recall", enabled=progress) as bar:
        task = bar.add_task("fact recall", total=total)
        if config.pretrained:
            pretrained = _pretrained_study(config, bar, task)
            if run is not None:
                run.log_metrics({"part": "pretrained", "n_facts": pretrained["n_facts"], "n_icl": pretrained["n_icl"]})
        if config.sizes:
            synthetic = _synthetic_study(config, bar, task)
            if run is not None:
                run.log_metrics({"part": "synthetic", **{f"fact/{s}": m["fact"] for s, m in synthetic["models"].items()}})
    found = {}
    if pretrained:
        found |= {f"{pretrained['model']}/{m}": contrast(c) for m, c in pretrained["curves"].items()}
    if synthetic:
        found |= {f"{size}/{m}": contrast(c) for size, entry in synthetic["models"].items() for m, c in entry["pruned"].items()}
    return FactRecallResult(pretrained=pretrained, synthetic=synthetic, contrast=found, config=config, wall_seconds=round(time.time() - start, 1))
