"""The path-star task: the graphs are stars with disjoint arms and one valid path, in the official
token format; teacher forcing rewards the Clever-Hans shortcut."""

import numpy as np
import pytest

from genlab.phenomena.next_token._task import clever_hans, encode, make_examples, specials, star_graph


@pytest.mark.parametrize("degree, length", [(2, 5), (5, 5), (3, 2)])
def test_stars_have_disjoint_arms_and_one_path(degree, length):
    rng = np.random.default_rng(0)
    for _ in range(50):
        path, edges = star_graph(rng, degree, length, 50)
        assert len(edges) == degree * (length - 1) and len(path) == length
        values = [u for e in edges for u in e]
        source = path[0]
        assert sum(u == source for u, _ in edges) == degree  # the source starts every arm
        others = set(values) - {source}
        assert len(others) == degree * (length - 1)  # the arms share no node
        assert all(sum(u == n for u, _ in edges) <= 1 for n in others)  # every other node has at most one successor
        assert all(e in edges for e in zip(path, path[1:]))  # the path follows edges from source to goal
        goal = path[-1]
        assert not any(u == goal for u, _ in edges)  # and ends at a leaf


def test_official_token_format():
    prefix, target = encode([3, 7, 9], [(7, 9), (3, 7), (3, 1), (1, 4)], 10)
    s = specials(10)
    assert prefix == [7, 9, s["|"], 3, 7, s["|"], 3, 1, s["|"], 1, 4, s["/"], 3, 9, s["="]] and target == [3, 7, 9]
    assert encode([3, 7, 9], [(3, 7), (7, 9)], 10, reverse=True)[1] == [9, 7, 3]
    assert set(specials(50).values()) == {50, 51, 52, 53}  # vocabulary nodes + 4


def test_a_clever_hans_predictor_is_perfect_under_teacher_forcing_after_the_first_choice():
    prefixes, targets = make_examples(200, 2, 5, 50, seed=1)
    hits = np.zeros(5)
    for prefix, target in zip(prefixes.tolist(), targets.tolist()):
        assert clever_hans(prefix, target[0], 50) is None  # at the source: two arms, a real decision
        for i in range(2, 5):
            hits[i] += clever_hans(prefix, target[i - 1], 50) == target[i]
    assert (hits[2:] == 200).all()
    with pytest.raises(ValueError, match="distinct nodes"):
        star_graph(np.random.default_rng(0), 5, 20, 50)
