"""``verify`` for language-model certificates: re-derive every statement from the run folder.

From the folder alone (plus the public base: the seeded GPT of the run's config, or the
pretrained file, checked by hash) and the built-in corpus: the code file's size and hash, the
tokenizer and its paid bits, the decoded model, the document and token counts, the subsample
replayed from its recorded seed, the re-scored empirical risks, every statement recomputed, and
the coded baselines refitted, their code files compared bit for bit, re-scored and re-bounded (with
a pretrained base, also the n-gram of its pretraining text, whose hash is recorded).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import torch

from genlab import bounds
from genlab.certify._verify import Check, VerifyReport
from genlab.certify._config import LMCertifyConfig
from genlab.certify._language import BASELINES, PRIOR_BASELINES, PRIOR_MODEL, CODE_FILE, THETA0_FILE, TOKENIZER_CODE_FILE, _build, decode_language_model, parameters_sha256, split_documents
from genlab.certify._statements import TOP_K, best_baselines, draw_subsample, score_sample, statements
from genlab.certify._ngram import decode_ngram, fit_ngram
from genlab.certify._prior_ngram import PriorCounts, decode_prior_ngram, documents_sha256, fit_prior_ngrams
from genlab.compress import decode_merges, encode_merges
from genlab.data import BPETokenizer
from genlab.models import CausalLM
from genlab.train import encode_documents, score_documents

TOLERANCE = 1e-4  # bits (or error rate): re-scoring on another machine or thread count moves float32 sums a little


def recompute_statement(s: dict) -> float:
    """A statement's bound from its own recorded fields only (genlab.bounds)."""
    common = dict(bits=s["bits"], delta=s["delta"])
    if s["method"] == "document_bernstein":
        return bounds.document_bernstein_bound(s["empirical"], s["variance"], s["n"], loss_range=tuple(s["loss_range"]), **common).bound
    if s["method"] == "document_split_kl":
        return bounds.document_split_kl_bound(s["tails"], s["m"], s["n"], loss_range=tuple(s["loss_range"]), sample_share=_share(s), sample_choices=s.get("sample_choices", 1), **common).bound
    if s["method"] == "document_hoeffding":
        return bounds.subsampled_document_bound(s["empirical"], s["m"], s["n"], loss_range=tuple(s["loss_range"]), sample_share=_share(s), sample_choices=s.get("sample_choices", 1), **common).bound
    if s["method"] == "document_kl":
        return bounds.subsampled_error_bound(s["empirical"], s["m"], s["n"], sample_share=_share(s), **common).bound
    if s["method"] == "token_azuma_hoeffding":
        return bounds.token_level_bound(s["empirical"], s["n"], loss_range=tuple(s["loss_range"]), m_tokens=s["m"], sample_share=_share(s), sample_choices=s.get("sample_choices", 1), **common).bound
    raise ValueError(f"unknown statement method {s['method']!r}")


def _share(s: dict) -> float:
    return s["delta_sample"] / s["delta"] if s["delta_sample"] > 0 else 0.5


