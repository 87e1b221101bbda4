"""Language-model certificates: tokenizers, SubLoRA, the compressed-LM round trip, the pipeline."""

import copy
import hashlib
import math
import random

import numpy as np
import pytest
import torch

from genlab.certify import LMCertifyConfig, certify_language_model, decode_language_model
from genlab.certify._language import _build
from genlab.certify._statements import _sample_positions
from genlab.train import score_documents
from genlab.bounds import elias_gamma_decode, elias_gamma_encode
from genlab.compress import LoRAParametrization, QuantizedCode, SubspaceModel, decode_merges, encode, encode_merges, lora_targets
from genlab.data import BPETokenizer, ByteTokenizer, load_tokenizer, make_tokenizer
from genlab.models import CausalLM, GPTConfig, build_gpt
from genlab.store import RunStore
from genlab.train import TrainConfig

WORDS = "the of and to in is was he that it for on with as his they be at one have this from".split()


def _docs(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 20))) + "." for _ in range(n)]


def _gpt(size="gpt-nano", vocab=257, context=32, seed=0):
    torch.manual_seed(seed)
    return build_gpt(GPTConfig(size, vocab_size=vocab, context=context))


TINY = LMCertifyConfig(subspace_dim=200, levels=5, context=32, m_documents=60, m_tokens=300, m_test=20, quantization_stages=(0.5, 1.0),
                       train=TrainConfig(epochs=1, lr=0.05, batch_size=16, schedule="onecycle"), qat=TrainConfig(epochs=0.5, lr=0.01, batch_size=16))


# --- tokenizers -------------------------------------------------------------------------------


def test_byte_tokenizer_round_trip_and_costs_nothing():
    tok = ByteTokenizer()
    text = "In the beginning — café"
    assert tok.encode(text) == list(text.encode("utf-8"))
    assert tok.decode(tok.encode(text)) == text
    assert tok.bos_id == 256 and tok.vocab_size == 257 and tok.description_bits() == 0
    assert isinstance(load_tokenizer(tok.to_str()), ByteTokenizer)


def test_bpe_is_trained_on_the_given_documents_and_its_paid_bits_rebuild_it():
    """The count the certificate pays, description_bits(), is the length of an explicit code:
    the merges written as that many bits decode to a tokenizer that encodes every document the
    same way, whatever follows them (the code is self-delimiting), and no shorter prefix of them
    decodes at all (not a bit is left out of the count)."""
    docs = _docs(300)
    tok = make_tokenizer("bpe", docs, vocab_size=300)
    assert isinstance(tok, BPETokenizer) and tok.vocab_size == 300 and len(tok.merges) == 300 - 257
    bits = encode_merges(tok)
    assert set(bits) == {"0", "1"} and len(bits) == tok.description_bits()
    for suffix in ("", "0000000", "1" * 13):
        back = decode_merges(bits + suffix)
        assert back.merges == tok.merges and back.encode_batch(docs) == tok.encode_batch(docs)
    for cut in range(len(bits)):
        with pytest.raises(ValueError):
            decode_merges(bits[:cut])
    text = "the of and to café"
    assert tok.decode(tok.encode(text)) == text
    assert len(tok.encode("the of and")) < len(text.encode())  # merges shorten common words
    again = load_tokenizer(tok.to_str())
    assert again.encode(text) == tok.encode(text)


@pytest.mark.parametrize("kind,vocab,message", [("bpe", None, "vocab_size"), ("bpe", 100, "vocab_size must lie"), ("chars", None, "unknown tokenizer")])
def test_bad_tokenizer_requests_are_clear_errors(kind, vocab, message):
    with pytest.raises(ValueError, match=message):
        make_tokenizer(kind, _docs(10), vocab)


# --- SubLoRA ----------------------------------------------------------------------------------


