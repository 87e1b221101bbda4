"""Tokenizers for language-model certificates: raw bytes, or byte-level BPE trained with Hugging Face
``tokenizers`` on the training documents only.

A BPE tokenizer learned from the training documents is part of the hypothesis, so its description
is paid for in the certificate: :meth:`BPETokenizer.description_bits` counts an explicit
prefix-free code for it (the number of merges in Elias gamma, then each merge as two token ids of
ceil(log2(tokens so far)) bits). The byte tokenizer is fixed in advance and costs nothing, and
so does a pretrained model's own tokenizer (:class:`HFTokenizer`): both are public before the data.
Every document is encoded as ``[bos] + tokens``: the model always starts a document from the same
context, so documents are scored independently (the i.i.d. units of the document-level bound).
"""

from __future__ import annotations

import json
import math
from typing import Sequence

TOKENIZERS = ("bytes", "bpe")
DOC_TOKEN = "<|doc|>"


class ByteTokenizer:
    """UTF-8 bytes 0..255 and a document-start token 256."""

    kind = "bytes"
    vocab_size = 257
    bos_id = 256

    def encode(self, text: str) -> list[int]:
        return list(text.encode("utf-8"))

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(t) for t in texts]

    def decode(self, ids: Sequence[int]) -> str:
        return bytes(i for i in ids if i < 256).decode("utf-8", errors="replace")

    def description_bits(self) -> int:
        return 0

    def to_str(self) -> str:
        return json.dumps({"kind": "bytes"})


class BPETokenizer:
    """Byte-level BPE (Hugging Face ``tokenizers``): 256 byte symbols, ``<|doc|>`` (id 0), merges."""

    kind = "bpe"

    def __init__(self, tokenizer):
        self._tok = tokenizer
        self.vocab_size = tokenizer.get_vocab_size()
        self.bos_id = tokenizer.token_to_id(DOC_TOKEN)

    @classmethod
    def train(cls, documents: Sequence[str], vocab_size: int) -> "BPETokenizer":
        """Learn ``vocab_size - 257`` merges from ``documents`` (pass training documents only)."""
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

        if not 258 <= vocab_size <= 2**16:
            raise ValueError(f"BPE vocab_size must lie in [258, 65536] (256 bytes + {DOC_TOKEN} + at least one merge), got {vocab_size}")
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[DOC_TOKEN], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        tok.train_from_iterator(documents, trainer)
        return cls(tok)

    @classmethod
    def from_str(cls, text: str) -> "BPETokenizer":
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_str(text))

    def encode(self, text: str) -> list[int]:
        return self._tok.encode(text).ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self._tok.encode_batch(list(texts))]

    def decode(self, ids: Sequence[int]) -> str:
        return self._tok.decode(list(ids))

    @property
    def merges(self) -> list[tuple[str, str]]:
        """The merges in order, as (left, right) pairs (``tokenizers`` stores them as pairs or as
        "left right" strings, depending on its version)."""
        return [tuple(m) if isinstance(m, (list, tuple)) else tuple(m.split(" ", 1)) for m in json.loads(self._tok.to_str())["model"]["merges"]]

    def description_bits(self) -> int:
        """Elias gamma(merges + 1), then 2 * ceil(log2(257 + k)) bits for merge k = 0, 1, ...
        (its two parts are among the 257 + k tokens that exist before it)."""
        m = len(self.merges)
        elias_gamma = 2 * (m + 1).bit_length() - 1  # bits of the Elias gamma code of m + 1
        return elias_gamma + sum(2 * math.ceil(math.log2(257 + k)) for k in range(m))

    def to_str(self) -> str:
        return self._tok.to_str()

    @property
    def vocab(self) -> dict[str, int]:
        """Token name -> id."""
        return json.loads(self._tok.to_str())["model"]["vocab"]

    @staticmethod
    def base_symbols() -> list[str]:
        """The tokens every byte-level BPE vocabulary starts from: ``<|doc|>``, then the 256 byte
        symbols in sorted order (public, so never paid for)."""
        from tokenizers import pre_tokenizers

        return [DOC_TOKEN] + sorted(pre_tokenizers.ByteLevel.alphabet())

    @classmethod
    def from_merges(cls, merges: Sequence[tuple[str, str]]) -> "BPETokenizer":
        """The byte-level BPE tokenizer with these merges, in order: ids are ``<|doc|>`` (0), the
        256 byte symbols in the byte-level alphabet's sorted order, then one token per merge
        (see genlab.compress.decode_merges, which rebuilds it from its paid bits)."""
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers

        names = cls.base_symbols()
        for left, right in merges:
            names.append(left + right)
        tok = Tokenizer(models.BPE({name: i for i, name in enumerate(names)}, list(merges)))
        tok.add_special_tokens([DOC_TOKEN])
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        return cls(tok)


