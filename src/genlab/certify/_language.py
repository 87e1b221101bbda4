"""Certified bounds on a language model's next-token loss and top-k error (Lotfi et al. 2023,
"Non-Vacuous Generalization Bounds for Large Language Models"; Lotfi et al. 2024, "Unlocking
Tokens as Data Points for Generalization Bounds on Larger Language Models").

train (SubLoRA, plain LoRA or a plain subspace) -> quantization-aware training -> arithmetic
coding -> decode the code file -> rebuild the model -> score training documents -> bounds.

The hypothesis is the decoded model mixed with the uniform distribution,
p_alpha = (1 - alpha) p + alpha / |V|, with alpha picked from a public grid after seeing the data
(paid: ceil(log2 |grid|) bits). A BPE tokenizer trained on the training documents is part of the
hypothesis too and pays its own code (genlab.data.BPETokenizer.description_bits).

Eight statements (nine with a multi-byte tokenizer) are certified for the model, each at
delta / 8 (delta / 9) so that all hold together with probability >= 1 - delta:
- document level (documents are the i.i.d. units; a document's loss is its mean per-token loss):
  smoothed bits per token (per byte for byte tokens; with BPE also bits per byte), in the form
  the config names (split-kl, empirical Bernstein or Hoeffding), and top-1 / top-10 / top-100
  error (kl);
- token level (Azuma on the martingale of per-token losses, N paid in Elias gamma; the bounded
  quantity is the mean over the training positions of the expected next-token loss given the
  preceding tokens and the document boundaries, see genlab.bounds.token_level_bound): the same
  four.
Empirical risks come from uniform subsamples (m documents, or all of them; m token positions)
paid with a share of each statement's delta; a loss statement's sampling step holds for every
alpha of the grid at once, since alpha is picked on the same sample. The subsample is drawn from
fresh randomness after the code file is written (never from config.seed, which built theta_0
and P) and recorded, so that genlab verify replays it.

Baselines (genlab.certify._ngram): a unigram and two n-gram tables, each coded near its
empirical entropy and bounded under the same statements, subsample and delta split as the model
(a trained tokenizer's bits included); the result reads each statement against the best of them.
When the model's prior was pretrained on other documents (``prior_documents``), the baselines get
that text too (genlab.certify._prior_ngram): an n-gram counted on it, as free as the prior's weights.
With a data-dependent prior (``config.prior``), theta_0 is the model trained on a seeded share of
the training documents and the statements are bounded on the rest; the held share is the
baselines' prior text, and theta_0 itself is one more baseline at zero bits.
"""

from __future__ import annotations

import copy
import hashlib
import platform
import secrets
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
from torch import nn

from genlab.certify._config import LMCertifyConfig
from genlab.certify._statements import TOP_K, alpha_bits, best_baselines, draw_subsample, empirical_risks, score_sample, statements
from genlab.config import Result
from genlab.certify._classifier import quantization_aware_training, split_prior_bound
from genlab.certify._ngram import fit_ngram
from genlab.certify._prior_ngram import PriorCounts, documents_sha256, fit_prior_ngrams
from genlab.compress import FullParametrization, LoRAParametrization, QuantizedCode, SubspaceModel, decode, empirical_entropy_bits, encode, encode_merges
from genlab.data import ByteTokenizer, check_documents
from genlab.models import CausalLM
from genlab.train import document_windows, encode_documents, score_documents, train

CODE_FILE = "model.code"
TOKENIZER_CODE_FILE = "tokenizer.code"