def verify_language_model(folder: str | Path, *, model=None, train_documents=None, tokenizer=None, prior_documents=None, progress: bool = True) -> VerifyReport:
    """Re-derive a language-model certificate from its run folder (see the module docstring).
    For a certificate made through the Python API, pass the base ``model`` as it was before
    certification, the ``train_documents`` and the ``tokenizer`` (and the ``prior_documents`` a
    pretrained base was trained on, when the certificate names them)."""
    folder = Path(folder)
    checks: list[Check] = []

    def check(name: str, ok: bool, detail: str) -> bool:
        checks.append(Check(name, bool(ok), detail))
        return bool(ok)

    needed = ("config.json", "result.json", CODE_FILE, "tokenizer.json")
    missing = [f for f in needed if not (folder / f).is_file()]
    if not check("files present", not missing, ", ".join(needed) if not missing else f"missing: {', '.join(missing)}"):
        return VerifyReport(str(folder), checks)
    result = json.loads((folder / "result.json").read_text())
    if not result.get("sample") or not result.get("baselines"):
        check("certificate format", False, "result.json has no recorded subsample or coded baselines: it was written before certificates could be re-derived; certify again")
        return VerifyReport(str(folder), checks)
    config = LMCertifyConfig.from_dict(result["config"])
    payload = (folder / CODE_FILE).read_bytes()
    sha = hashlib.sha256(payload).hexdigest()
    check("code file hash", sha == result["quantization"]["code_sha256"], f"sha256 {sha[:16]}... (result says {result['quantization']['code_sha256'][:16]}...)")
    parts = {k: v for k, v in result["bits"].items() if k != "alpha_choice"}
    check("bits = code file + tokenizer", result["bits_total"] == 8 * len(payload) + result["bits"]["tokenizer"] == sum(parts.values()),
          f"{len(payload)} bytes = {8 * len(payload)} bits + tokenizer {result['bits']['tokenizer']} = {8 * len(payload) + result['bits']['tokenizer']} (result says {result['bits_total']}; parts {parts})")
    alpha_bits = math.ceil(math.log2(len(config.alphas))) if len(config.alphas) > 1 else 0
    check("alpha bits", result["bits"]["alpha_choice"] == alpha_bits, f"ceil(log2 {len(config.alphas)}) = {alpha_bits}")

    # Public base, tokenizer and data.
    decoded_tok = None
    if result["bits"]["tokenizer"]:
        path = folder / TOKENIZER_CODE_FILE
        if not check("tokenizer code present", path.is_file(), f"{TOKENIZER_CODE_FILE} holds the trained tokenizer's paid bits"):
            return VerifyReport(str(folder), checks)
        code = "".join(format(b, "08b") for b in path.read_bytes())
        try:
            decoded_tok = decode_merges(code)
        except ValueError as e:
            check("tokenizer decoded from its paid bits", False, str(e))
            return VerifyReport(str(folder), checks)
        paid = encode_merges(decoded_tok)
        check("tokenizer decoded from its paid bits", code.startswith(paid) and set(code[len(paid):]) <= {"0"} and len(code) - len(paid) < 8,
              f"{len(decoded_tok.merges)} merges in {len(paid)} bits")
    if model is None or train_documents is None or tokenizer is None:
        raise ValueError(f"verifying {folder} needs the base model, the training documents and the tokenizer it was certified with: "
                         "genlab.verify(folder, model=<the base model>, train_documents=<documents>, tokenizer=<tokenizer>)")
    if decoded_tok is not None:
        check("tokenizer = the decoded one", tokenizer.merges == decoded_tok.merges, "the merges used are those the paid bits decode to")
    tok_bits = tokenizer.description_bits()
    saved = (folder / "tokenizer.json").read_text()
    same = tokenizer.to_str() == saved or (tokenizer.kind == "bpe" and BPETokenizer.from_str(saved).merges == tokenizer.merges)
    check("tokenizer", tok_bits == result["bits"]["tokenizer"] and same,
          f"{tokenizer.kind}, {tokenizer.vocab_size} tokens, {tok_bits} bits (result says {result['bits']['tokenizer']}); tokenizer.json matches")
    docs = [d.decode("utf-8") if isinstance(d, bytes) else d for d in train_documents]
    model = model if isinstance(model, CausalLM) else CausalLM(model)
    if config.prior == "data-dependent":
        docs, held = split_documents(docs, config.prior_fraction, config.seed)
        model, ok = _load_prior(folder, model, result, len(held), check)
        if not ok:
            return VerifyReport(str(folder), checks)
        prior_documents = held if prior_documents is None else [*prior_documents, *held]
    sequences = encode_documents(tokenizer, docs)
    lengths = np.array([len(s) for s in sequences])
    n_documents, n_tokens = len(sequences), int(lengths.sum())
    per_byte = tokenizer.kind != "bytes"
    doc_bytes = np.array([len(d.encode("utf-8")) for d in docs]) if per_byte else None
    n_bytes = int(doc_bytes.sum()) if per_byte else n_tokens
    check("training data", (n_documents, n_tokens, n_bytes) == (result["n_documents"], result["n_tokens"], result["n_bytes"]),
          f"{n_documents:,} documents, {n_tokens:,} tokens, {n_bytes:,} bytes")

    with torch.no_grad():
        vocab = int(model(torch.tensor([[0]])).shape[-1])
    base = _build(model, config).base
    base_sha = parameters_sha256(base)
    check("public base", base_sha == result.get("base_sha256"), f"parameters sha256 {base_sha[:16]}... (seed {config.seed})")
    try:
        decoded, code = decode_language_model(payload, base, config)
    except ValueError as e:
        check("decode", False, str(e))
        return VerifyReport(str(folder), checks)
    counts = np.bincount(code.indices, minlength=config.levels).tolist()
    check("decode", counts == result["quantization"]["counts"] and len(code.indices) == result["subspace_dim"], f"d = {len(code.indices)}, level counts {counts}")

    # The subsample, replayed; the model re-scored; every statement recomputed.
    sample = result["sample"]
    doc_sample, tok_docs, tok_offsets = draw_subsample(sample["seed"], lengths, sample["m_documents"], sample["m_tokens"])
    n_statements = 2 * (1 + len(TOP_K)) + per_byte
    delta_each = config.delta / n_statements
    check("delta split", math.isclose(result["delta_per_statement"], delta_each, rel_tol=1e-12) and sample["statements"] == n_statements,
          f"{config.delta} / {n_statements} statements = {delta_each:.6g}")
    args = (n_documents, n_tokens, vocab)

    def rebound(who: str, score, bits: int, stored_bounds: dict) -> dict:
        """Re-score the replayed subsample with ``score``, recompute every statement at ``bits``, and compare."""
        recomputed, _ = statements(score_sample(score, sequences, doc_sample, tok_docs, tok_offsets, doc_bytes), *args, bits, config.alphas, delta_each,
                                   config.sample_share, config.document_bound, config.splits)
        _compare(who, recomputed, stored_bounds, check)
        return recomputed

    def rescorer(model, tag: str):
        return lambda seqs: score_documents(model, seqs, tokenizer.bos_id, config.context, progress=progress, tag=tag)

    cert = rebound("model", rescorer(decoded, "verify: re-score"), result["bits_total"], result["bounds"])

    baselines = {}
    for name, level, orders in BASELINES:
        stored = result["baselines"].get(name)
        if not check(f"baseline {name} present", stored is not None, "recorded in result.json" if stored else "missing"):
            continue
        table = fit_ngram(sequences, vocab, tokenizer.bos_id, config.alphas, level, document_bound=config.document_bound, splits=config.splits, orders=orders, extra_bits=tok_bits,
                          probe=config.baseline_probe)
        sha = hashlib.sha256(table.payload).hexdigest()
        code_path = folder / f"baseline-{name}.code"
        same_file = not code_path.is_file() or code_path.read_bytes() == table.payload
        check(f"baseline {name}: code", sha == stored["code_sha256"] and same_file and stored["bits_total"] == table.bits + tok_bits,
              f"refitted {table.name}: {table.bits} bits, sha256 {sha[:16]}... (result says {stored['bits_total'] - tok_bits} bits)")
        decoded_table = decode_ngram(table.payload, vocab, tokenizer.bos_id, level)
        check(f"baseline {name}: decode", np.array_equal(decoded_table.levels, table.levels), f"order {decoded_table.order}, {len(decoded_table.contexts)} contexts, step {decoded_table.step}")
        baselines[name] = {"bounds": rebound(f"baseline {name}", decoded_table.score, stored["bits_total"], stored["bounds"])}
    expected = len(BASELINES)
    if result.get("prior_text"):
        expected += len(PRIOR_BASELINES)
        baselines.update(_verify_prior_baselines(result, prior_documents, tokenizer, sequences, vocab, config, folder, check, rebound))
    if config.prior == "data-dependent":
        expected += 1
        stored = result["baselines"].get(PRIOR_MODEL)
        if check(f"baseline {PRIOR_MODEL} present", stored is not None, "recorded in result.json" if stored else "missing"):
            check(f"baseline {PRIOR_MODEL}: zero bits", stored["bits_total"] == tok_bits, f"theta_0 pays only the tokenizer's {tok_bits} bits (result says {stored['bits_total']})")
            baselines[PRIOR_MODEL] = {"bounds": rebound(f"baseline {PRIOR_MODEL}", rescorer(base, "verify: re-score theta_0"), tok_bits, stored["bounds"])}
    if len(baselines) == expected:
        best = best_baselines({n: {**result["baselines"][n], "bounds": b["bounds"]} for n, b in baselines.items()}, cert)["bounds"]
        ok = all(best[k]["name"] == result["baseline"]["bounds"][k]["name"] and abs(best[k]["margin"] - result["baseline"]["bounds"][k]["margin"]) <= 2 * TOLERANCE for k in best)
        check("best baseline and margins", ok, ", ".join(f"{k}: {best[k]['name']} {best[k]['margin']:+.3f}" for k in ("document/loss", "token/loss")))
    return VerifyReport(str(folder), checks)


