"""A trained BPE tokenizer's merges as the bit string its certificate pays for, and back:
Elias gamma of (merges + 1), then each merge's two token ids in ceil(log2(257 + k)) bits each
(merge k joins two of the 257 + k tokens that exist before it). Its length is
``BPETokenizer.description_bits()``."""

from __future__ import annotations

import math

from genlab.bounds import elias_gamma_decode, elias_gamma_encode
from genlab.data import BPETokenizer


def encode_merges(tokenizer: BPETokenizer) -> str:
    """The tokenizer's merges as a string of '0'/'1' of ``tokenizer.description_bits()`` bits."""
    vocab = tokenizer.vocab
    bits = [elias_gamma_encode(len(tokenizer.merges) + 1)]
    for k, (left, right) in enumerate(tokenizer.merges):
        width = math.ceil(math.log2(257 + k))
        bits.append(format(vocab[left], f"0{width}b") + format(vocab[right], f"0{width}b"))
    return "".join(bits)


def decode_merges(bits: str) -> BPETokenizer:
    """Inverse of :func:`encode_merges`: the tokenizer rebuilt from its paid bits alone (trailing
    padding is ignored); ValueError on a truncated code or a merge of a token that does not exist
    yet."""
    count, pos = elias_gamma_decode(bits)
    names = BPETokenizer.base_symbols()
    merges = []
    for k in range(count - 1):
        width = math.ceil(math.log2(257 + k))
        if pos + 2 * width > len(bits):
            raise ValueError("tokenizer code is truncated")
        left, right = int(bits[pos : pos + width], 2), int(bits[pos + width : pos + 2 * width], 2)
        pos += 2 * width
        if max(left, right) >= len(names) or names[0] in (names[left], names[right]):
            raise ValueError(f"tokenizer code names token {max(left, right)} in merge {k}, which does not exist yet")
        merges.append((names[left], names[right]))
        names.append(names[left] + names[right])
    return BPETokenizer.from_merges(merges)