@dataclass
class LMCertifyResult(Result):
    """A language-model certificate (the fields of result.json), for the decoded model.

    ``bounds`` maps ``document/loss``, ``document/top1``, ..., ``token/top100`` to the
    genlab.bounds.LanguageBound fields plus ``alpha`` (loss bounds); ``baseline`` holds the
    unigram model's bounds under the same statements. Losses are in bits per token.
    """

    method: str
    tokenizer: str
    vocab_size: int
    n_documents: int
    n_tokens: int
    n_bytes: int
    n_parameters: int
    n_trained: int
    subspace_dim: int
    levels: int
    bits_total: int
    bits: dict
    delta: float
    delta_per_statement: float
    bounds: dict
    empirical: dict
    test: dict
    baseline: dict
    quantization: dict
    wall_seconds: float
    environment: dict
    config: LMCertifyConfig
    run_id: str | None = None
    sample: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)
    base_sha256: str = ""
    prior_text: dict = field(default_factory=dict)
    prior: dict = field(default_factory=dict)

    @property
    def document_bound(self) -> float:
        return self.bounds["document/loss"]["bound"]

    @property
    def token_bound(self) -> float:
        return self.bounds["token/loss"]["bound"]


def _build(model: nn.Module, config: LMCertifyConfig) -> SubspaceModel:
    if config.method == "subspace":
        parametrization = FullParametrization(model)
        d, projector = config.subspace_dim, config.projector
    else:
        parametrization = LoRAParametrization(model, rank=config.lora_rank, seed=config.seed)
        d, projector = (config.subspace_dim, config.projector) if config.method == "sublora" else (parametrization.size, "identity")
    if d > (parametrization.size if config.method != "subspace" else sum(p.numel() for p in model.parameters())):
        raise ValueError(f"subspace_dim {d} exceeds the {config.method} parameter count; lower --dim")
    return SubspaceModel(model, d, seed=config.seed, projector=projector, parametrization=parametrization)


def decode_language_model(payload: bytes, base: nn.Module, config: LMCertifyConfig) -> tuple[nn.Module, QuantizedCode]:
    """Rebuild the certified model from its code file and the public base model, config and seed."""
    subspace = _build(copy.deepcopy(base), config)
    d = subspace.z.numel()
    code = decode(payload, 1, lambda i: (d, config.levels), config.coder, config.code_format)
    z = torch.from_numpy(code.codebook.astype("float32"))[torch.from_numpy(code.indices)]
    return subspace.materialize(z), code


