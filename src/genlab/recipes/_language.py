"""The built-in language-model certificate: a GPT of a built-in size (or a pretrained model) on a
built-in corpus, certified inside the run store; and what verify needs to rebuild its inputs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from genlab.certify import LMCertifyConfig, certify_language_model, parameters_sha256
from genlab.compress import decode_merges
from genlab.data import BPETokenizer, ByteTokenizer, load_corpus, make_tokenizer
from genlab.models import BYTE_GPTS, GPTConfig, build_byte_gpt, build_gpt, load_pretrained
from genlab.report import write_lm_report
from genlab.train import TrainConfig, document_windows, encode_documents, score_documents, train


BOUND_KINDS = ("document", "token-level")


def lm_recipe(bound: str = "document", pretrained: str | None = None) -> tuple[str, LMCertifyConfig]:
    """The tuned model size and configuration for the built-in corpus, per the bound one wants
    tightest: ``document`` needs a code of a few thousand bits (n = documents), so a small SubLoRA
    subspace on gpt-nano; ``token-level`` affords far more bits (n = tokens), so a large subspace
    of all of gpt-nano's parameters.

    With a pretrained byte GPT of genlab.models.BYTE_GPTS, the recipe of the bound, started from
    its weights. With another ``pretrained`` model, one recipe for both bounds, sized for a CPU: a short SubLoRA fine-tune,
    and subsamples of the documents, token positions and test documents for the empirical risks
    (the bounds pay for the subsampling). The trials and timings behind these: docs/decisions.md."""
    if bound not in BOUND_KINDS:
        raise ValueError(f"bound must be one of {', '.join(BOUND_KINDS)}, got {bound!r}")
    if pretrained in BYTE_GPTS:  # genlab's own byte GPT, pretrained on other documents: the recipe of its size, started from it
        return pretrained, lm_recipe(bound)[1]
    if pretrained is not None:  # 0.0043 epochs of the built-in corpus's 128-token windows: about 40 steps of 8
        return pretrained, LMCertifyConfig(method="sublora", subspace_dim=1000, lora_rank=4, levels=5, m_documents=1000, m_tokens=2000, m_test=300,
                                           train=TrainConfig(epochs=0.0043, lr=0.005, batch_size=8, schedule="onecycle"),
                                           qat=TrainConfig(epochs=0.0013, lr=0.002, batch_size=8))
    if bound == "document":
        return "gpt-nano", LMCertifyConfig(method="sublora", subspace_dim=3000, lora_rank=16, levels=5, m_documents=None, m_tokens=None, document_bound="split-kl",
                                           train=TrainConfig(epochs=0.25, lr=0.1, batch_size=32, schedule="onecycle"),
                                           qat=TrainConfig(epochs=0.02, lr=0.01, batch_size=32))
    return "gpt-nano", LMCertifyConfig(method="subspace", subspace_dim=50_000, levels=9, m_documents=None, m_tokens=None,
                                       train=TrainConfig(epochs=0.2, lr=0.03, batch_size=32, schedule="onecycle"),
                                       qat=TrainConfig(epochs=0.02, lr=0.005, batch_size=32))


def certify_lm_builtin(corpus: str, size: str, config: LMCertifyConfig, *, store, tokenizer: str = "bytes", vocab: int | None = None, max_documents: int | None = None,
                       pretrained: str | None = None, progress: bool = True, report: bool = True):
    """Certify a freshly initialised built-in GPT (or, with ``pretrained``, a SubLoRA/LoRA
    fine-tune of a pretrained model whose weights are the prior) on a built-in corpus; everything
    lands in a run folder. A pretrained prior is only valid if the corpus's documents were not in
    its pretraining data."""
    data = load_corpus(corpus)
    train_docs, test_docs = data.train, data.test
    if max_documents is not None:
        if max_documents < 2:
            raise ValueError(f"max_documents must be >= 2, got {max_documents}")
        train_docs = train_docs[:max_documents]
        test_docs = test_docs[: max(1, max_documents // 10)]
    if pretrained is None:
        GPTConfig(size)  # a bad size fails before any work
    else:
        size = pretrained
    run_config = {"kind": "certify-lm", "corpus": corpus, "size": size, "tokenizer": "pretrained" if pretrained else tokenizer, "vocab": vocab,
                  "max_documents": max_documents, "pretrained": pretrained, "certify": config.to_dict()}
    run = store.start_run(f"certify-lm-{corpus}", run_config)
    with run:
        prior_documents = _prior_documents(pretrained)
        if pretrained is not None:
            model, tok = load_pretrained(pretrained)
        else:
            tok = make_tokenizer(tokenizer, train_docs, vocab)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(config.seed)
                model = build_gpt(GPTConfig(size, vocab_size=tok.vocab_size, context=config.context))
        result = certify_language_model(model, train_docs, test_docs, config, tokenizer=tok, prior_documents=prior_documents, run=run, progress=progress)
        summary = {"corpus": corpus, "model": size, "method": config.method, "document_bound": result.document_bound, "token_bound": result.token_bound, "bits": result.bits_total}
        run.complete({"corpus": corpus, "model": size, "pretrained": pretrained, **result.to_dict()}, summary)
    if report:
        write_lm_report(run.folder)
    return result, run


def _prior_documents(pretrained: str | None) -> list[str] | None:
    """The documents a pretrained byte GPT of genlab was trained on (its baselines get them too)."""
    return load_corpus(BYTE_GPTS[pretrained].corpus).train if pretrained in BYTE_GPTS else None


def builtin_lm_inputs(folder, run_config: dict, config: LMCertifyConfig):
    """The base model, tokenizer, training documents and (for a base pretrained by genlab) the
    pretraining documents of a built-in certify-lm run folder (a
    trained tokenizer is the one decoded from the folder's paid bits, ``tokenizer.code``; if that
    cannot be decoded, the saved ``tokenizer.json``, so that verify reports the mismatch)."""
    data = load_corpus(run_config["corpus"])
    docs = data.train if run_config.get("max_documents") is None else data.train[: run_config["max_documents"]]
    if run_config.get("pretrained"):
        model, tok = load_pretrained(run_config["pretrained"])
        return model, tok, docs, _prior_documents(run_config["pretrained"])
    tok = ByteTokenizer()
    if run_config.get("tokenizer") == "bpe":
        try:
            tok = decode_merges("".join(format(b, "08b") for b in (folder / "tokenizer.code").read_bytes()))
        except (OSError, ValueError):
            tok = BPETokenizer.from_str((folder / "tokenizer.json").read_text())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = build_gpt(GPTConfig(run_config["size"], vocab_size=tok.vocab_size, context=config.context))
    return model, tok, docs, None


def pretrain_byte_gpt(name: str = "byte-gpt-nano-manuals", *, out: str | Path | None = None, progress: bool = True) -> dict:
    """Pretrain a byte-level GPT of :data:`genlab.models.BYTE_GPTS` by its fixed recipe (its corpus's
    training documents, its TrainConfig, its seed) and write its weights atomically as safetensors
    (``out``, default: the file ``load_pretrained(name)`` reads). Returns what was measured: the
    parameters' SHA-256 (what a certificate records for its base), the final training loss and
    the mean bits per byte over test documents of the corpus and of ``english``."""
    from safetensors.torch import save_model

    if name not in BYTE_GPTS:
        raise ValueError(f"unknown byte GPT {name!r}; choose one of {', '.join(BYTE_GPTS)}")
    spec = BYTE_GPTS[name]
    target = Path(out) if out is not None else spec.weights_path(name)
    tok = ByteTokenizer()
    data = load_corpus(spec.corpus)
    model = build_byte_gpt(spec)
    x, y = document_windows(encode_documents(tok, data.train), tok.bos_id, spec.context)
    history = train(model, x, y, TrainConfig(**spec.train), progress=progress, tag=f"pretrain {name}")
    model.eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".partial", dir=target.parent)
    os.close(fd)
    try:
        save_model(model, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

    def test_bits(docs) -> float:
        scores = score_documents(model, encode_documents(tok, docs), tok.bos_id, spec.context, progress=progress, tag="score")
        return float(np.mean([-np.log2(np.maximum(p, 1e-30)).mean() for p, _ in scores]))

    return {"name": name, "weights": str(target), "sha256": parameters_sha256(model), "train_documents": len(data.train),
            "train_loss_nats": history[-1]["loss"], "test_bits_per_byte_doc_mean": {spec.corpus: test_bits(data.test[:2000]), "english": test_bits(load_corpus("english").test[:2000])}}