def _load_prior(folder: Path, model: CausalLM, result: dict, held: int, check) -> tuple[CausalLM, bool]:
    """theta_0 of a data-dependent prior from the folder's theta0.safetensors, checked against the
    recorded hash and count of documents it was trained on."""
    from safetensors.torch import load_file

    path = folder / f"{THETA0_FILE}.safetensors"
    if not check("theta_0 present", path.is_file(), f"{path.name} holds the data-dependent prior's weights"):
        return model, False
    prior = copy.deepcopy(model)
    try:
        prior.load_state_dict(load_file(str(path)), strict=True)
    except RuntimeError as e:
        check("theta_0 loads", False, str(e).splitlines()[0])
        return model, False
    stored = result.get("prior") or {}
    sha = parameters_sha256(prior)
    ok = check("theta_0 (data-dependent prior)", sha == stored.get("sha256") and held == stored.get("documents"),
               f"parameters sha256 {sha[:16]}..., trained on the {held:,} documents of the seeded split (result says {stored.get('documents')}, {str(stored.get('sha256'))[:16]}...)")
    return prior.eval(), ok


def _verify_prior_baselines(result: dict, prior_documents, tokenizer, sequences, vocab: int, config: LMCertifyConfig, folder: Path, check, rebound) -> dict:
    """The baselines that get the prior's pretraining text: the text's hash, then each one refitted,
    its code file compared, decoded, re-scored and re-bounded."""
    if prior_documents is None:
        raise ValueError(f"{folder} holds a certificate whose base was pretrained on other documents: verifying its baselines needs them, "
                         "genlab.verify(folder, ..., prior_documents=<the pretraining documents>)")
    stored_text = result["prior_text"]
    prior_seqs = encode_documents(tokenizer, [d.decode("utf-8") if isinstance(d, bytes) else d for d in prior_documents])
    sha = documents_sha256(prior_seqs)
    if not check("prior text", sha == stored_text["sha256"] and len(prior_seqs) == stored_text["documents"],
                 f"{len(prior_seqs):,} documents, sha256 {sha[:16]}... (result says {stored_text['documents']:,}, {stored_text['sha256'][:16]}...)"):
        return {}
    prior = PriorCounts.count(prior_seqs, vocab, tokenizer.bos_id)
    tables = fit_prior_ngrams(prior, sequences, config.alphas, [level for _, level in PRIOR_BASELINES], document_bound=config.document_bound, splits=config.splits,
                              extra_bits=result["bits"]["tokenizer"], probe=config.baseline_probe)
    out = {}
    for name, level in PRIOR_BASELINES:
        stored = result["baselines"].get(name)
        if not check(f"baseline {name} present", stored is not None, "recorded in result.json" if stored else "missing"):
            continue
        table = tables[level]
        code_path = folder / f"baseline-{name}.code"
        same_file = not code_path.is_file() or code_path.read_bytes() == table.payload
        check(f"baseline {name}: code", hashlib.sha256(table.payload).hexdigest() == stored["code_sha256"] and same_file and stored["bits"]["table"] == table.bits,
              f"refitted: order {table.order}, discount {table.discount}, {table.bits} bits")
        decoded = decode_prior_ngram(table.payload, prior, level)
        out[name] = {"bounds": rebound(f"baseline {name}", decoded.score, stored["bits_total"], stored["bounds"])}
    return out