def certify_language_model(
    model: nn.Module,
    train_documents: Sequence[str],
    test_documents: Sequence[str] | None = None,
    config: LMCertifyConfig | None = None,
    *,
    tokenizer=None,
    prior_documents: Sequence[str] | None = None,
    run=None,
    progress: bool = True,
) -> LMCertifyResult:
    """Train, compress and certify a causal language model on documents.

    Args:
        model: any causal LM mapping token ids (batch, time) to logits (batch, time, vocab) or to
            an output with ``.logits`` (a Hugging Face ``AutoModelForCausalLM``). Its current
            weights are the prior's base and must not depend on ``train_documents`` (a seeded
            initialisation, or a model pretrained on other text).
        train_documents, test_documents: str or UTF-8 bytes, one per document.
        config: :class:`LMCertifyConfig`.
        tokenizer: ``genlab.data.ByteTokenizer()`` (default) or a ``BPETokenizer`` trained on
            ``train_documents`` (its code is paid in bits).
        run: optional genlab.store Run: metrics, code file and tokenizer are saved into it.
    """
    config = config or LMCertifyConfig()
    tokenizer = tokenizer or ByteTokenizer()
    started = time.time()
    docs = check_documents(train_documents, min_documents=2, name="train_documents")
    test_docs = check_documents(test_documents, min_documents=1, name="test_documents") if test_documents is not None else []
    model = model if isinstance(model, CausalLM) else CausalLM(model)
    vocab, bos = tokenizer.vocab_size, tokenizer.bos_id
    with torch.no_grad():
        probe = model(torch.tensor([[0]]))
    if probe.shape[-1] < vocab:
        raise ValueError(f"the model has {probe.shape[-1]} output logits but the tokenizer {vocab} tokens; build the model with vocab_size={vocab}")
    vocab = int(probe.shape[-1])  # a wider head than the tokenizer: the smoothing spreads over all of it
    prior_info = {}
    if config.prior == "data-dependent":
        docs, held = split_documents(docs, config.prior_fraction, config.seed)
        model, prior_info = _train_prior(model, held, tokenizer, config, run, progress)
        prior_documents = held if prior_documents is None else [*prior_documents, *held]
    sequences = encode_documents(tokenizer, docs)
    lengths = np.array([len(s) for s in sequences])
    n_documents, n_tokens = len(sequences), int(lengths.sum())

    subspace = _build(model, config)
    x, y = document_windows(sequences, bos, config.context)
    train(subspace, x, y, config.train, device=config.device, run=run, tag=f"{config.method} d={subspace.z.numel()}", progress=progress)
    indices, codebook = quantization_aware_training(subspace, config.levels, config.quantization_stages, config.qat, x, y, rate_weight=config.rate_weight, device=config.device, run=run, progress=progress)
    del x, y
    payload, code_bits = encode(QuantizedCode(0, indices.numpy(), codebook.numpy()), 1, config.coder, config.code_format)
    base = copy.deepcopy(subspace.base).cpu()
    decoded, code = decode_language_model(payload, base, config)
    if not (code.indices == indices.numpy()).all():
        raise RuntimeError("arithmetic decoding did not reproduce the level indices")
    tokenizer_bits = tokenizer.description_bits()
    choice_bits = alpha_bits(config.alphas)
    bits = {**code_bits, "tokenizer": tokenizer_bits}
    bits_total = 8 * len(payload) + tokenizer_bits
    if run is not None:
        run.save_bytes(CODE_FILE, payload)
        run.save_bytes("tokenizer.json", tokenizer.to_str().encode())
        if tokenizer_bits:  # a trained tokenizer's paid bits, from which verify rebuilds it
            code = encode_merges(tokenizer)
            code += "0" * ((-len(code)) % 8)
            run.save_bytes(TOKENIZER_CODE_FILE, int(code, 2).to_bytes(len(code) // 8, "big"))

    per_byte = tokenizer.kind != "bytes"  # byte tokens: bits per token are bits per byte already
    doc_bytes = np.array([len(d.encode("utf-8")) for d in docs]) if per_byte else None
    n_bytes = int(doc_bytes.sum()) if per_byte else n_tokens
    n_statements = 2 * (1 + len(TOP_K)) + per_byte
    delta_each = config.delta / n_statements
    m_documents = n_documents if config.m_documents is None else min(config.m_documents, n_documents)
    if config.document_bound == "bernstein" and m_documents < n_documents:
        raise ValueError(f"the Bernstein document statement scores every training document, but m_documents is {config.m_documents} < {n_documents}; "
                         "set m_documents=None (all), or document_bound='hoeffding' to bound from a subsample")
    subsample_seed = _fresh_seed()  # drawn after the code file is fixed, from fresh randomness: independent of the model
    doc_sample, tok_docs, tok_offsets = draw_subsample(subsample_seed, lengths, m_documents, config.m_tokens)
    model_scores = score_sample(_scorer(decoded, bos, config, progress, "score train sample"), sequences, doc_sample, tok_docs, tok_offsets, doc_bytes)
    args = (n_documents, n_tokens, vocab)
    cert, empirical = statements(model_scores, *args, bits_total, config.alphas, delta_each, config.sample_share, config.document_bound, config.splits)

    test, test_seqs, test_bytes = {}, [], []
    if test_docs:
        pick = np.sort(np.random.default_rng([subsample_seed, 1]).choice(len(test_docs), size=min(config.m_test, len(test_docs)), replace=False))
        test_seqs = encode_documents(tokenizer, [test_docs[i] for i in pick])
        test_bytes = [len(test_docs[i].encode("utf-8")) for i in pick]
        test = empirical_risks(score_documents(decoded, test_seqs, bos, config.context, device=config.device, progress=progress, tag="score test sample"), test_bytes)
        test["m"] = len(pick)

    prior, prior_text = None, {}
    if prior_documents is not None:
        prior_seqs = encode_documents(tokenizer, check_documents(prior_documents, min_documents=1, name="prior_documents"))
        prior = PriorCounts.count(prior_seqs, vocab, bos)
        prior_text = {"documents": len(prior_seqs), "tokens": int(sum(len(s) for s in prior_seqs)), "sha256": documents_sha256(prior_seqs)}

    def fitted():  # one table at a time: the in-domain coded n-grams, then those of the prior text
        for name, level, orders in BASELINES:
            yield name, fit_ngram(sequences, vocab, bos, config.alphas, level, document_bound=config.document_bound, splits=config.splits, orders=orders,
                                  extra_bits=tokenizer_bits, probe=config.baseline_probe)
        if prior is not None:
            tables = fit_prior_ngrams(prior, sequences, config.alphas, [level for _, level in PRIOR_BASELINES], document_bound=config.document_bound,
                                      splits=config.splits, extra_bits=tokenizer_bits, probe=config.baseline_probe)
            yield from ((name, tables[level]) for name, level in PRIOR_BASELINES)

    baselines = {}
    for name, table in fitted():
        baselines[name] = _baseline_entry(table, table.score, tokenizer_bits, sequences, doc_sample, tok_docs, tok_offsets, doc_bytes, args, config, delta_each, test_seqs, test_bytes)
        if run is not None:
            run.save_bytes(f"baseline-{name}.code", table.payload)

    if prior_info:  # theta_0 alone, at zero bits: what the fine-tune's bits bought
        baselines[PRIOR_MODEL] = _baseline_entry(PriorModelBaseline(), _scorer(base, bos, config, progress, "score theta_0"), tokenizer_bits, sequences, doc_sample, tok_docs, tok_offsets,
                                                 doc_bytes, args, config, delta_each, test_seqs, test_bytes)

    counts = torch.bincount(indices, minlength=config.levels).tolist()
    n_trained = subspace.parametrization.size if hasattr(subspace.parametrization, "size") else subspace.theta0.numel()
    return LMCertifyResult(
        method=config.method,
        tokenizer=tokenizer.kind,
        vocab_size=vocab,
        n_documents=n_documents,
        n_tokens=n_tokens,
        n_bytes=n_bytes,
        n_parameters=sum(p.numel() for p in base.parameters()),
        n_trained=n_trained,
        subspace_dim=subspace.z.numel(),
        levels=config.levels,
        bits_total=bits_total,
        bits={**bits, "alpha_choice": choice_bits},
        delta=config.delta,
        delta_per_statement=delta_each,
        bounds=cert,
        empirical={**empirical, "train_bytes_per_token": n_bytes / n_tokens},
        test=test,
        baseline=best_baselines(baselines, cert),
        quantization={"codebook": [float(v) for v in codebook.float()], "counts": counts, "entropy_bits": empirical_entropy_bits(indices.numpy()), "code_sha256": hashlib.sha256(payload).hexdigest()},
        wall_seconds=round(time.time() - started, 1),
        environment={"torch": torch.__version__, "python": platform.python_version(), "machine": platform.machine(), "device": config.device, "threads": torch.get_num_threads()},
        config=config,
        run_id=None if run is None else run.id,
        sample={"seed": subsample_seed, "m_documents": int(len(doc_sample)), "m_tokens": int(len(tok_docs)), "statements": n_statements, "sample_share": config.sample_share,
                "alphas": list(config.alphas), "document_bound": config.document_bound, "splits": config.splits},
        baselines=baselines,
        base_sha256=parameters_sha256(base),
        prior_text=prior_text,
        prior=prior_info,
    )


def _baseline_entry(table, score, tokenizer_bits: int, sequences, doc_sample, tok_docs, tok_offsets, doc_bytes, args, config: LMCertifyConfig, delta_each: float, test_seqs, test_bytes) -> dict:
    """A baseline's code, bounds under the model's statements, subsample and delta, and test loss."""
    base_scores = score_sample(score, sequences, doc_sample, tok_docs, tok_offsets, doc_bytes)
    base_bits = table.bits + tokenizer_bits
    b_cert, b_empirical = statements(base_scores, *args, base_bits, config.alphas, delta_each, config.sample_share, config.document_bound, config.splits)
    if test_seqs:
        b_empirical["test"] = empirical_risks(score(test_seqs), test_bytes)
    return {**table.to_dict(), "bits_total": base_bits, "bits": {"table": table.bits, "tokenizer": tokenizer_bits, "alpha_choice": alpha_bits(config.alphas)},
            "code_sha256": hashlib.sha256(table.payload).hexdigest(), "bounds": b_cert, "empirical": b_empirical}


def split_documents(documents: Sequence[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """(bound documents, prior documents) of a data-dependent prior: the split of
    genlab.certify._classifier.split_prior_bound over the documents' indices (each part in corpus order)."""
    prior_idx, bound_idx = split_prior_bound(len(documents), fraction, seed)
    if len(prior_idx) == 0 or len(bound_idx) < 2:
        raise ValueError(f"prior_fraction {fraction} of {len(documents)} documents leaves {len(prior_idx)} to train theta_0 and {len(bound_idx)} to bound on; "
                         "both parts need documents (the bound at least 2)")
    return [documents[i] for i in bound_idx.tolist()], [documents[i] for i in prior_idx.tolist()]


def _train_prior(model: CausalLM, documents: list[str], tokenizer, config: LMCertifyConfig, run, progress: bool) -> tuple[CausalLM, dict]:
    """theta_0 of a data-dependent prior: a copy of ``model`` with all parameters trained on the
    prior's documents (saved into the run as theta0.safetensors, from which verify starts)."""
    prior_model = copy.deepcopy(model)
    sequences = encode_documents(tokenizer, documents)
    x, y = document_windows(sequences, tokenizer.bos_id, config.context)
    history = train(prior_model, x, y, config.prior_train, device=config.device, run=run, tag="prior theta_0", progress=progress)
    prior_model = prior_model.cpu().eval()
    if run is not None:
        run.save_tensors(THETA0_FILE, {k: v.detach().clone() for k, v in prior_model.state_dict().items()})
    return prior_model, {"kind": "data-dependent", "fraction": config.prior_fraction, "documents": len(documents), "tokens": int(sum(len(q) for q in sequences)),
                         "train_loss_nats": history[-1]["loss"] if history else None, "sha256": parameters_sha256(prior_model)}


def _scorer(model: nn.Module, bos: int, config: LMCertifyConfig, progress: bool, tag: str):
    return lambda seqs: score_documents(model, seqs, bos, config.context, device=config.device, progress=progress, tag=tag)


@dataclass
class PriorModelBaseline:
    """theta_0 of a data-dependent prior as a baseline: nothing to code, zero bits."""

    payload: bytes = b""
    bits: int = 0

    def to_dict(self) -> dict:
        return {"name": "theta_0 alone (the data-dependent prior, zero bits)", "level": "both", "bits": 0}


THETA0_FILE = "theta0"
PRIOR_MODEL = "prior-model"
BASELINES = (("unigram", "document", (1,)), ("ngram-document", "document", (1, 2, 3)), ("ngram-token", "token", (1, 2, 3)))
PRIOR_BASELINES = (("prior-ngram-document", "document"), ("prior-ngram-token", "token"))


def parameters_sha256(model: nn.Module) -> str:
    """SHA-256 of a model's parameters and buffers (names, then float32 bytes, in state-dict
    order): the public base of a certificate, checked by verify."""
    digest = hashlib.sha256()
    for name, value in model.state_dict().items():
        digest.update(name.encode())
        digest.update(value.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()


def _fresh_seed() -> int:
    """64 bits of fresh operating-system randomness for the subsample."""
    return secrets.randbits(64)


