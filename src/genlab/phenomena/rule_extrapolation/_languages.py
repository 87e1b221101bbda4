"""Formal languages as the conjunction of two rules (Meszaros, Ujvary, Brendel, Reizinger &
Huszar, NeurIPS 2024, "Rule Extrapolation in Language Models"; code meszarosanna/rule_extrapolation).

A word is a string over the language's symbols. Each language says which words it holds
(``grammatical``), its two rules R1 and R2, which prefixes some continuation makes grammatical
(``completable``; the other prompts are out of distribution), which prefixes can still satisfy R1
(``r1_completable``: rule extrapolation asks about R1 only where it is satisfiable), and draws
training words. Importable without torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import Callable

import numpy as np


def _depth(word: str, opening: str, closing: str) -> int | None:
    """How many ``opening`` symbols of ``word`` are still unclosed at its end (other symbols
    ignored), or None when a ``closing`` comes without one open."""
    depth = 0
    for s in word:
        depth += (s == opening) - (s == closing)
        if depth < 0:
            return None
    return depth


def _balanced(word: str, opening: str, closing: str) -> bool:
    """The ``opening``/``closing`` pairs of ``word`` match."""
    return _depth(word, opening, closing) == 0


def _never_overclosed(word: str, opening: str, closing: str) -> bool:
    return _depth(word, opening, closing) is not None


def _nested(word: str, *, prefix: bool = False) -> bool:
    """``word`` is a Dyck word over () and [] (properly nested); with ``prefix``, the start of one."""
    stack = []
    for s in word:
        if s in "([":
            stack.append(s)
        elif not stack or stack.pop() != {")": "(", "]": "["}[s]:
            return False
    return prefix or not stack


def _dyck_word(rng: np.random.Generator, pairs: int, *, nested: bool) -> str:
    """A random word of ``pairs`` pairs: each step opens a random type or closes one (the top of
    the stack when ``nested``, either open type otherwise), closing is forced near the end."""
    word, stacks, length = [], {"(": 0, "[": 0}, 2 * pairs
    top: list[str] = []
    while len(word) < length:
        open_total = stacks["("] + stacks["["]
        closable = ([top[-1]] if top else []) if nested else [k for k, v in stacks.items() if v]
        options = closable if len(word) + open_total >= length else ["open(", "open["] + closable
        choice = options[int(rng.integers(len(options)))]
        if choice.startswith("open"):
            kind = choice[-1]
            stacks[kind] += 1
            top.append(kind)
            word.append(kind)
        else:
            stacks[choice] -= 1
            top.reverse()
            top.remove(choice)  # the latest open of that type
            top.reverse()
            word.append({"(": ")", "[": "]"}[choice])
    return "".join(word)


@dataclass(frozen=True)
class Language:
    """A formal language defined by two rules.

    Attributes:
        name: the command line's name.
        symbols: the alphabet.
        rules: what R1 and R2 say, in words.
        grammatical: the word is in the language.
        r1, r2: the word satisfies rule 1 / rule 2.
        completable: some continuation of this prefix is grammatical (in distribution).
        r1_completable: some continuation of this prefix satisfies R1.
        sample: (rng, count, max_length) -> training words of at most max_length symbols.
        enumerable: ``sample`` returns every word up to max_length (count ignored), each once.
    """

    name: str
    symbols: str
    rules: tuple[str, str]
    grammatical: Callable[[str], bool]
    r1: Callable[[str], bool]
    r2: Callable[[str], bool]
    completable: Callable[[str], bool]
    r1_completable: Callable[[str], bool]
    sample: Callable[[np.random.Generator, int, int], list[str]]
    enumerable: bool = False

    def prompts(self, length: int) -> tuple[list[str], list[str]]:
        """(in-distribution, out-of-distribution) prompts: every string of ``length`` symbols,
        split by ``completable``; out of distribution keeps only those where R1 is satisfiable."""
        every = ["".join(p) for p in product(self.symbols, repeat=length)]
        return [p for p in every if self.completable(p)], [p for p in every if not self.completable(p) and self.r1_completable(p)]


def _anbn_sample(rng, count, max_length):
    return ["a" * n + "b" * n for n in range(1, max_length // 2 + 1)]


def _anbncn_sample(rng, count, max_length):
    return ["a" * n + "b" * n + "c" * n for n in range(1, max_length // 3 + 1)]


def _ban_sample(rng, count, max_length):
    words = []
    for length in rng.integers(1, max_length + 1, size=count):
        m = int(rng.integers(0, (length - 1) // 2 + 1))
        rest = list("a" * (2 * m) + "b" * (length - 1 - 2 * m))
        rng.shuffle(rest)
        words.append("b" + "".join(rest))
    return words


def _bban_sample(rng, count, max_length):
    words = []
    for length in rng.integers(1, max_length + 1, size=count):
        m = int(rng.integers(0, (length - 1) // 2 + 1))
        words.append("b" * (length - 2 * m) + "a" * (2 * m))
    return words


def _dyck_sample(nested: bool):
    def sample(rng, count, max_length):
        return [_dyck_word(rng, int(k), nested=nested) for k in rng.integers(1, max_length // 2 + 1, size=count)]

    return sample


def _count(word: str, s: str) -> int:
    return word.count(s)


LANGUAGES: dict[str, Language] = {
    "anbn": Language(
        "anbn", "ab", ("#a = #b", "a's before b's"),
        grammatical=lambda w: bool(re.fullmatch(r"a+b+", w)) and _count(w, "a") == _count(w, "b"),
        r1=lambda w: _count(w, "a") == _count(w, "b"), r2=lambda w: "ba" not in w,
        completable=lambda w: "ba" not in w and _count(w, "a") >= _count(w, "b"), r1_completable=lambda w: True,
        sample=_anbn_sample, enumerable=True),
    "anbncn": Language(
        "anbncn", "abc", ("#a = #b = #c", "a's before b's before c's"),
        grammatical=lambda w: bool(re.fullmatch(r"a+b+c+", w)) and _count(w, "a") == _count(w, "b") == _count(w, "c"),
        r1=lambda w: _count(w, "a") == _count(w, "b") == _count(w, "c"), r2=lambda w: bool(re.fullmatch(r"a*b*c*", w)),
        completable=lambda w: bool(re.fullmatch(r"a*b*c*", w)) and _count(w, "a") >= _count(w, "b") >= _count(w, "c")
        and (_count(w, "c") == 0 or _count(w, "a") == _count(w, "b")),
        r1_completable=lambda w: True, sample=_anbncn_sample, enumerable=True),
    "ban": Language(
        "ban", "ab", ("an even number of a's", "begins with b"),
        grammatical=lambda w: w[:1] == "b" and _count(w, "a") % 2 == 0,
        r1=lambda w: _count(w, "a") % 2 == 0, r2=lambda w: w[:1] == "b",
        completable=lambda w: w[:1] in ("", "b"), r1_completable=lambda w: True, sample=_ban_sample),
    "bban": Language(
        "bban", "ab", ("an even number of a's after the last b", "b's before a's"),
        grammatical=lambda w: bool(re.fullmatch(r"b+(aa)*", w)),
        r1=lambda w: (len(w) - len(w.rstrip("a"))) % 2 == 0, r2=lambda w: bool(re.fullmatch(r"b*a*", w)),
        completable=lambda w: bool(re.fullmatch(r"(b+a*)?", w)), r1_completable=lambda w: True, sample=_bban_sample),
    "dyck": Language(
        "dyck", "()[]", ("brackets [] matched", "parentheses () matched"),
        grammatical=_nested,
        r1=lambda w: _balanced(w, "[", "]"), r2=lambda w: _balanced(w, "(", ")"),
        completable=lambda w: _nested(w, prefix=True), r1_completable=lambda w: _never_overclosed(w, "[", "]"), sample=_dyck_sample(True)),
    "cs-dyck": Language(
        "cs-dyck", "()[]", ("brackets [] matched", "parentheses () matched"),
        grammatical=lambda w: bool(w) and _balanced(w, "[", "]") and _balanced(w, "(", ")"),
        r1=lambda w: _balanced(w, "[", "]"), r2=lambda w: _balanced(w, "(", ")"),
        completable=lambda w: _never_overclosed(w, "(", ")") and _never_overclosed(w, "[", "]"),
        r1_completable=lambda w: _never_overclosed(w, "[", "]"), sample=_dyck_sample(False)),
}
"""The languages by name: a^n b^n, a^n b^n c^n, b a^2m (``ban``: begins with b, an even number
of a's anywhere), b^n a^2m (``bban``), Dyck (nested () and []) and context-sensitive Dyck
(``cs-dyck``: () and [] each matched, not nested into each other)."""
