"""genlab.verify re-derives language-model certificates from their run folders, and catches a
flipped code bit or an edited result field."""

import copy
import json
import random

import pytest
import torch

import genlab
from genlab.certify import LMCertifyConfig, LMCertifyResult, certify_language_model
from genlab.certify._verify_language import recompute_statement
from genlab.data import ByteTokenizer, make_tokenizer
from genlab.models import GPTConfig, build_gpt
from genlab.store import RunStore
from genlab.train import TrainConfig

WORDS = "the of and to in is was he that it for on with as his they be at one have this from".split()
TINY = LMCertifyConfig(subspace_dim=150, levels=5, context=32, m_documents=60, m_tokens=300, m_test=20, quantization_stages=(0.5, 1.0),
                       train=TrainConfig(epochs=1, lr=0.05, batch_size=16, schedule="onecycle"), qat=TrainConfig(epochs=0.5, lr=0.01, batch_size=16))


def _docs(n, seed=0):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 20))) + "." for _ in range(n)]


def _certify(tmp_path, tokenizer, config=TINY, prior_documents=None):
    docs = _docs(300)
    torch.manual_seed(0)
    base = build_gpt(GPTConfig("gpt-pico", vocab_size=tokenizer.vocab_size, context=32))
    pristine = copy.deepcopy(base)
    run = RunStore(tmp_path / "runs").start_run("certify-lm-test", {"kind": "certify-lm-api"})
    with run:
        result = certify_language_model(base, docs[:270], docs[270:], config, tokenizer=tokenizer, prior_documents=prior_documents, run=run, progress=False)
        run.complete(result.to_dict(), {})
    return run.folder, pristine, docs[:270], result


@pytest.fixture(scope="module")
def byte_certificate(tmp_path_factory):
    return _certify(tmp_path_factory.mktemp("bytes"), ByteTokenizer())


def _verify(folder, pristine, docs, tok):
    return genlab.verify(folder, model=copy.deepcopy(pristine), train_documents=docs, tokenizer=tok, progress=False)


def test_a_fresh_byte_certificate_verifies(byte_certificate):
    folder, pristine, docs, result = byte_certificate
    assert LMCertifyResult.from_dict(json.loads((folder / "result.json").read_text())) == result  # result.json holds the whole result
    report = _verify(folder, pristine, docs, ByteTokenizer())
    assert report.ok, [c for c in report.checks if not c.ok]
    names = {c.name for c in report.checks}
    assert {"code file hash", "public base", "decode", "model: document/loss", "model: token/top10", "baseline unigram: code",
            "baseline ngram-token: token/loss", "best baseline and margins"} <= names


