"""The path-star task (Bachmann & Nagarajan, ICML 2024, "The Pitfalls of Next-Token Prediction"),
in the official format (gregorbachmann/Next-Token-Failures): a star graph G(d, l) of ``nodes``
node values, a source with d arms of l - 1 further nodes each; the sequence is the shuffled edge
list, then the source and the goal (the end of one arm), then the path from source to goal.

Tokens (vocabulary nodes + 4): the node values 0..nodes-1, ``|`` (nodes, between edges), ``=``
(nodes + 1, before the path), ``/`` (nodes + 2, before source and goal), ``$`` (nodes + 3, the
teacherless input token); the official files' commas are not tokens. So one example is
``u v | u v | ... | u v / s g = s n1 ... g`` with d (l - 1) edges and a path of l nodes.
"""

from __future__ import annotations

import numpy as np


def specials(nodes: int) -> dict[str, int]:
    """The token ids of the separators and the teacherless token."""
    return {"|": nodes, "=": nodes + 1, "/": nodes + 2, "$": nodes + 3}


def star_graph(rng: np.random.Generator, degree: int, length: int, nodes: int) -> tuple[list[int], list[tuple[int, int]]]:
    """(path, shuffled edges) of a random star: ``degree`` arms from the source, each of
    ``length`` - 1 more nodes, all node values distinct; the path runs along the goal's arm."""
    if degree < 1 or length < 2 or degree * (length - 1) + 1 > nodes:
        raise ValueError(f"a star with {degree} arms of length {length} needs {degree * (length - 1) + 1} distinct nodes, but nodes = {nodes}")
    values = rng.permutation(nodes)[: degree * (length - 1) + 1].tolist()
    source, rest = values[0], values[1:]
    arms = [[source] + rest[k * (length - 1) : (k + 1) * (length - 1)] for k in range(degree)]
    edges = [(a[i], a[i + 1]) for a in arms for i in range(length - 1)]
    order = rng.permutation(len(edges))
    return arms[int(rng.integers(degree))], [edges[i] for i in order]


def encode(path: list[int], edges: list[tuple[int, int]], nodes: int, *, reverse: bool = False) -> tuple[list[int], list[int]]:
    """(prefix, target) token ids of one example; ``reverse`` targets the path goal-first."""
    s = specials(nodes)
    prefix = []
    for k, (u, v) in enumerate(edges):
        prefix += ([s["|"]] if k else []) + [u, v]
    prefix += [s["/"], path[0], path[-1], s["="]]
    return prefix, (path[::-1] if reverse else list(path))


def make_examples(count: int, degree: int, length: int, nodes: int, *, seed: int, reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(prefixes, targets): ``count`` fresh graphs as int64 arrays of shape (count, prefix length)
    and (count, ``length``)."""
    rng = np.random.default_rng(seed)
    pairs = [encode(*star_graph(rng, degree, length, nodes), nodes, reverse=reverse) for _ in range(count)]
    return np.array([p for p, _ in pairs], dtype=np.int64), np.array([t for _, t in pairs], dtype=np.int64)


def clever_hans(prefix: list[int], previous: int, nodes: int) -> int | None:
    """The shortcut teacher forcing rewards: the successor of the previous path node in the edge
    list (unique on an arm; None at the source, where it is the choice that needs planning)."""
    edges = [(prefix[i], prefix[i + 1]) for i in range(0, prefix.index(nodes + 2), 3)]
    successors = [v for u, v in edges if u == previous]
    return successors[0] if len(successors) == 1 else None