class HFTokenizer:
    """A pretrained model's own Hugging Face tokenizer (e.g. from ``genlab.models.load_pretrained``).

    It was fixed before the data was seen, so it is public and costs no bits. ``vocab_size`` is
    ``len(tokenizer)`` (the base vocabulary plus added special tokens: the model's vocabulary),
    and no special token is ever added by :meth:`encode`; documents start from ``bos_id``.

    Args:
        tokenizer: a ``transformers`` tokenizer (``PreTrainedTokenizerFast`` or similar).
        name: the pretrained model it belongs to (recorded by :meth:`to_str`).
        bos_id: the document-start id; default the tokenizer's ``bos_token_id`` (or, without
            one, its ``eos_token_id``). SmolLM2 uses 0, ``<|endoftext|>``.
    """

    kind = "hf"

    def __init__(self, tokenizer, name: str | None = None, bos_id: int | None = None):
        self._tok = tokenizer
        self.name = name if name is not None else str(getattr(tokenizer, "name_or_path", ""))
        self.vocab_size = len(tokenizer)
        if bos_id is None:
            bos_id = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
        if bos_id is None or not 0 <= bos_id < self.vocab_size:
            raise ValueError(f"bos_id must be a token id in [0, {self.vocab_size}), got {bos_id}; pass the document-start token's id")
        self.bos_id = int(bos_id)

    def encode(self, text: str) -> list[int]:
        return self._tok(text, add_special_tokens=False, verbose=False)["input_ids"]

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return self._tok(list(texts), add_special_tokens=False, verbose=False)["input_ids"]

    def decode(self, ids: Sequence[int]) -> str:
        return self._tok.decode(list(ids), skip_special_tokens=True)

    def description_bits(self) -> int:
        return 0

    def to_str(self) -> str:
        return json.dumps({"kind": "hf", "pretrained": self.name, "bos_id": self.bos_id})


def make_tokenizer(kind: str, train_documents: Sequence[str] | None = None, vocab_size: int | None = None):
    """``bytes`` or ``bpe`` (trained on ``train_documents`` to ``vocab_size`` tokens)."""
    if kind == "bytes":
        return ByteTokenizer()
    if kind == "bpe":
        if train_documents is None or vocab_size is None:
            raise ValueError("a BPE tokenizer needs the training documents and a vocab_size (e.g. --vocab 4096)")
        return BPETokenizer.train(train_documents, vocab_size)
    raise ValueError(f"unknown tokenizer {kind!r}; choose one of {', '.join(TOKENIZERS)}")


def load_tokenizer(text: str):
    """Inverse of ``tokenizer.to_str()``."""
    data = json.loads(text)
    if data.get("kind") == "hf":
        raise ValueError(f"tokenizer of the pretrained model {data.get('pretrained')!r}: load it with genlab.models.load_pretrained({data.get('pretrained')!r})")
    return ByteTokenizer() if data.get("kind") == "bytes" else BPETokenizer.from_str(text)