def test_lora_parameter_count_and_memory():
    gpt = _gpt()
    lora = LoRAParametrization(gpt, rank=4)
    params = dict(gpt.named_parameters())
    expected = sum(4 * sum(params[n].shape) for n in lora.targets) + sum(p.numel() for p in params.values() if p.dim() == 1)
    assert lora.size == expected
    # every attention, MLP and embedding matrix of the GPT-2 (tied output head counted once)
    assert sorted(lora.targets) == sorted(n for n, p in params.items() if p.dim() == 2)
    assert lora_targets(gpt) == lora.targets
    total = sum(p.numel() for p in gpt.parameters())
    assert lora.size < total / 4
    sub = SubspaceModel(gpt, 500, seed=0, projector="fastfood", parametrization=lora)
    stored = sum(b.numel() for b in sub.projector.buffers())
    assert stored <= 3 * (lora.size + 2 * 500)  # O(D + d), never D x d
    assert [n for n, p in sub.named_parameters() if p.requires_grad] == ["z"]


def test_sublora_starts_at_the_base_model_and_materializes_exactly():
    gpt = _gpt()
    x = torch.randint(0, 257, (3, 16))
    with torch.no_grad():
        expected = gpt(x)
    sub = SubspaceModel(gpt, 300, seed=1, projector="fastfood", parametrization=LoRAParametrization(gpt, rank=2, seed=1))
    with torch.no_grad():
        assert torch.allclose(sub(x), expected, atol=1e-5)
        sub.z.normal_()
        moved = sub(x)
        assert not torch.allclose(moved, expected, atol=1e-3)
        assert torch.allclose(sub.materialize()(x), moved, atol=1e-4)


def test_bad_lora_settings_are_clear_errors():
    gpt = _gpt()
    with pytest.raises(ValueError, match="rank must be >= 1"):
        LoRAParametrization(gpt, rank=0)
    with pytest.raises(ValueError, match="not a 2-D parameter"):
        LoRAParametrization(gpt, targets=["model.transformer.ln_f.weight"])


@pytest.mark.parametrize("method", ["sublora", "lora", "subspace"])
def test_compressed_language_model_round_trip(method):
    """train -> QAT -> code file -> decode from the bytes alone: the same predictions."""
    from genlab.certify._classifier import quantization_aware_training
    from genlab.train import document_windows, encode_documents

    tok = ByteTokenizer()
    config = LMCertifyConfig(method=method, subspace_dim=150, levels=4, context=32, quantization_stages=(),
                             train=TrainConfig(epochs=0.3, lr=0.02, batch_size=8), qat=TrainConfig(epochs=0.2, lr=0.01, batch_size=8))
    base = _gpt()
    sub = _build(base, config)
    x, y = document_windows(encode_documents(tok, _docs(60)), tok.bos_id, 32)
    indices, codebook = quantization_aware_training(sub, 4, (), config.qat, x, y, progress=False)
    payload, bits = encode(QuantizedCode(0, indices.numpy(), codebook.numpy()), 1)
    assert 8 * len(payload) == sum(bits.values())
    decoded, code = decode_language_model(payload, _gpt(), config)
    assert (code.indices == indices.numpy()).all()
    expected = sub.materialize(codebook.float()[indices])
    with torch.no_grad():
        assert torch.equal(decoded(x[:4].long()), expected(x[:4].long()))


# --- scoring and sampling -----------------------------------------------------------------------


def test_scoring_chunks_long_documents_like_one_pass_within_the_context():
    gpt = _gpt(context=32)
    seqs = [np.array(list(b"a short one"), dtype=np.int32), np.array(list(b"x" * 70), dtype=np.int32)]
    scores = score_documents(gpt, seqs, 256, 32, progress=False)
    assert [len(p) for p, _ in scores] == [11, 70]
    ids = torch.tensor([[256] + list(b"a short one")])
    with torch.no_grad():
        logp = torch.log_softmax(gpt(ids)[0, :-1], -1)
    direct = logp.gather(1, ids[0, 1:, None])[:, 0].exp().numpy()
    assert np.allclose(scores[0][0], direct, rtol=1e-4)
    p, r = scores[1]
    assert np.all((p > 0) & (p <= 1)) and np.all((r >= 0) & (r < 257))


