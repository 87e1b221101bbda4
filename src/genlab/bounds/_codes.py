"""Elias codes: prefix-free code words for unbounded positive integers (e.g. a chosen dimension).

A prefix-free code of length C(k) is a prior 2^-C(k) over the integers (Kraft's inequality),
so a hyperparameter k picked after seeing the data costs C(k) bits in the Occam bound.
"""

from genlab.bounds._checks import check_positive_int

_K_HINT = "Elias codes encode positive integers: pass an int >= 1"


def elias_gamma_bits(k: int) -> int:
    """Length of the Elias gamma code word of k, in bits.

    C_gamma(k) = 2 floor(log2 k) + 1.

    Args:
        k: the integer to encode, >= 1.

    Returns:
        The code length in bits.

    Example:
        >>> [elias_gamma_bits(k) for k in (1, 2, 3, 4, 1000)]
        [1, 3, 3, 5, 19]

    Reference:
        P. Elias, Universal Codeword Sets and Representations of the Integers, IEEE Trans.
        Inf. Theory 21(2) (1975).
    """
    k = check_positive_int(k, "k", _K_HINT)
    return 2 * (k.bit_length() - 1) + 1


def elias_delta_bits(k: int) -> int:
    """Length of the Elias delta code word of k, in bits.

    C_delta(k) = floor(log2 k) + 2 floor(log2(floor(log2 k) + 1)) + 1.

    Args:
        k: the integer to encode, >= 1.

    Returns:
        The code length in bits (shorter than gamma for k >= 32).

    Example:
        >>> [elias_delta_bits(k) for k in (1, 2, 4, 16, 1000)]
        [1, 4, 5, 9, 16]

    Reference:
        P. Elias, Universal Codeword Sets and Representations of the Integers, IEEE Trans.
        Inf. Theory 21(2) (1975).
    """
    k = check_positive_int(k, "k", _K_HINT)
    n = k.bit_length() - 1
    return n + 2 * ((n + 1).bit_length() - 1) + 1


def elias_gamma_encode(k: int) -> str:
    """The Elias gamma code word of k, as a string of '0' and '1'.

    gamma(k) = floor(log2 k) zeros followed by the binary form of k (which starts with 1).

    Args:
        k: the integer to encode, >= 1.

    Returns:
        The code word; its length is elias_gamma_bits(k) bits.

    Example:
        >>> [elias_gamma_encode(k) for k in (1, 2, 5)]
        ['1', '010', '00101']

    Reference:
        P. Elias, Universal Codeword Sets and Representations of the Integers, IEEE Trans.
        Inf. Theory 21(2) (1975).
    """
    k = check_positive_int(k, "k", _K_HINT)
    binary = format(k, "b")
    return "0" * (len(binary) - 1) + binary


def elias_gamma_decode(bits: str) -> tuple[int, int]:
    """Decode the Elias gamma code word at the start of a bit string.

    Reads z leading zeros, then the z + 1 bits of k in binary; anything after is left unread.

    Args:
        bits: a string of '0' and '1' that starts with a complete code word.

    Returns:
        (k, number of bits consumed), the latter 2z + 1.

    Example:
        >>> elias_gamma_decode("00101" + "1")
        (5, 5)

    Reference:
        P. Elias, Universal Codeword Sets and Representations of the Integers, IEEE Trans.
        Inf. Theory 21(2) (1975).
    """
    hint = "pass a string of '0' and '1' characters that starts with a complete gamma code word"
    if not isinstance(bits, str):
        raise TypeError(f"bits must be a str, got {type(bits).__name__}; {hint}")
    zeros = len(bits) - len(bits.lstrip("0"))
    length = 2 * zeros + 1
    word = bits[:length]
    if len(word) < length:
        raise ValueError(f"bits {bits!r} ends inside a code word; {hint}")
    if word[zeros:].strip("01"):
        raise ValueError(f"bits {bits!r} holds characters other than '0' and '1'; {hint}")
    return int(word[zeros:], 2), length