def _compare(who: str, recomputed: dict, stored: dict, check) -> None:
    """Every statement: the stored fields give the stored bound, and re-scoring gives them."""
    if not check(f"{who}: statements", set(recomputed) == set(stored), f"{len(stored)} statements"):
        return
    for key in sorted(stored):
        s, r = stored[key], recomputed[key]
        from_fields = recompute_statement(s)
        exact = math.isclose(from_fields, s["bound"], rel_tol=1e-9, abs_tol=1e-12)
        same_inputs = all(s[f] == r[f] for f in ("n", "m", "method", "sample_choices", "n_bits")) and s.get("alpha") == r.get("alpha") \
            and math.isclose(s["bits"], r["bits"]) and math.isclose(s["delta"], r["delta"]) and np.allclose(s["loss_range"], r["loss_range"])
        rescored = abs(r["empirical"] - s["empirical"]) <= TOLERANCE and abs(r["bound"] - s["bound"]) <= TOLERANCE \
            and all(abs(r.get("forms", {}).get(f, v) - v) <= TOLERANCE for f, v in s.get("forms", {}).items())
        check(f"{who}: {key}", exact and same_inputs and rescored,
              f"bound {s['bound']:.6f} from its fields {from_fields:.6f}; re-scored empirical {r['empirical']:.6f} (recorded {s['empirical']:.6f}), bound {r['bound']:.6f}")
