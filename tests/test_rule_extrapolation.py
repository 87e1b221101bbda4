"""Rule extrapolation: the grammars and the out-of-distribution split against hand-listed strings,
the entropy floor in closed form, greedy completion scored with hand-written models, the models'
causality, and the study end to end."""

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from genlab.phenomena.rule_extrapolation import LANGUAGES, RuleExtrapolationConfig, complete, encode_words, entropy_floor, rule_scores
from genlab.phenomena.rule_extrapolation._models import LinearLM, LSTMLM, TransformerLM


def test_anbn_rules_and_the_out_of_distribution_split_by_hand():
    lang = LANGUAGES["anbn"]
    assert [w for w in ("ab", "aabb", "abab", "aab", "ba", "") if lang.grammatical(w)] == ["ab", "aabb"]
    inside, outside = lang.prompts(4)
    assert inside == ["aaaa", "aaab", "aabb"]  # no b before an a, at least as many a's as b's
    assert len(outside) == 13 and "abab" in outside and "abbb" in outside and "bbbb" in outside
    assert lang.r1("abab") and not lang.r2("abab") and lang.r2("abbb") and not lang.r1("abbb")


@pytest.mark.parametrize("name, grammatical, not_grammatical, completable, not_completable", [
    ("anbncn", ["abc", "aabbcc"], ["aabbc", "acb", "abcabc"], ["aab", "aabbc", ""], ["abb", "aabc c".replace(" ", ""), "ba"]),
    ("ban", ["b", "baa", "baba", "bbaab"], ["a", "ba", "aab"], ["b", "bab", ""], ["a", "ab"]),
    ("bban", ["b", "bbaa", "bbbaaaa"], ["baaa", "bab", "aa"], ["bba", "b"], ["a", "bab", "abb"]),
    ("dyck", ["()", "([])[]", "[()()]"], ["(]", "([)]", "(("], ["([", "(()"], [")", "(]", "([)"]),
    ("cs-dyck", ["()", "([)]", "[(])"], ["(]", ")(", ""], ["([)", "(("], [")", "(]]"]),
])
def test_the_other_grammars_by_hand(name, grammatical, not_grammatical, completable, not_completable):
    lang = LANGUAGES[name]
    assert all(lang.grammatical(w) for w in grammatical) and not any(lang.grammatical(w) for w in not_grammatical)
    assert all(lang.completable(w) for w in completable) and not any(lang.completable(w) for w in not_completable)


@pytest.mark.parametrize("name", list(LANGUAGES))
def test_sampled_words_are_grammatical_and_every_prefix_is_in_distribution(name):
    lang = LANGUAGES[name]
    words = lang.sample(np.random.default_rng(0), 100, 12)
    assert words and all(len(w) <= 12 and lang.grammatical(w) and lang.r1(w) and lang.r2(w) for w in words)
    assert all(lang.completable(w[:k]) for w in words for k in range(len(w) + 1))
    _, outside = lang.prompts(4)
    assert outside and not any(lang.completable(p) for p in outside)


def test_entropy_floor_of_anbn_is_ln_n_over_n_plus_2():
    words = LANGUAGES["anbn"].sample(None, 0, 64)
    assert len(words) == 32 and entropy_floor(words) == pytest.approx(math.log(32) / 34)


class Counter(nn.Module):
    """A hand-written completion rule for a^n b^n: emit b while #a > #b, a while #b > #a, then EOS
    (``stop_at_once``: EOS right away)."""

    def __init__(self, stop_at_once: bool = False):
        super().__init__()
        self.stop_at_once = stop_at_once

    def forward(self, ids):
        logits = torch.zeros(*ids.shape, 5)
        a, b = (ids == 3).cumsum(1), (ids == 4).cumsum(1)
        choice = torch.where(a > b, 4, torch.where(b > a, 3, 1))
        logits.scatter_(2, (torch.ones_like(ids) if self.stop_at_once else choice)[..., None], 1.0)
        return logits


def test_completions_scored_with_hand_written_models():
    lang = LANGUAGES["anbn"]
    _, outside = lang.prompts(4)
    done = complete(Counter(), outside, "ab", max_tokens=12)
    assert all(c.startswith(p) for c, p in zip(done, outside)) and rule_scores(lang, done)["r1"] == 1.0
    as_is = rule_scores(lang, complete(Counter(stop_at_once=True), outside, "ab", max_tokens=12))
    assert as_is["finished"] == 1 and as_is["r1"] == pytest.approx(5 / 13)  # abab, abba, baab, baba, bbaa keep #a = #b
    never = complete(Counter(), ["aaaaaaaa"], "ab", max_tokens=12)  # needs 8 more tokens and EOS: no room
    assert never == [None] and rule_scores(lang, never)["finished"] == 0


def test_encoding_puts_the_loss_on_the_word_and_eos():
    x, y = encode_words(["ab", "aabb"], "ab", 6)
    assert x.tolist() == [[0, 3, 4, 1, 2, 2, 2], [0, 3, 3, 4, 4, 1, 2]]
    assert y.tolist() == [[3, 4, 1, -100, -100, -100, -100], [3, 3, 4, 4, 1, -100, -100]]


@pytest.mark.parametrize("model", [TransformerLM(6, 8, 2, 1, 16), LSTMLM(6, 4, 8, 1), LinearLM(6, 4, 12)], ids=["transformer", "lstm", "linear"])
def test_models_are_causal(model):
    torch.manual_seed(0)
    ids = torch.randint(0, 6, (2, 10))
    changed = ids.clone()
    changed[:, 6:] = (changed[:, 6:] + 1) % 6
    assert torch.allclose(model(ids)[:, :6], model(changed)[:, :6], atol=1e-6) and not torch.allclose(model(ids)[:, 6:], model(changed)[:, 6:])


def test_rule_extrapolation_end_to_end_and_its_report(tmp_path):
    from genlab.recipes import rule_extrapolation_builtin
    from genlab.store import RunStore
    from genlab.train import TrainConfig

    config = RuleExtrapolationConfig(models=("transformer", "lstm", "linear"), seeds=2, max_length=16, prompt_length=4, transformer=(8, 2, 1, 16), lstm=(4, 8, 1),
                                     train=TrainConfig(epochs=5, batch_size=128, lr=1e-2, optimizer="adamw"))
    result, run = rule_extrapolation_builtin(config, store=RunStore(tmp_path), progress=False)
    assert len(result.runs) == 6 and result.prompts == {"in_distribution": 3, "out_of_distribution": 13}
    assert result.floor == pytest.approx(math.log(8) / 10) and result.published["chance"] == 0.154
    stored = json.loads((run.folder / "result.json").read_text())
    assert stored["summary"] == json.loads(json.dumps(result.summary))
    page = (run.folder / "report.html").read_text()
    assert "rule extrapolation: anbn" in page and "0.38 +- 0.21" in page


@pytest.mark.parametrize("kwargs, message", [
    ({"language": "english"}, "language must be one of"),
    ({"models": ("transformer", "mamba")}, "models must be one of"),
    ({"prompt_length": 64}, "prompt_length"),
    ({"transformer": (10, 4, 2, 96)}, "divisible by its heads"),
])
def test_rule_extrapolation_config_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RuleExtrapolationConfig(**kwargs)
