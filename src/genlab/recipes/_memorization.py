"""Memorization scores of a built-in model on a built-in dataset, into a store run."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch

from genlab.data import ByteTokenizer, load_corpus
from genlab.memorization import (FRESH_KJV_STYLE, TRAJECTORIES, BuiltinModel, MemorizationConfig, MemorizationResult, canary_text, classify_trajectories,
                                 counterfactual_memorization, edit_similarity, greedy_generate, plant_mislabeled, plant_text_canaries, roc, scores,
                                 shuffled_words, text_memorization_study)
from genlab.memorization import ResMemConfig, resmem_study
from genlab.models import GPTConfig, ModelConfig, build_gpt, load_pretrained
from genlab.recipes._certify import builtin_data
from genlab.recipes._phenomena import _study
from genlab.report import write_report
from genlab.store import Run, RunStore
from genlab.train import TrainConfig, document_windows, encode_documents, train

GALLERY = 24  # most and least memorized examples listed in result.json


def memorize_builtin(
    dataset: str,
    model: ModelConfig,
    config: MemorizationConfig,
    *,
    store: RunStore,
    train_size: int | None = 10_000,
    test_size: int | None = None,
    canaries: int = 100,
    sizes: list[int] | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: bool = True,
    report: bool = True,
) -> tuple[dict, Run]:
    """Score every training example of ``dataset`` (its first ``train_size``, with ``canaries``
    planted mislabeled examples) with ``config.models`` subset models of ``model``.

    With ``sizes`` (model widths, increasing), the same subsets are scored at every width and each
    example's trajectory across sizes is classified (increasing / decreasing / cap-shaped / flat);
    result.json then holds one summary per size and the trajectory shares."""
    if sizes is not None and (len(sizes) < 2 or list(sizes) != sorted(set(sizes)) or min(sizes) < 1):
        raise ValueError(f"sizes must be at least 2 distinct increasing widths, e.g. 64,256,1024; got {sizes}")
    run_config = {"kind": "memorize", "dataset": dataset, "train_size": train_size, "test_size": test_size, "canaries": canaries,
                  "model": model.to_dict(), "memorize": config.to_dict(), "sizes": None if sizes is None else list(sizes)}
    _data(run_config)  # bad sizes fail before a run folder exists
    return _memorize_in_run(store.start_run(f"memorize-{dataset}", run_config), workers, address, progress, report)


def resume_memorize(store: RunStore, run_id: str, *, workers: int | None = None, address: str | None = None, progress: bool = True, report: bool = True) -> tuple[dict, Run]:
    """Finish an interrupted memorize run: the models already trained are kept, the rest trained."""
    return _memorize_in_run(store.resume_run(run_id), workers, address, progress, report)


def _data(run_config: dict):
    ds = builtin_data(run_config["dataset"], run_config["train_size"], run_config["test_size"])
    count = run_config["canaries"]
    if not 0 <= count < len(ds.y_train):
        raise ValueError(f"canaries must lie between 0 and the {len(ds.y_train)} training examples, got {count}")
    y, canary_idx = plant_mislabeled(ds.y_train, count, ds.num_classes, seed=run_config["memorize"]["seed"])
    return ds, y, canary_idx


def _memorize_in_run(run: Run, workers, address, progress: bool, report: bool) -> tuple[dict, Run]:
    run_config = run.config
    config = MemorizationConfig.from_dict(run_config["memorize"])
    base = ModelConfig(**run_config["model"])
    sizes = run_config.get("sizes")
    with run:
        ds, y, canary_idx = _data(run_config)
        per_size = []
        for width in sizes or [None]:
            model = base if width is None else replace(base, width=width)
            result = scores(BuiltinModel(model, ds.input_shape, ds.num_classes), (ds.x_train, y), config, test_data=(ds.x_test, ds.y_test),
                            run=run, part=None if width is None else f"width-{width}", workers=workers, address=address, progress=progress)
            summary = summarize(result, y, ds.y_train, canary_idx) | {"model": model.to_dict(), "wall_seconds": result.wall_seconds}
            per_size.append((summary, result.scores.score))
        summary = dict(per_size[-1][0])  # the largest model's page, plus the trajectories
        if sizes:
            summary["per_size"] = [{"width": w, **{k: s[k] for k in ("mean_score", "share_above", "train_accuracy_in_subset", "test_accuracy", "stability", "canaries", "wall_seconds") if k in s}}
                                   for w, (s, _) in zip(sizes, per_size)]
            summary["trajectories"] = trajectory_summary(sizes, np.stack([sc for _, sc in per_size]), y, ds.y_train, canary_idx)
        summary |= {"dataset": ds.name, "n_train": len(y), "n_test": len(ds.y_test), "config": config.to_dict(), "wall_seconds": sum(s["wall_seconds"] for s, _ in per_size)}
        shown = torch.tensor(sorted({e["index"] for key in ("most_memorized", "least_memorized") for e in summary[key]}), dtype=torch.long)
        run.save_tensors("gallery", {"index": shown, "images": ds.x_train[shown]})  # the report's pictures: it reads only the run folder
        run.complete(summary, {"dataset": ds.name, "models": config.models, "sizes": sizes, "mean_score": summary["mean_score"], "canary_auc": summary.get("canaries", {}).get("auc")})
    if report:
        write_report(run.folder)
    return summary, run


def trajectory_summary(sizes: list[int], scores: np.ndarray, y: torch.Tensor, y_original: torch.Tensor, canary_idx: torch.Tensor, tol: float = 0.1) -> dict:
    """Share of examples per trajectory class, each class's mean score per size, and examples."""
    kinds = classify_trajectories(scores, tol)
    canary = np.zeros(scores.shape[1], dtype=bool)
    canary[canary_idx.numpy()] = True
    out = {"sizes": list(sizes), "tolerance": tol, "classes": {}}
    for k, name in enumerate(TRAJECTORIES):
        members = np.flatnonzero(kinds == k)
        swing = np.abs(scores[:, members] - scores[0, members]).max(0) if len(members) else np.array([])
        out["classes"][name] = {
            "share": float(len(members) / scores.shape[1]),
            "count": int(len(members)),
            "canaries": int(canary[members].sum()),
            "mean_score_per_size": scores[:, members].mean(1).tolist() if len(members) else None,
            "examples": [{"index": int(i), "label": int(y[i]), "original_label": int(y_original[i]), "scores": scores[:, i].tolist()}
                         for i in members[np.argsort(-swing)][:GALLERY // 3]],
        }
    return out


def summarize(result: MemorizationResult, y: torch.Tensor, y_original: torch.Tensor, canary_idx: torch.Tensor) -> dict:
    """The JSON summary of a memorization run (every report figure is drawn from it)."""
    s = result.scores
    order = np.argsort(-s.score)
    in_acc = float((result.correct & result.masks).sum() / result.masks.sum())
    out_acc = float((result.correct & ~result.masks).sum() / (~result.masks).sum())

    def entry(i: int) -> dict:
        return {"index": int(i), "label": int(y[i]), "original_label": int(y_original[i]), "canary": bool(i in set(canary_idx.tolist())),
                "score": float(s.score[i]), "low": float(s.low[i]), "high": float(s.high[i]), "n_in": int(s.n_in[i]), "n_out": int(s.n_out[i])}

    hist, edges = np.histogram(s.score, bins=40, range=(min(-1.0, float(s.score.min())), max(1.0, float(s.score.max()))))
    out = {
        "score": result.config.score,
        "mean_score": float(s.score.mean()),
        "share_above": {str(t): float((s.score > t).mean()) for t in (0.1, 0.25, 0.5)},
        "train_accuracy_in_subset": in_acc,
        "train_accuracy_out_of_subset": out_acc,
        "test_accuracy": None if result.test_correct is None else float(result.test_correct.float().mean()),
        "histogram": {"counts": hist.tolist(), "edges": edges.tolist()},
        "most_memorized": [entry(i) for i in order[:GALLERY]],
        "least_memorized": [entry(i) for i in order[::-1][:GALLERY]],
        "stability": result.stability(),
    }
    if len(canary_idx):
        roc = result.roc(canary_idx.numpy())
        out["canaries"] = {"count": len(canary_idx), "kind": "mislabeled", "indices": canary_idx.tolist(), **roc}
    if result.influence is not None:
        idx, val = result.influence
        top = np.argsort(-val[:, 0])[:GALLERY]
        out["top_influence"] = [{"test_index": int(j), "train_index": int(idx[j, 0]), "influence": float(val[j, 0])} for j in top]
    return out


def memorize_text_builtin(pretrained: str, corpus: str, *, store: RunStore, documents: int = 300, prefix: int = 16, suffix: int = 16,
                          examples: int = 8, progress: bool = True, report: bool = True) -> tuple[dict, Run]:
    """How much of a built-in corpus a pretrained model reproduces: extraction and membership
    inference of the corpus's first ``documents`` long-enough documents against controls it cannot
    have seen (the same documents with shuffled words; for the Bible also FRESH_KJV_STYLE)."""
    import time


    if documents < 2:
        raise ValueError(f"documents must be >= 2, got {documents}")
    if prefix < 1 or suffix < 1:
        raise ValueError(f"prefix and suffix must be >= 1 token, got {prefix} and {suffix}")
    run_config = {"kind": "memorize-text", "pretrained": pretrained, "corpus": corpus, "documents": documents, "prefix": prefix, "suffix": suffix}
    model, tokenizer = load_pretrained(pretrained)
    data = load_corpus(corpus)
    need = prefix + suffix
    long_enough = (d for d in data.train + data.test if len(tokenizer.encode(d)) >= need)
    members = [d for _, d in zip(range(documents), long_enough)]  # stops tokenizing once it has enough
    if len(members) < 2:
        raise ValueError(f"fewer than 2 documents of the {corpus} corpus have {need} tokens; lower --prefix/--suffix")
    controls = {"shuffled words": [shuffled_words(d, seed=i) for i, d in enumerate(members)]}
    if corpus == "bible":
        fresh = [t for t in FRESH_KJV_STYLE if len(tokenizer.encode(t)) >= need]
        if len(fresh) >= 2:  # the fresh verses are 35-45 tokens long: longer prompts leave them out
            controls["fresh (King James style)"] = fresh
    run = store.start_run(f"memorize-text-{corpus}", run_config)
    start = time.time()
    with run:
        rows = text_memorization_study(model, tokenizer, members, controls, prefix=prefix, suffix=suffix, progress=progress)
        rows[0]["set"] = f"{corpus} (members)"
        ids = [tokenizer.encode(d) for d in members[:examples]]
        out = greedy_generate(model, torch.tensor([[tokenizer.bos_id] + s[:prefix] for s in ids]), suffix)
        shown = []
        for s, o in zip(ids, out.tolist()):
            want, got = tokenizer.decode(s[prefix:need]), tokenizer.decode(o)
            shown.append({"prompt": tokenizer.decode(s[:prefix]), "continuation": got, "truth": want, "exact": o == s[prefix:need], "edit_similarity": edit_similarity(got, want)})
        result = {**run_config, "rows": rows, "examples": shown, "wall_seconds": time.time() - start}
        run.complete(result, {"pretrained": pretrained, "corpus": corpus, "extracted": rows[0]["extracted_exact"]})
    if report:
        write_report(run.folder)
    return result, run


def memorize_text_scratch(size: str, corpus: str, *, store: RunStore, documents: int = 20_000, canaries: int = 20, repeats: int = 10, secret_length: int = 24,
                          epochs: float = 2.0, lr: float = 3e-3, context: int = 128, seed: int = 0, device: str = "cpu", counterfactual: int = 0,
                          workers: int | None = None, address: str | None = None, progress: bool = True, report: bool = True) -> tuple[dict, Run]:
    """Train a byte-level GPT of ``size`` on the first ``documents`` training documents of
    ``corpus`` with ``canaries`` random-string canaries planted ``repeats`` times each, then ask
    what it memorized: extraction and membership inference of the planted canaries against
    held-out ones of the same form, and of training documents against test documents. With
    ``counterfactual`` = K > 0, K more GPTs are trained on random halves of the documents (canaries
    included, each with its copies) through the sweep engine, for every document's counterfactual
    memorization (genlab.memorization.counterfactual_memorization)."""
    import time


    GPTConfig(size)  # a bad size fails before any work
    if documents < 2:
        raise ValueError(f"documents must be >= 2, got {documents}")
    config = {"kind": "memorize-text", "model": size, "corpus": corpus, "documents": documents, "canaries": canaries, "repeats": repeats, "secret_length": secret_length,
              "epochs": epochs, "lr": lr, "context": context, "seed": seed, "counterfactual": counterfactual}
    data = load_corpus(corpus)
    docs, planted, held_out = plant_text_canaries(data.train[:documents], canaries, repeats, secret_length, seed=seed)
    tokenizer = ByteTokenizer()
    prefix = len(canary_text(0, "").encode())
    suffix = len(planted[0].encode()) - prefix
    run = store.start_run(f"memorize-text-{size}", config)
    start = time.time()
    with run:
        x, y = document_windows(encode_documents(tokenizer, docs), tokenizer.bos_id, context)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = build_gpt(GPTConfig(size, vocab_size=tokenizer.vocab_size, context=context))
        history = train(model, x, y, TrainConfig(epochs=epochs, lr=lr, batch_size=32, schedule="onecycle", seed=seed), device=device, run=run, tag=f"{size} on {corpus}", progress=progress)
        model.eval()
        rows = text_memorization_study(model, tokenizer, planted, {"held-out canaries": held_out}, prefix=prefix, suffix=suffix, context=context, device=device, progress=progress)
        rows[0]["set"] = f"planted canaries (x{repeats})"
        count = min(500, documents, len(data.test))
        natural = text_memorization_study(model, tokenizer, data.train[:count], {"test documents": data.test[:count]}, prefix=32, suffix=32, context=context, device=device, progress=progress)
        natural[0]["set"] = "training documents"
        extra = {}
        if counterfactual:
            train_docs = data.train[:documents]
            units = tokenizer.encode_batch(train_docs + planted)
            cf, _, _ = counterfactual_memorization(units, [1] * len(train_docs) + [repeats] * len(planted), size=size, vocab_size=tokenizer.vocab_size,
                                                   bos=tokenizer.bos_id, context=context, train_config=TrainConfig(epochs=epochs, lr=lr, batch_size=32, schedule="onecycle"),
                                                   models=counterfactual, seed=seed, folder=run.folder / "counterfactual", workers=workers, address=address,
                                                   device=device, progress=progress)
            is_canary = np.arange(len(units)) >= len(train_docs)
            order = np.argsort(-cf.score)
            extra["counterfactual"] = {"models": counterfactual, "canary_roc_auc": roc(cf.score, is_canary)["auc"], "mean_score": float(cf.score.mean()),
                                       "top": [{"text": (train_docs + planted)[i][:200], "canary": bool(is_canary[i]), "score": float(cf.score[i]),
                                                "low": float(cf.low[i]), "high": float(cf.high[i])} for i in order[:GALLERY]]}
        result = {**config, "pretrained": None, "rows": rows + natural, **extra, "prefix": prefix, "suffix": suffix, "examples": [],
                  "train_loss_bits_per_byte": history[-1]["loss"] / math.log(2), "wall_seconds": time.time() - start}
        run.complete(result, {"model": size, "corpus": corpus, "canaries_extracted": rows[0]["extracted_exact"]})
    if report:
        write_report(run.folder)
    return result, run


def resmem_builtin(config: ResMemConfig, *, store: RunStore, progress: bool = True, report: bool = True):
    """ResMem against its base model for each of ``config.widths`` on the built-in
    ``config.dataset``; result.json and the report land in a run folder."""
    return _study(f"resmem-{config.dataset}-{config.model}", "resmem", config, resmem_study,
                  lambda r: {"dataset": config.dataset, "model": config.model, **{f"gain/{row['width']}": row["gain"] for row in r.rows}},
                  store=store, progress=progress, report=report, datasets=(config.dataset,))
