"""Arithmetic (range) coding of quantized parameters with ``constriction``, and the code file.

A code word describes the whole quantized model, so its length is the C(h) of the bounds
(docs/bounds.md). Layout, as a bit string padded with zeros to whole bytes:

====================  ==========================================  ===========================
part                  content                                     bits
====================  ==========================================  ===========================
hyperparameters       index of the chosen grid configuration      ceil(log2 K) (0 when K = 1)
frequency table       counts of levels 0..L-2 (the last is        (L-1) * ceil(log2(d+1))
                      d minus their sum)
codebook              the L levels as IEEE float16                16 L
parameters            the number of 32-bit words (see below),     1..3 + 32 * words
                      then the range coder's words                (format 1: gamma + 32 words)
padding               zeros up to a whole byte                    0..7
====================  ==========================================  ===========================

d and L are read from the grid configuration that the first field names (the grid is public and
fixed before training), so the code is prefix-free: every field's length is known from the fields
before it. The bound uses 8 x (file size in bytes): every bit, padding included, is counted.

The number of words (``CODE_FORMATS``): format 1 writes it with Elias gamma (13 bits for the
Fashion-MNIST certificate's 69 words). Format 2 (the default) writes only its offset from
``ceil(I / 32)``, where I is the indices' ideal code length given the frequency table, computed
exactly with integers by both sides (``ideal_index_bits``): Elias gamma of the zigzagged offset
plus one, 1 bit when the range coder needs exactly ceil(I / 32) words, 3 bits for one more or
one fewer (on 600 random codes of both coders the offset was always 0 or +1).
Certificates record their format; those written before format 2 existed read back as format 1.

The range coder's probability model (``CODERS``), fixed before training like the grid:

- ``categorical``: every index coded with the same distribution, counts / d: about d x H bits,
  H the empirical entropy of the indices;
- ``multinomial``: index i coded with the counts not yet used up (remaining count of each level /
  remaining indices), which the decoder tracks the same way. The product of these probabilities
  is prod_k c_k! / d!, so the indices cost log2(d! / prod_k c_k!) bits: the index of the sequence
  among all sequences with the frequency table's counts, by Stirling about
  (1/2) sum_k log2(2 pi c_k) - (1/2) log2(2 pi d) bits less than d x H (19 bits for the
  Fashion-MNIST certificate's d = 1000, L = 5). The frequency table is paid either way. Both
  coders end on a whole 32-bit word of the range coder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import constriction
import numpy as np

from genlab.bounds import elias_gamma_decode, elias_gamma_encode


def _width(num_values: int) -> int:
    """Bits of a fixed-width field holding one of ``num_values`` values."""
    return 0 if num_values <= 1 else math.ceil(math.log2(num_values))


CODERS = ("categorical", "multinomial")
CODE_FORMATS = (1, 2)


def _probabilities(counts: np.ndarray) -> np.ndarray:
    return counts.astype(np.float64) / counts.sum()


def _remaining_probabilities(symbols: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """(d, L): row i is the distribution of the levels not yet used up before index i."""
    used = np.zeros((len(symbols), len(counts)), dtype=np.float64)
    used[np.arange(len(symbols)), symbols] = 1.0
    remaining = counts[None, :] - (np.cumsum(used, 0) - used)
    return remaining / remaining.sum(1, keepdims=True)


def check_coder(coder: str, code_format: int = 2) -> None:
    """Refuse a coder name outside ``CODERS`` or a format outside ``CODE_FORMATS`` (encode,
    decode and the certify configs)."""
    if coder not in CODERS:
        raise ValueError(f"coder must be one of {', '.join(CODERS)}, got {coder!r}")
    if code_format not in CODE_FORMATS:
        raise ValueError(f"code_format must be one of {', '.join(map(str, CODE_FORMATS))}, got {code_format!r}")


def _ceil_log2_ratio(a: int, b: int) -> int:
    """ceil(log2(a / b)) for integers a >= b >= 1, exactly."""
    k = max(0, a.bit_length() - b.bit_length())
    while (b << k) < a:
        k += 1
    while k > 0 and (b << (k - 1)) >= a:
        k -= 1
    return k


def ideal_index_bits(counts, coder: str) -> int:
    """ceil of the ideal code length, in bits, of level indices with these counts under
    ``coder``'s model, computed exactly with integers (so encoder and decoder agree on every
    machine): ``multinomial``: log2(d! / prod c_k!); ``categorical``: d x H = log2(d^d / prod c_k^c_k)."""
    counts = [int(c) for c in counts]
    d = sum(counts)
    if coder == "multinomial":
        sequences = math.factorial(d)
        for c in counts:
            sequences //= math.factorial(c)
        return (sequences - 1).bit_length()
    denominator = 1
    for c in counts:
        denominator *= c**c
    return _ceil_log2_ratio(d**d, denominator)


def _word_count_field(num_words: int, expected: int) -> str:
    """Format 2's word count: Elias gamma of (the zigzagged offset from ``expected``) + 1."""
    offset = num_words - expected
    return elias_gamma_encode((2 * offset if offset >= 0 else -2 * offset - 1) + 1)


