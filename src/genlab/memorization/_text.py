"""Memorization of text: extraction and membership inference for causal language models.

- Extractable memorization (Carlini et al. 2023, "Quantifying Memorization Across Neural Language
  Models"): a document's first ``prefix`` tokens are the prompt; the model continues greedily; the
  document counts as extracted when the next ``suffix`` tokens match exactly. The share of the
  suffix's tokens matched position by position is kept too (a near-match measure).
- Membership inference baselines, each a score where higher means "more likely a training
  document" (Carlini et al. 2021, "Extracting Training Data from Large Language Models"):
  ``loss`` (minus the mean bits per token), ``zlib`` (minus the model's total bits over the zlib
  bits of the text), ``reference`` (minus the difference between the model's and a reference
  model's bits per token). ROC AUC and the TPR at 1% FPR tell members from non-members.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch
from torch import nn

from genlab.memorization._feldman import roc
from genlab.train import progress_bar


@torch.no_grad()
def greedy_generate(model: nn.Module, prompts: torch.Tensor, new_tokens: int, *, device="cpu") -> torch.Tensor:
    """Greedy continuation of equal-length ``prompts`` (B x L ids) by ``new_tokens`` tokens.

    A Hugging Face model (wrapped in genlab's CausalLM or not) generates with its key/value cache;
    any other ``ids -> logits`` module is run on the growing sequence."""
    inner = getattr(model, "model", model)
    prompts = prompts.to(device)
    if hasattr(inner, "generate"):
        out = inner.generate(prompts, attention_mask=torch.ones_like(prompts), max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                             use_cache=True, pad_token_id=int(prompts[0, 0]), num_beams=1)
        return out[:, prompts.shape[1] :].cpu()
    seq = prompts
    for _ in range(new_tokens):
        logits = model(seq)
        logits = getattr(logits, "logits", logits)
        seq = torch.cat([seq, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return seq[:, prompts.shape[1] :].cpu()


def extraction(model: nn.Module, sequences: list, *, bos: int, prefix: int = 32, suffix: int = 32, batch: int = 16, device="cpu", progress: bool = True) -> dict:
    """Prompt with ``[bos] + doc[:prefix]``, continue greedily ``suffix`` tokens, compare with
    ``doc[prefix:prefix + suffix]``. Documents shorter than prefix + suffix are skipped.

    Returns:
        dict with ``exact`` (bool per scored document), ``token_match`` (share of suffix tokens
        equal at their position), ``indices`` (the scored documents), ``rate`` (share extracted).
    """
    if prefix < 1 or suffix < 1:
        raise ValueError(f"prefix and suffix must be >= 1 token, got {prefix} and {suffix}")
    indices = [i for i, s in enumerate(sequences) if len(s) >= prefix + suffix]
    if not indices:
        raise ValueError(f"no document has the {prefix + suffix} tokens that a {prefix}-token prefix and a {suffix}-token suffix need")
    model.to(device).eval()
    exact, match = [], []
    with progress_bar("extraction", enabled=progress) as bar:
        task = bar.add_task("extraction", total=len(indices))
        for start in range(0, len(indices), batch):
            docs = [np.asarray(sequences[i]) for i in indices[start : start + batch]]
            prompts = torch.tensor(np.stack([np.concatenate([[bos], d[:prefix]]) for d in docs]), dtype=torch.long)
            target = torch.tensor(np.stack([d[prefix : prefix + suffix] for d in docs]), dtype=torch.long)
            same = greedy_generate(model, prompts, suffix, device=device) == target
            exact += same.all(1).tolist()
            match += same.float().mean(1).tolist()
            bar.advance(task, len(docs))
    exact = np.array(exact, dtype=bool)
    return {"indices": np.array(indices), "exact": exact, "token_match": np.array(match), "rate": float(exact.mean()), "prefix": prefix, "suffix": suffix}


def document_bits(model: nn.Module, sequences: list, *, bos: int, context: int, device="cpu", progress: bool = True) -> np.ndarray:
    """Total bits the model spends on each document (its tokens after ``bos``)."""
    from genlab.train import score_documents

    scored = score_documents(model, [np.asarray(s) for s in sequences], bos, context, device=device, progress=progress, tag="bits per document")
    return np.array([float(-np.log2(np.maximum(p.astype(np.float64), 1e-30)).sum()) for p, _ in scored])


def membership_scores(bits: np.ndarray, n_tokens: np.ndarray, texts: list[str], reference_bits: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The baseline attacks' scores (higher = more likely a member) from the model's bits per
    document, the documents' token counts and texts, and optionally a reference model's bits."""
    n_tokens = np.maximum(np.asarray(n_tokens, dtype=float), 1)
    zlib_bits = np.array([8 * len(zlib.compress(t.encode("utf-8"))) for t in texts], dtype=float)
    out = {"loss": -bits / n_tokens, "zlib": -bits / zlib_bits}
    if reference_bits is not None:
        out["reference"] = -(bits - np.asarray(reference_bits)) / n_tokens
    return out


def membership_inference(member: dict[str, np.ndarray], nonmember: dict[str, np.ndarray]) -> dict[str, dict]:
    """ROC (AUC, TPR at 1% FPR, curve) of each attack, members as positives."""
    out = {}
    for attack in member:
        scores = np.concatenate([member[attack], nonmember[attack]])
        labels = np.concatenate([np.ones(len(member[attack]), bool), np.zeros(len(nonmember[attack]), bool)])
        finite = np.isfinite(scores)
        out[attack] = roc(scores[finite], labels[finite])
    return out


def shuffled_words(text: str, seed: int) -> str:
    """A control text: the same words in a random order (same vocabulary, a sequence no one wrote)."""
    words = text.split()
    rng = np.random.default_rng(seed)
    rng.shuffle(words)
    return " ".join(words)


def edit_similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / the longer length (1 = identical)."""
    if not a and not b:
        return 1.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1 - prev[-1] / max(len(a), len(b))



def text_memorization_study(model: nn.Module, tokenizer, members: list[str], controls: dict[str, list[str]], *, prefix: int = 16, suffix: int = 16,
                            context: int = 512, device="cpu", progress: bool = True) -> list[dict]:
    """Extraction and membership inference of ``members`` (texts the model may have trained on)
    against each set of ``controls`` (texts it cannot have seen), one row per set.

    Rows: documents, extraction rate (exact), near-match share (>= 90% of suffix tokens), mean
    token match, bits per token; control rows add each attack's ROC AUC and TPR at 1% FPR with the
    members as positives (loss, zlib, and ``extraction``: the share of suffix tokens reproduced)."""
    rows, attack_scores, matched = [], {}, {}
    for name, texts in {"members": members, **controls}.items():
        ids = tokenizer.encode_batch(texts)
        ext = extraction(model, ids, bos=tokenizer.bos_id, prefix=prefix, suffix=suffix, device=device, progress=progress)
        bits = document_bits(model, ids, bos=tokenizer.bos_id, context=context, device=device, progress=progress)
        n_tokens = np.array([len(s) for s in ids])
        attack_scores[name] = membership_scores(bits, n_tokens, texts)
        matched[name] = ext["token_match"]
        row = {"set": name, "documents": len(texts), "scored_for_extraction": len(ext["indices"]), "extracted_exact": ext["rate"],
               "extracted_count": int(ext["exact"].sum()), "near_match_90": float((ext["token_match"] >= 0.9).mean()),
               "token_match": float(ext["token_match"].mean()), "bits_per_token": float(bits.sum() / max(1, n_tokens.sum()))}
        if name != "members":
            attacks = membership_inference(attack_scores["members"], attack_scores[name])
            attacks["extraction"] = membership_inference({"m": matched["members"]}, {"m": matched[name]})["m"]  # share of suffix tokens reproduced
            for attack, r in attacks.items():
                row[f"mia_{attack}_auc"], row[f"mia_{attack}_tpr_at_1pct_fpr"] = r["auc"], r["tpr_at_1pct_fpr"]
            row["roc"] = {attack: {"fpr": r["fpr"], "tpr": r["tpr"]} for attack, r in attacks.items()}
        rows.append(row)
    return rows


def _train_lm_member(task: dict, shared: dict) -> dict[str, torch.Tensor]:
    """Sweep task: train a GPT on the documents of subset ``task['model']`` (each with its
    multiplicity); its bits per token on every document."""
    from genlab.train import document_windows
    from genlab.models import GPTConfig, build_gpt
    from genlab.train import TrainConfig, train

    k, seed = task["model"], task["seed"]
    units, counts, bos, context = shared["units"], shared["counts"], shared["bos"], task["context"]
    chosen = [units[i] for i in shared["masks"][k].nonzero().squeeze(1).tolist() for _ in range(counts[i])]
    order = torch.randperm(len(chosen), generator=torch.Generator().manual_seed(seed)).tolist()
    x, y = document_windows([chosen[i] for i in order], bos, context)
    torch.manual_seed(seed)
    model = build_gpt(GPTConfig(task["size"], vocab_size=shared["vocab_size"], context=context))
    train(model, x, y, TrainConfig(**task["train"]), device=task["device"], progress=False)
    bits = document_bits(model.eval(), units, bos=bos, context=context, device=task["device"], progress=False)
    return {"bits_per_token": torch.from_numpy(bits / np.maximum([len(u) for u in units], 1)).float()}


def counterfactual_memorization(units: list, counts: list[int], *, size: str, vocab_size: int, bos: int, context: int, train_config, models: int = 16,
                                subset: float = 0.5, seed: int = 0, folder, workers: int | None = None, address: str | None = None,
                                device: str = "cpu", progress: bool = True):
    """Counterfactual memorization of each document (Zhang et al. 2023, "Counterfactual
    Memorization in Neural Language Models"): ``models`` GPTs, each trained on a random half (by
    default) of the documents, and mem(i) = mean bits per token of i under the models that did not
    train on it - under those that did (Feldman & Zhang's estimator with the per-document loss as
    the outcome, via the sweep engine). ``counts`` repeats a document within the subsets that hold it.

    Returns:
        (Scores, the K x n membership masks, the K x n bits per token).
    """

    from genlab.memorization._feldman import estimate, membership_masks
    from genlab.sweep import run_sweep

    units = [np.asarray(u, dtype=np.int32) for u in units]
    masks = membership_masks(len(units), models, subset, seed)
    shared = {"units": units, "counts": list(counts), "masks": masks, "bos": bos, "vocab_size": vocab_size}
    tasks = [{"model": k, "seed": seed * 1_000_003 + k, "size": size, "context": context, "train": train_config.to_dict(), "device": device} for k in range(models)]
    from genlab.sweep import fingerprint

    manifest = {"models": models, "subset": subset, "seed": seed, "documents": fingerprint(*(torch.from_numpy(u) for u in units), torch.tensor(list(counts))),
                "vocab_size": vocab_size, "bos": bos}
    results = run_sweep(_train_lm_member, tasks, folder, shared=shared, workers=workers, address=address, progress=progress, description=f"{models} language models",
                        manifest=manifest)
    bpt = torch.stack([r["bits_per_token"] for r in results])
    return estimate(masks, -bpt, "probability", outcome_range=math.inf), masks, bpt