def test_scoring_batches_never_exceed_the_token_budget():
    """Batches hold at most batch_tokens (rows x widest chunk) tokens, so the logits of a large
    vocabulary stay bounded: many one-token documents before longer ones once made a batch of
    batch_tokens rows as wide as the longest of them (an out-of-memory kill with SmolLM2)."""
    gpt = _gpt(context=32)
    shapes = []

    class Recording(torch.nn.Module):
        def forward(self, ids):
            shapes.append(tuple(ids.shape))
            return gpt(ids)

    rng = np.random.default_rng(0)
    seqs = [rng.integers(0, 256, size=n).astype(np.int32) for n in [1] * 300 + list(range(2, 33)) * 3 + [70]]
    scores = score_documents(Recording(), seqs, 256, 32, batch_tokens=64, progress=False)
    assert max(rows * width for rows, width in shapes[1:]) <= 64  # shapes[0]: the one-token probe
    assert sum(rows for rows, _ in shapes[1:]) == 300 + 31 * 3 + 3  # every chunk once; 70 tokens: 3 chunks
    ids = torch.tensor([[256] + seqs[310].tolist()])
    with torch.no_grad():
        direct = torch.log_softmax(gpt(ids)[0, :-1], -1).gather(1, ids[0, 1:, None])[:, 0].exp().numpy()
    assert np.allclose(scores[310][0], direct, rtol=1e-4)


def test_token_positions_are_sampled_uniformly_without_replacement():
    lengths = np.array([5, 1, 10, 4])
    doc, off = _sample_positions(lengths, 20, np.random.default_rng(0))
    assert len(doc) == 20 and np.all(off < lengths[doc]) and np.all(off >= 0)
    assert len(set(zip(doc.tolist(), off.tolist()))) == 20  # every position exactly once


# --- the pipeline -------------------------------------------------------------------------------


def _certify_in_run(tmp_path, model, train_docs, test_docs, config=TINY, tokenizer=None):
    """certify_language_model inside a run folder (for its code files); the base model as it was
    before certification, from which the decoded model is rebuilt."""
    pristine = copy.deepcopy(model)
    run = RunStore(tmp_path / "runs").start_run("certify-lm-test", {"kind": "certify-lm-api"})
    with run:
        result = certify_language_model(model, train_docs, test_docs, config, tokenizer=tokenizer, run=run, progress=False)
        run.complete(result.to_dict(), {})
    return result, run.folder, pristine


def _measured(result, folder, pristine, tokenizer, documents, config=TINY) -> dict:
    """Document-level risks of the model decoded from the code file alone, measured here on
    ``documents``: per document, the mean smoothed bits per token -log2((1 - a) p + a / |V|) at the
    certificate's alpha, the smoothed bits per byte, and the top-k error rates; then the mean over
    documents (the quantities the document-level statements bound for a fresh document)."""
    base = copy.deepcopy(pristine)
    decoded, _ = decode_language_model((folder / "model.code").read_bytes(), base if isinstance(base, CausalLM) else CausalLM(base), config)
    seqs = [np.array(tokenizer.encode(d), dtype=np.int32) for d in documents]
    scored = score_documents(decoded, seqs, tokenizer.bos_id, config.context, progress=False)
    vocab = result.vocab_size

    def bits(p, key):
        a = result.bounds[key]["alpha"]
        return -np.log2((1 - a) * p.astype(np.float64) + a / vocab)

    out = {"document/loss": np.mean([bits(p, "document/loss").mean() for p, _ in scored]),
           "unsmoothed": np.mean([-np.log2(p.astype(np.float64)).mean() for p, _ in scored])}
    if "document/loss_per_byte" in result.bounds:
        out["document/loss_per_byte"] = np.mean([bits(p, "document/loss_per_byte").sum() / len(d.encode()) for (p, _), d in zip(scored, documents)])
    for k in (1, 10, 100):
        out[f"document/top{k}"] = np.mean([(r >= k).mean() for _, r in scored])
    return out