def _word_count(field: int, expected: int) -> int:
    """Inverse of :func:`_word_count_field`, given its decoded Elias-gamma value."""
    zigzag = field - 1
    return expected + (zigzag // 2 if zigzag % 2 == 0 else -(zigzag + 1) // 2)


def _expected_words(counts, coder: str) -> int:
    return -(-ideal_index_bits(counts, coder) // 32)


def range_encode(symbols: np.ndarray, counts: np.ndarray, coder: str = "multinomial", code_format: int = 2) -> str:
    """The "parameters" field as a bit string: the number of 32-bit words (format 2: its offset
    from the ideal length; format 1: Elias gamma), then the range coder's words, for level
    ``symbols`` whose frequency table ``counts`` the decoder already knows."""
    symbols = np.asarray(symbols, dtype=np.int32)
    encoder = constriction.stream.queue.RangeEncoder()
    if coder == "categorical":
        encoder.encode(symbols, constriction.stream.model.Categorical(_probabilities(counts), perfect=False))
    else:
        encoder.encode(symbols, constriction.stream.model.Categorical(perfect=False), _remaining_probabilities(symbols, counts))
    words = encoder.get_compressed()
    field = elias_gamma_encode(len(words) + 1) if code_format == 1 else _word_count_field(len(words), _expected_words(counts, coder))
    return field + "".join(format(int(w), "032b") for w in words)


def range_decode(bitstring: str, pos: int, counts, coder: str = "multinomial", code_format: int = 2) -> tuple[np.ndarray, int]:
    """Inverse of :func:`range_encode` read from ``bitstring`` at ``pos``: (indices, next pos)."""
    counts = [int(c) for c in counts]
    d = sum(counts)
    field, used = elias_gamma_decode(bitstring[pos:])
    pos += used
    num_words = field - 1 if code_format == 1 else _word_count(field, _expected_words(counts, coder))
    if num_words < 0:
        raise ValueError("code file's word count is corrupt (negative)")
    if pos + 32 * num_words > len(bitstring):
        raise ValueError("code file is truncated")
    words = np.array([int(bitstring[pos + 32 * i : pos + 32 * (i + 1)], 2) for i in range(num_words)], dtype=np.uint32)
    pos += 32 * num_words
    try:
        indices = _range_decode_words(words, counts, d, coder)
    except AssertionError as e:  # constriction's answer to words no entropy model could have written
        raise ValueError(f"code file is corrupt: the range coder's words do not decode ({e})") from None
    if np.bincount(indices, minlength=len(counts)).tolist() != counts:
        raise ValueError("decoded level indices do not match the code's frequency table")
    return indices, pos


def _range_decode_words(words: np.ndarray, counts: list[int], d: int, coder: str) -> np.ndarray:
    decoder = constriction.stream.queue.RangeDecoder(words)
    if coder == "categorical":
        return np.asarray(decoder.decode(constriction.stream.model.Categorical(_probabilities(np.array(counts)), perfect=False), d), dtype=np.int64)
    remaining, indices = np.array(counts, dtype=np.float64), np.empty(d, dtype=np.int64)
    family = constriction.stream.model.Categorical(perfect=False)
    for i in range(d):  # each index's model depends on the ones before it; the counts sum to d, so some remain
        indices[i] = decoder.decode(family, (remaining / remaining.sum())[None, :])[0]
        remaining[indices[i]] -= 1
        if remaining[indices[i]] < 0:
            raise ValueError("decoded level indices do not match the code's frequency table")
    return indices


@dataclass(frozen=True)
class QuantizedCode:
    """A decoded (or to-be-encoded) code word: grid index, level indices and float16 codebook."""

    choice: int
    indices: np.ndarray  # int, shape (d,), values in [0, L)
    codebook: np.ndarray  # float16, shape (L,)


def encode(code: QuantizedCode, num_choices: int, coder: str = "multinomial", code_format: int = 2) -> tuple[bytes, dict[str, int]]:
    """The code file's bytes and its bits by part (they sum to 8 x len(bytes))."""
    check_coder(coder, code_format)
    d, levels = len(code.indices), len(code.codebook)
    symbols = np.asarray(code.indices, dtype=np.int32)
    counts = np.bincount(symbols, minlength=levels)
    if len(counts) != levels:
        raise ValueError(f"level index {symbols.max()} out of range for a codebook of {levels} levels")
    count_width = _width(d + 1)
    parts = {
        "hyperparameters": format(code.choice, f"0{_width(num_choices)}b") if num_choices > 1 else "",
        "frequency_table": "".join(format(int(c), f"0{count_width}b") for c in counts[:-1]),
        "codebook": "".join(format(int(h), "016b") for h in np.asarray(code.codebook, dtype=np.float16).view(np.uint16)),
        "parameters": range_encode(symbols, counts, coder, code_format),
    }
    bitstring = "".join(parts.values())
    padding = (-len(bitstring)) % 8
    bitstring += "0" * padding
    bits = {name: len(value) for name, value in parts.items()}
    bits["padding"] = padding
    payload = int(bitstring, 2).to_bytes(len(bitstring) // 8, "big") if bitstring else b""
    return payload, bits


def decode(payload: bytes, num_choices: int, shape_of_choice, coder: str = "multinomial", code_format: int = 2) -> QuantizedCode:
    """Inverse of :func:`encode` (with the same ``coder`` and ``code_format``).
    ``shape_of_choice(i)`` gives (d, L) of grid configuration i."""
    check_coder(coder, code_format)
    bitstring = "".join(format(b, "08b") for b in payload)
    pos = 0

    def take(n: int) -> str:
        nonlocal pos
        if pos + n > len(bitstring):
            raise ValueError("code file is truncated")
        out = bitstring[pos : pos + n]
        pos += n
        return out

    w = _width(num_choices)
    choice = int(take(w), 2) if w else 0
    if choice >= num_choices:
        raise ValueError(f"code names grid configuration {choice}, but the grid has {num_choices}")
    d, levels = shape_of_choice(choice)
    count_width = _width(d + 1)
    counts = [int(take(count_width), 2) for _ in range(levels - 1)]
    counts.append(d - sum(counts))
    if counts[-1] < 0:
        raise ValueError("code file's frequency table is corrupt (counts exceed d)")
    codebook = np.array([int(take(16), 2) for _ in range(levels)], dtype=np.uint16).view(np.float16)
    indices, pos = range_decode(bitstring, pos, counts, coder, code_format)
    if set(bitstring[pos:]) - {"0"} or len(bitstring) - pos > 7:
        raise ValueError("code file has trailing data after the parameters")
    return QuantizedCode(choice, indices.astype(np.int64), codebook)


def empirical_entropy_bits(indices: np.ndarray) -> float:
    """d x H(empirical level distribution), in bits: the ideal code length of the indices."""
    counts = np.bincount(np.asarray(indices))
    p = counts[counts > 0] / counts.sum()
    return float(-(counts[counts > 0] * np.log2(p)).sum())
