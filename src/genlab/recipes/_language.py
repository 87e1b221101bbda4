"""The built-in language-model certificate: a GPT of a built-in size (or a pretrained model) on a
built-in corpus, certified inside the run store; and what verify needs to rebuild its inputs."""

from __future__ import annotations

import torch

from genlab.certify import LMCertifyConfig, certify_language_model
from genlab.compress import decode_merges
from genlab.data import BPETokenizer, ByteTokenizer, load_corpus, make_tokenizer
from genlab.models import GPTConfig, build_gpt, load_pretrained
from genlab.report import write_lm_report
from genlab.train import TrainConfig


BOUND_KINDS = ("document", "token-level")


def lm_recipe(bound: str = "document", pretrained: str | None = None) -> tuple[str, LMCertifyConfig]:
    """The tuned model size and configuration for the built-in corpus, per the bound one wants
    tightest: ``document`` needs a code of a few thousand bits (n = documents), so a small SubLoRA
    subspace on gpt-nano; ``token-level`` affords far more bits (n = tokens), so a large subspace
    of all of gpt-nano's parameters.

    With ``pretrained``, one recipe for both bounds, sized for a CPU: a short SubLoRA fine-tune,
    and subsamples of the documents, token positions and test documents for the empirical risks
    (the bounds pay for the subsampling). The trials and timings behind these: docs/decisions.md."""
    if bound not in BOUND_KINDS:
        raise ValueError(f"bound must be one of {', '.join(BOUND_KINDS)}, got {bound!r}")
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
        if pretrained is not None:
            model, tok = load_pretrained(pretrained)
        else:
            tok = make_tokenizer(tokenizer, train_docs, vocab)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(config.seed)
                model = build_gpt(GPTConfig(size, vocab_size=tok.vocab_size, context=config.context))
        result = certify_language_model(model, train_docs, test_docs, config, tokenizer=tok, run=run, progress=progress)
        summary = {"corpus": corpus, "model": size, "method": config.method, "document_bound": result.document_bound, "token_bound": result.token_bound, "bits": result.bits_total}
        run.complete({"corpus": corpus, "model": size, "pretrained": pretrained, **result.to_dict()}, summary)
    if report:
        write_lm_report(run.folder)
    return result, run


def builtin_lm_inputs(folder, run_config: dict, config: LMCertifyConfig):
    """The base model, tokenizer and training documents of a built-in certify-lm run folder (a
    trained tokenizer is the one decoded from the folder's paid bits, ``tokenizer.code``; if that
    cannot be decoded, the saved ``tokenizer.json``, so that verify reports the mismatch)."""
    data = load_corpus(run_config["corpus"])
    docs = data.train if run_config.get("max_documents") is None else data.train[: run_config["max_documents"]]
    if run_config.get("pretrained"):
        model, tok = load_pretrained(run_config["pretrained"])
        return model, tok, docs
    tok = ByteTokenizer()
    if run_config.get("tokenizer") == "bpe":
        try:
            tok = decode_merges("".join(format(b, "08b") for b in (folder / "tokenizer.code").read_bytes()))
        except (OSError, ValueError):
            tok = BPETokenizer.from_str((folder / "tokenizer.json").read_text())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = build_gpt(GPTConfig(run_config["size"], vocab_size=tok.vocab_size, context=config.context))
    return model, tok, docs