def _range_of_the_mixture(alpha: float, vocab: int) -> tuple[float, float]:
    """[a, b] of -log2 p_alpha(token), p_alpha = (1 - alpha) p + alpha / |V|, by building the
    mixture of a model sure of token 0 and reading off its best and worst token."""
    p = (1 - alpha) * np.eye(vocab)[0] + alpha / vocab
    return float(-np.log2(p.max())), float(-np.log2(p.min()))


def test_certify_language_model_end_to_end(tmp_path):
    docs = _docs(400)
    held_out = docs[360:]
    result, folder, pristine = _certify_in_run(tmp_path, _gpt(), docs[:360], held_out[:20])
    assert set(result.bounds) == {f"{lvl}/{what}" for lvl in ("document", "token") for what in ("loss", "top1", "top10", "top100")}
    assert result.delta_per_statement == pytest.approx(TINY.delta / 8)
    assert result.n_documents == 360 and result.n_tokens == sum(len(d.encode()) for d in docs[:360])
    # Bits: the code file's size (a byte tokenizer costs nothing), and 2 bits name one of 4 alphas.
    payload = (folder / "model.code").read_bytes()
    assert result.bits_total == 8 * len(payload) == sum(v for k, v in result.bits.items() if k != "alpha_choice")
    assert result.bits["tokenizer"] == 0 and result.bits["alpha_choice"] == 2
    for key, b in result.bounds.items():
        assert b["delta"] == pytest.approx(TINY.delta / 8)
    # Each document statement bounds the risk on a fresh document: the decoded model's loss and
    # errors on 40 documents no step saw stay below it (they estimate that risk).
    measured = _measured(result, folder, pristine, ByteTokenizer(), held_out)
    for key in ("document/loss", "document/top1", "document/top10", "document/top100"):
        assert result.bounds[key]["bound"] >= measured[key], (key, result.bounds[key]["bound"], measured[key])
    # The empirical risk is the decoded model's, on the subsample replayed from its recorded seed.
    from genlab.certify._statements import draw_subsample

    sampled, _, _ = draw_subsample(result.sample["seed"], np.array([len(d.encode()) for d in docs[:360]]), 60, 300)
    train_measured = _measured(result, folder, pristine, ByteTokenizer(), [docs[i] for i in sampled])
    lo, hi = result.bounds["document/loss"]["loss_range"]  # split-kl reads the mean off its K thresholds: rounded up by < (b - a) / K
    assert train_measured["document/loss"] - 1e-4 <= result.bounds["document/loss"]["empirical"] <= train_measured["document/loss"] + (hi - lo) / TINY.splits + 1e-4
    assert result.bounds["document/top10"]["empirical"] == pytest.approx(train_measured["document/top10"], abs=1e-6)
    # The test risks the result reports are those of the decoded model (all 20 test documents scored).
    assert result.test["m"] == 20 and result.test["bits_per_token"] == pytest.approx(_measured(result, folder, pristine, ByteTokenizer(), held_out[:20])["unsmoothed"], abs=1e-4)
    assert result.bounds["document/loss"]["alpha"] in TINY.alphas
    a = result.bounds["token/loss"]["alpha"]
    assert result.bounds["token/loss"]["loss_range"] == pytest.approx(_range_of_the_mixture(a, 257))
    assert result.bounds["document/top1"]["bound"] >= result.bounds["document/top10"]["bound"] >= result.bounds["document/top100"]["bound"]
    # The baselines: coded tables under the same statements, subsample and delta as the model,
    # each paying for exactly its code file.
    assert set(result.baselines) == {"unigram", "ngram-document", "ngram-token"}
    assert result.baselines["unigram"]["order"] == 1
    for name, base in result.baselines.items():
        table = (folder / f"baseline-{name}.code").read_bytes()
        assert base["bits_total"] == base["bits"]["table"] == 8 * len(table) and base["code_sha256"] == hashlib.sha256(table).hexdigest()
        assert base["bits_total"] < 12 * 257  # far below the flat 12 bits per entry of the old unigram
        for key, b in base["bounds"].items():
            mine = result.bounds[key]
            assert (b["m"], b["n"], b["delta"], b["method"]) == (mine["m"], mine["n"], mine["delta"], mine["method"]), (name, key)
    for key, best in result.baseline["bounds"].items():
        assert best["bound"] == min(base["bounds"][key]["bound"] for base in result.baselines.values())
        assert (best["margin"] > 0) == (result.bounds[key]["bound"] < best["bound"])  # positive: the model's bound is the lower
        assert abs(best["margin"]) == pytest.approx(abs(best["bound"] - result.bounds[key]["bound"]))
    # Every input of the statements is recorded: the subsample replays from its seed.
    assert result.sample["m_documents"] == 60 and result.sample["m_tokens"] == 300 and result.sample["alphas"] == list(TINY.alphas)
    assert result.bounds["document/loss"]["sample_choices"] == len(TINY.alphas) == result.bounds["token/loss"]["sample_choices"]
    # N is random, so the token statements pay for it: n_bits is the length of a self-delimiting
    # (Elias gamma) code word that names N.
    word = elias_gamma_encode(result.n_tokens)
    assert result.bounds["token/loss"]["n_bits"] == len(word) and elias_gamma_decode(word + "1101") == (result.n_tokens, len(word))
    forms = result.bounds["document/loss"]["forms"]  # the same losses in the other forms, for comparison
    assert set(forms) == {"split-kl", "hoeffding"} and forms["split-kl"] == result.bounds["document/loss"]["bound"]