def test_a_flipped_code_bit_is_caught(byte_certificate, tmp_path):
    folder, pristine, docs, _ = byte_certificate
    copy_folder = tmp_path / "flipped"
    import shutil

    shutil.copytree(folder, copy_folder)
    payload = bytearray((copy_folder / "model.code").read_bytes())
    payload[len(payload) // 2] ^= 0x01
    (copy_folder / "model.code").write_bytes(bytes(payload))
    report = _verify(copy_folder, pristine, docs, ByteTokenizer())
    assert not report.ok
    assert not next(c for c in report.checks if c.name == "code file hash").ok


@pytest.mark.parametrize("edit", ["bound", "empirical", "delta", "seed"])
def test_an_edited_result_field_is_caught(byte_certificate, tmp_path, edit):
    folder, pristine, docs, _ = byte_certificate
    import shutil

    target = tmp_path / edit
    shutil.copytree(folder, target)
    result = json.loads((target / "result.json").read_text())
    if edit == "seed":
        result["sample"]["seed"] += 1  # another subsample than the one scored
    else:
        result["bounds"]["document/loss"][edit] *= 0.9 if edit != "delta" else 2.0
    (target / "result.json").write_text(json.dumps(result))
    report = _verify(target, pristine, docs, ByteTokenizer())
    assert not report.ok
    if edit != "seed":
        assert not next(c for c in report.checks if c.name == "model: document/loss").ok


def test_a_tiny_bpe_certificate_verifies(tmp_path):
    docs = _docs(300)
    tok = make_tokenizer("bpe", docs[:270], vocab_size=300)
    bernstein = LMCertifyConfig(**{**TINY.to_dict(), "train": TINY.train, "qat": TINY.qat, "document_bound": "bernstein", "m_documents": None, "m_tokens": None})
    folder, pristine, train_docs, result = _certify(tmp_path, tok, bernstein)
    assert "document/loss_per_byte" in result.bounds
    assert result.bounds["document/loss"]["method"] == result.bounds["document/loss_per_byte"]["method"] == "document_bernstein"
    assert result.bounds["token/loss"]["m"] == result.n_tokens and result.bounds["token/loss"]["sampling_term"] == 0.0
    report = _verify(folder, pristine, train_docs, tok)
    assert report.ok, [c for c in report.checks if not c.ok]


def test_a_pretrained_base_gives_its_text_to_the_baselines_and_verify_checks_it(tmp_path):
    prior_docs = _docs(200, seed=7)
    folder, pristine, docs, result = _certify(tmp_path, ByteTokenizer(), prior_documents=prior_docs)
    assert result.prior_text["documents"] == 200 and {"prior-ngram-document", "prior-ngram-token"} <= set(result.baselines)
    # the same words in the prior's text: its n-gram beats the uniform distribution by far
    assert result.baselines["prior-ngram-document"]["bounds"]["document/loss"]["empirical"] < 5.0
    ok = genlab.verify(folder, model=copy.deepcopy(pristine), train_documents=docs, tokenizer=ByteTokenizer(), prior_documents=prior_docs, progress=False)
    assert ok.ok, [c for c in ok.checks if not c.ok]
    assert {"prior text", "baseline prior-ngram-document: document/loss", "baseline prior-ngram-token: code"} <= {c.name for c in ok.checks}
    other = genlab.verify(folder, model=copy.deepcopy(pristine), train_documents=docs, tokenizer=ByteTokenizer(), prior_documents=prior_docs[:-1] + ["another text."], progress=False)
    assert not other.ok and not next(c for c in other.checks if c.name == "prior text").ok
    with pytest.raises(ValueError, match="prior_documents"):
        genlab.verify(folder, model=copy.deepcopy(pristine), train_documents=docs, tokenizer=ByteTokenizer(), progress=False)


def test_a_data_dependent_prior_is_trained_on_one_part_bounded_on_the_other_and_verified(tmp_path):
    config = LMCertifyConfig(**{**TINY.to_dict(), "train": TINY.train, "qat": TINY.qat, "prior": "data-dependent", "prior_fraction": 0.4,
                                "prior_train": TrainConfig(epochs=3, lr=0.01, batch_size=16, optimizer="adamw", schedule="onecycle")})
    folder, pristine, docs, result = _certify(tmp_path, ByteTokenizer(), config)
    total = sum(len(d.encode()) for d in docs)
    assert result.prior["documents"] == 108 and result.n_documents == 162  # 0.4 x 270 train theta_0, the bound sees only the rest
    assert result.n_tokens + result.prior["tokens"] == total and result.prior_text["tokens"] == result.prior["tokens"]  # disjoint parts, the whole set
    alone = result.baselines["prior-model"]
    assert alone["bits_total"] == 0 and alone["bounds"]["document/loss"]["n_bits"] == 0
    assert alone["empirical"]["document/loss_unsmoothed"] < 5.0  # theta_0 was trained: a seeded GPT pays ~8 bits per byte (uniform over 257)
    assert (folder / "theta0.safetensors").is_file() and result.base_sha256 == result.prior["sha256"]
    report = _verify(folder, pristine, docs, ByteTokenizer())
    assert report.ok, [c for c in report.checks if not c.ok]
    assert {"theta_0 (data-dependent prior)", "prior text", "baseline prior-model: document/loss", "best baseline and margins"} <= {c.name for c in report.checks}

    from safetensors.torch import load_file, save_file

    weights = load_file(str(folder / "theta0.safetensors"))
    key = next(k for k in weights if k.endswith("ln_f.bias"))
    weights[key] = weights[key] + 0.01
    save_file(weights, str(folder / "theta0.safetensors"))
    tampered = _verify(folder, pristine, docs, ByteTokenizer())
    assert not tampered.ok and not next(c for c in tampered.checks if c.name == "theta_0 (data-dependent prior)").ok


def test_every_stored_statement_recomputes_from_its_fields(byte_certificate):
    _, _, _, result = byte_certificate
    for key, statement in result.bounds.items():
        assert recompute_statement(statement) == pytest.approx(statement["bound"], rel=1e-12), key


def test_a_certificate_from_before_the_recorded_subsample_is_refused_plainly(byte_certificate, tmp_path):
    import shutil

    folder, pristine, docs, _ = byte_certificate
    old = tmp_path / "old"
    shutil.copytree(folder, old)
    result = json.loads((old / "result.json").read_text())
    del result["sample"]
    (old / "result.json").write_text(json.dumps(result))
    report = _verify(old, pristine, docs, ByteTokenizer())
    assert not report.ok and "certify again" in report.checks[-1].detail


def test_bpe_merges_round_trip_through_their_paid_bits():
    from genlab.compress import decode_merges, encode_merges

    docs = _docs(300, seed=3) + ["über café naïve"] * 20
    tok = make_tokenizer("bpe", docs, vocab_size=320)
    code = encode_merges(tok)
    assert len(code) == tok.description_bits()
    back = decode_merges(code + "0000")  # padding to a byte is ignored
    assert back.merges == tok.merges and back.vocab_size == tok.vocab_size and back.bos_id == tok.bos_id
    assert back.encode_batch(docs) == tok.encode_batch(docs)
    with pytest.raises(ValueError, match="truncated"):
        decode_merges(code[: len(code) // 2])
