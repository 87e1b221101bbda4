"""The path-star task: the graphs are stars with disjoint arms and one valid path, in the official
token format; teacher forcing rewards the Clever-Hans shortcut; the study's metrics score
hand-written models as they must; the study runs end to end and its explorable redraws."""

import json

import numpy as np
import pytest
import torch
from torch import nn

from genlab.phenomena.next_token import MultiTokenGPT, PathStarConfig, path_scores, teacher_forced_accuracy, training_tensors
from genlab.phenomena.next_token._task import clever_hans, encode, make_examples, specials, star_graph
from genlab.train import IGNORE_INDEX


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


# ---------------------------------------------------------------- the training study's metrics


class RuleLM(nn.Module):
    """A hand-written causal LM on path-star sequences: after ``=`` it emits the source; after a
    node it follows that node's edge (the Clever-Hans rule); at the source, where two edges leave,
    it takes the first listed one, or (``plan``) the arm that reaches the goal."""

    def __init__(self, nodes: int, plan: bool):
        super().__init__()
        self.nodes, self.plan = nodes, plan

    def successor(self, prefix: list[int], previous: int) -> int:
        edges = [(prefix[i], prefix[i + 1]) for i in range(0, prefix.index(self.nodes + 2), 3)]
        options = [v for u, v in edges if u == previous]
        if len(options) == 1 or not self.plan:
            return options[0] if options else 0
        goal = prefix[prefix.index(self.nodes + 2) + 2]
        back = {v: u for u, v in edges}
        while back[goal] != previous:
            goal = back[goal]
        return goal

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        p = ids.tolist()[0].index(self.nodes + 1) + 1
        logits = torch.zeros(*ids.shape, self.nodes + 4)
        for b, row in enumerate(ids.tolist()):
            prefix = row[:p]
            for t in range(p - 1, len(row)):
                logits[b, t, prefix[p - 3] if t == p - 1 else self.successor(prefix, row[t])] = 1
        return logits


@pytest.mark.parametrize("degree", [2, 4])
def test_a_clever_hans_model_scores_one_teacher_forced_after_the_first_choice_and_about_one_over_d_decoded(degree):
    prefixes, targets = make_examples(400, degree, 5, 50, seed=3)
    tf = teacher_forced_accuracy(RuleLM(50, plan=False), prefixes, targets, batch_size=64)
    assert tf[0] == 1 and (tf[2:] == 1).all() and abs(tf[1] - 1 / degree) < 0.1
    scores = path_scores(RuleLM(50, plan=False), prefixes, targets)
    # a wrong first choice is followed to the end of the wrong arm: decoded positions 2..5 share one hit rate
    assert scores["full_path"] == pytest.approx(tf[1]) and np.allclose(scores["per_position"][1:], tf[1])
    planner = path_scores(RuleLM(50, plan=True), prefixes, targets)
    assert planner["full_path"] == 1 and planner["teacher_forced"] == [1.0] * 5


def test_training_tensors_put_the_loss_on_path_tokens_only():
    prefixes, targets = make_examples(3, 2, 5, 50, seed=0)
    p = prefixes.shape[1]
    x, y = training_tensors(prefixes, targets, "next-token", 50)
    assert x.shape == (3, p + 4) and (x[:, :p].numpy() == prefixes).all() and (x[:, p:].numpy() == targets[:, :-1]).all()
    assert (y[:, : p - 1] == IGNORE_INDEX).all() and (y[:, p - 1 :].numpy() == targets).all()
    x, _ = training_tensors(prefixes, targets, "teacherless", 50)
    assert (x[:, p:] == 53).all()  # '$' where the path was
    x, y = training_tensors(prefixes, targets, "multi-token", 50, heads=2)
    y = y.reshape(3, p + 4, 2)
    full = np.concatenate([prefixes, targets], 1)
    assert (y[:, p - 1 :, 0].numpy() == targets).all()  # head 0: the next token
    assert (y[:, p - 2 : p + 3, 1].numpy() == full[:, p : p + 5]).all() and (y[:, p + 3 :, 1] == IGNORE_INDEX).all()  # head 1: two ahead


def test_multi_token_model_interleaves_its_heads_and_head_zero_is_the_lm():
    from genlab.models import GPTConfig, build_gpt

    torch.manual_seed(0)
    lm = build_gpt(GPTConfig("gpt-pico", vocab_size=54, context=40))
    model = MultiTokenGPT(lm, heads=3)
    ids = torch.randint(0, 54, (2, 10))
    out = model(ids)
    assert out.shape == (2, 30, 54)
    assert torch.allclose(out.reshape(2, 10, 3, 54)[:, :, 0], lm(ids), atol=1e-5)


def small_study(folder):
    """A path-star run of three objectives, four steps each, in a store at ``folder``."""
    from genlab.recipes import path_star_builtin
    from genlab.store import RunStore
    from genlab.train import TrainConfig

    config = PathStarConfig(objectives=("next-token", "teacherless", "multi-token"), train_size=256, test_size=40, eval_size=20, eval_every=2, size="gpt-pico",
                            train=TrainConfig(epochs=1, batch_size=64, lr=1e-3, optimizer="adamw"))
    return path_star_builtin(config, store=RunStore(folder), progress=False)


def test_path_star_study_end_to_end_and_its_report(tmp_path):
    result, run = small_study(tmp_path)
    assert set(result.objectives) == {"next-token", "teacherless", "multi-token"} and result.chance == 0.5
    for o in result.objectives.values():
        assert [p["step"] for p in o["curve"]] == [0, 2, 4] and o["steps"] == 4 and 0 <= o["final"]["full_path"] <= 1
    assert result.objectives["teacherless"]["final"]["teacher_forced"] is None
    stored = json.loads((run.folder / "result.json").read_text())
    assert stored["objectives"]["next-token"]["final"] == result.objectives["next-token"]["final"]
    page = (run.folder / "report.html").read_text()
    data = json.loads(page.split('id="genlab-data">')[1].split("</script>")[0].replace("<\\/", "</"))
    assert data["steps"] == [0, 2, 4] and set(data["figures"]) == {"full-path", "positions-0", "positions-1", "positions-2"}


def test_path_star_slider_redraws_the_bars_in_a_browser(browser, tmp_path):
    from test_explorable import severe, wait_for

    folder = small_study(tmp_path)[1].folder
    result = json.loads((folder / "result.json").read_text())
    browser.get((folder / "report.html").as_uri())
    wait_for(browser, "return document.body.dataset.renderedStep", "4")
    read = "return [document.getElementById('step-text').textContent, document.getElementById('full-path').layout.shapes[0].x0, document.getElementById('positions-0').data.map(t => t.y.slice())]"
    browser.execute_script("const s = document.getElementById('step-slider'); s.value = 1; s.dispatchEvent(new Event('input'));")
    wait_for(browser, "return document.body.dataset.renderedStep", "2")
    text, cursor, bars = browser.execute_script(read)
    point = result["objectives"]["next-token"]["curve"][1]
    assert text.startswith("step 2 of 4") and cursor == 2
    assert np.allclose(bars, [point["per_position"], point["teacher_forced"]])
    assert not severe(browser)


@pytest.mark.parametrize("kwargs, message", [
    ({"objectives": ("next-token", "planning")}, "objectives must be one of"),
    ({"degree": 10, "length": 10}, "distinct node values"),
    ({"eval_size": 5000}, "eval_size"),
    ({"heads": 1}, "heads must be an integer >= 2"),
])
def test_path_star_config_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PathStarConfig(**kwargs)