def test_the_subsample_comes_from_fresh_randomness_not_the_seed(monkeypatch):
    from genlab.certify import _language

    docs = _docs(200)
    seeds = iter([11, 12])
    monkeypatch.setattr(_language, "_fresh_seed", lambda: next(seeds))
    config = LMCertifyConfig(**{**TINY.to_dict(), "train": TINY.train, "qat": TINY.qat, "m_documents": 50, "m_tokens": 100})
    first = certify_language_model(_gpt(), docs[:180], None, config, progress=False)
    second = certify_language_model(_gpt(), docs[:180], None, config, progress=False)
    assert first.sample["seed"] == 11 and second.sample["seed"] == 12
    assert first.quantization["code_sha256"] == second.quantization["code_sha256"]  # the same model ...
    assert first.bounds["document/loss"]["empirical"] != second.bounds["document/loss"]["empirical"]  # ... scored on other documents
    lengths = np.array([len(d.encode()) for d in docs[:180]])
    doc_sample, tok_docs, _ = _language.draw_subsample(11, lengths, 50, 100)
    assert len(np.unique(doc_sample)) == 50 and len(tok_docs) == 100
    every_doc, every_tok, offsets = _language.draw_subsample(11, lengths, None, None)  # no sampling: every position, in order
    assert every_doc.tolist() == list(range(180)) and len(every_tok) == lengths.sum()
    assert offsets[: lengths[0] + 1].tolist() == list(range(lengths[0])) + [0]


def test_a_llama_style_hugging_face_model_is_certified_like_smollm2(tmp_path):
    """SmolLM2's architecture (LlamaForCausalLM: q/k/v/o and gate/up/down projections, RMS norms,
    tied embeddings, a head wider than the tokenizer), tiny and random: SubLoRA adapts every
    projection, the whole pipeline runs (it checks that decoding reproduces the level indices),
    and the smoothing spreads over the model's whole head."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    llama = LlamaForCausalLM(LlamaConfig(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                                         num_key_value_heads=2, max_position_embeddings=64, tie_word_embeddings=True))
    targets = lora_targets(llama)
    assert {name.rsplit(".", 2)[-2] for name in targets} >= {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    # per layer: q and o 32 x 32, k and v 32 x 16 (2 of the 4 heads of 8), gate, up and down 32 x 64, 2 norms; tied embedding, final norm
    n_parameters = 2 * (2 * 32 * 32 + 2 * 32 * 16 + 3 * 32 * 64 + 2 * 32) + 300 * 32 + 32
    docs = _docs(200)
    result, folder, pristine = _certify_in_run(tmp_path, llama, docs[:180], docs[180:])
    assert result.vocab_size == 300 and result.n_parameters == n_parameters
    measured = _measured(result, folder, pristine, ByteTokenizer(), docs[180:])
    for key in ("document/loss", "document/top1", "document/top10", "document/top100"):
        assert result.bounds[key]["bound"] >= measured[key], key
    a = result.bounds["token/loss"]["alpha"]
    assert result.bounds["token/loss"]["loss_range"] == pytest.approx(_range_of_the_mixture(a, 300))  # |V| is the head's 300, not 257


@pytest.mark.parametrize("train,message", [
    ([], "empty"),
    ([b"\xff\xfe not utf-8", "fine"], "UTF-8"),
    (["only one document"], "at least 2"),
    (["ok", "   "], "whitespace"),
])
def test_bad_corpus_input_is_a_clear_error(train, message):
    with pytest.raises(ValueError, match=message):
        certify_language_model(_gpt(), train, None, TINY, progress=False)


def test_a_model_whose_vocabulary_is_too_small_is_a_clear_error():
    with pytest.raises(ValueError, match="vocab_size=257"):
        certify_language_model(_gpt(vocab=100), _docs(10), None, TINY, progress=False)


@pytest.mark.parametrize("kwargs,message", [(dict(method="full"), "method must be one of"), (dict(alphas=(0.0,)), "alphas"), (dict(delta=2.0), "delta")])
def test_bad_lm_config_is_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LMCertifyConfig(**kwargs)


def test_bpe_certificate_pays_for_the_tokenizer_and_bounds_bits_per_byte(tmp_path):
    docs = _docs(400, seed=1)
    tok = make_tokenizer("bpe", docs[:360], vocab_size=300)
    result, folder, pristine = _certify_in_run(tmp_path, _gpt(vocab=300), docs[:360], docs[360:], tokenizer=tok)
    # The tokenizer's bits are those of tokenizer.code (padded to a byte), which decode to it.
    code = "".join(format(b, "08b") for b in (folder / "tokenizer.code").read_bytes())
    assert 0 < result.bits["tokenizer"] <= len(code) < result.bits["tokenizer"] + 8
    assert decode_merges(code).encode_batch(docs) == tok.encode_batch(docs)
    assert result.bits_total == 8 * len((folder / "model.code").read_bytes()) + result.bits["tokenizer"]
    assert result.delta_per_statement == pytest.approx(TINY.delta / 9)
    per_byte = result.bounds["document/loss_per_byte"]
    assert per_byte["loss_range"] == pytest.approx([0.0, _range_of_the_mixture(per_byte["alpha"], 300)[1]])  # no token is shorter than a byte
    measured = _measured(result, folder, pristine, tok, docs[360:])
    for key in ("document/loss", "document/loss_per_byte", "document/top1"):
        assert result.bounds[key]["bound"] >= measured[key], key
    assert result.n_bytes == sum(len(d.encode()) for d in docs[:360]) > result.n_tokens  # merges made tokens longer than a byte
    assert "document/loss_per_byte" in result.baseline["bounds"]
    for base in result.baselines.values():  # the baselines use the same BPE tokens and pay for them too
        assert base["bits"]["tokenizer"] == result.bits["tokenizer"] and base["bits_total"] == base["bits"]["table"] + result.bits["tokenizer"]


@pytest.mark.parametrize("form, m_docs", [("split-kl", 100), ("hoeffding", 100), ("bernstein", 400), ("split-kl", 400)])
def test_statements_monte_carlo_with_the_alpha_grid_and_subsampling(form, m_docs):
    """A synthetic source with known risks: one-token documents, token 0 or 1 with probability 1/2,
    and a fixed model that puts all its mass on token 0, so every smoothed loss is a or b with
    probability 1/2 (the variance at which Hoeffding is tightest) and top-1 error is 1/2. Over
    repeated draws of the n documents and of the subsample, each of the eight statements, with
    alpha picked from a grid of four on the same sample, fails at most at its share of delta."""
    from genlab.certify._statements import Scores, draw_subsample, statements

    alphas, n, m_tok, trials = (0.05, 0.1, 0.25, 0.5), 400, 200, 400
    delta_each = 0.8 / 8
    rng = np.random.default_rng(0)
    failures, failures_small, below = {}, {}, 0
    for _ in range(trials):
        tokens = rng.integers(0, 2, size=n)
        lengths = np.ones(n, dtype=int)
        doc_sample, tok_docs, _ = draw_subsample(int(rng.integers(2**62)), lengths, m_docs, m_tok)
        p, r = (tokens == 0).astype(float), (tokens != 0).astype(int)
        scores = Scores(p[doc_sample], r[doc_sample], lengths[doc_sample], None, p[tok_docs], r[tok_docs])
        out, _ = statements(scores, n, n, 4, 0.0, alphas, delta_each, 0.5, form, splits=64)
        for key, s in out.items():
            truth = sum(s["loss_range"]) / 2 if "loss" in key else (0.5 if key.endswith("top1") else 0.0)
            failures[key] = failures.get(key, 0) + (truth > s["bound"])
            failures_small[key] = failures_small.get(key, 0) + (truth > s["empirical"] + 0.35 * (s["bound"] - s["empirical"]))
        below += out["document/loss"]["empirical"] < sum(out["document/loss"]["loss_range"]) / 2
    allowed = delta_each + 3 * math.sqrt(delta_each * (1 - delta_each) / trials)
    assert len(failures) == 8 and all(f / trials <= allowed for f in failures.values()), failures
    # The harness sees failures: the sample mean is below the risk about half the time, and a
    # statement with a third of our deviation terms fails in several percent of the draws.
    assert below / trials > 0.3
    assert failures_small["document/top1"] / trials > 0.02
    assert out["document/loss"]["method"] == f"document_{form.replace('-', '_')}"


def test_sampled_scores_are_gathered_from_the_right_documents_and_offsets():
    from genlab.certify._statements import draw_subsample, score_sample

    rng = np.random.default_rng(1)
    sequences = [rng.integers(0, 50, size=rng.integers(1, 9)).astype(np.int32) for _ in range(40)]
    lengths = np.array([len(s) for s in sequences])
    fake = lambda seqs: [(s.astype(np.float32) / 100 + 0.001, s.astype(np.int32) + 1) for s in seqs]  # noqa: E731
    doc_sample, tok_docs, tok_offsets = draw_subsample(5, lengths, 12, 30)
    scores = score_sample(fake, sequences, doc_sample, tok_docs, tok_offsets, None)
    assert np.allclose(scores.doc_p, np.concatenate([sequences[i] for i in doc_sample]) / 100 + 0.001)
    assert scores.tok_r.tolist() == [int(sequences[d][o]) + 1 for d, o in zip(tok_docs, tok_offsets)]
    assert scores.doc_lengths.tolist() == lengths[doc_sample].tolist()


def test_gpt_shapes_by_name_and_by_layers_x_width():
    from genlab.models import gpt_shape

    assert gpt_shape("gpt-nano") == (2, 64, 2) and gpt_shape("gpt-2x16") == (2, 16, 1) and gpt_shape("gpt-3x96") == (3, 96, 3)
    hf = build_gpt(GPTConfig(size="gpt-2x48", vocab_size=11, context=8)).model.config
    assert (hf.n_layer, hf.n_embd, hf.n_head) == (2, 48, 1)
    for bad in ("gpt-huge", "gpt-0x32", "gpt-2x", "gpt-2x100"):  # 100 does not split into 3 heads
        with pytest.raises(ValueError, match="gpt-<layers>x<width>|multiple of 32"):
            GPTConfig(size=bad)
