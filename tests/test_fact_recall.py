"""Fact recall vs in-context learning: pruning against brute-force references, the synthetic
corpus against its definition, the scorers on hand-written models, and the study end to end."""

import copy
import json
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from genlab.cli import app
from genlab.phenomena.fact_recall import (FactRecallConfig, FactRecallResult, contrast, episodes, fact_accuracy, fact_prompts, fact_rows, icl_accuracy,
                                          in_context_prompts, input_norms, prune, run, synthetic_facts, synthetic_vocabulary)


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(6, 8)
        self.b = nn.Linear(8, 5)
        self.lm_head = nn.Linear(5, 3)

    def forward(self, x):
        return self.lm_head(self.b(torch.relu(self.a(x))))


def test_zero_sparsity_leaves_the_model_bit_identical():
    torch.manual_seed(0)
    model = Tiny()
    before = copy.deepcopy(model.state_dict())
    for method in ("magnitude", "wanda"):
        prune(model, 0.0, method, norms={"a": torch.ones(6), "b": torch.ones(8)})
        assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_wanda_and_magnitude_against_a_brute_force():
    torch.manual_seed(0)
    model = Tiny()
    x = torch.randn(50, 6) * torch.tensor([0.1, 1, 3, 0.5, 2, 1])
    norms = input_norms(model, [x[:20], x[20:]])
    h = torch.relu(model.a(x))
    assert torch.allclose(norms["a"].float(), x.norm(dim=0), rtol=1e-5) and torch.allclose(norms["b"].float(), h.norm(dim=0), rtol=1e-5)
    assert set(norms) == {"a", "b"}  # the head is not pruned
    wanda = prune(copy.deepcopy(model), 0.5, "wanda", norms)
    for name in ("a", "b"):
        w, got = getattr(model, name).weight.detach(), getattr(wanda, name).weight.detach()
        for row, new_row in zip(w, got):
            score = (row.abs().double() * norms[name]).numpy()
            keep = set(np.argsort(score)[len(score) // 2 :])
            assert all((new_row[j] != 0) == (j in keep) for j in range(len(row)))
    assert torch.equal(wanda.lm_head.weight, model.lm_head.weight)
    mag = prune(copy.deepcopy(model), 0.25, "magnitude")
    w = model.b.weight.detach().abs().flatten()
    threshold = w.sort().values[int(0.25 * w.numel()) - 1]
    assert torch.equal(mag.b.weight.detach().flatten() == 0, w <= threshold)
    with pytest.raises(ValueError, match="norms"):
        prune(model, 0.5, "wanda")


def test_gpt2_conv1d_layers_are_pruned_per_output_row():
    from genlab.models import GPTConfig, build_gpt

    torch.manual_seed(0)
    gpt = build_gpt(GPTConfig(size="gpt-pico", vocab_size=11, context=8))
    ids = torch.randint(0, 11, (4, 8))
    norms = input_norms(gpt, [ids])
    pruned = prune(copy.deepcopy(gpt), 0.5, "wanda", norms)
    w = dict(pruned.named_modules())["model.transformer.h.0.mlp.c_fc"].weight  # Conv1D: (in, out)
    assert torch.all((w == 0).sum(0) == w.shape[0] // 2)
    assert torch.equal(pruned.model.lm_head.weight, gpt.model.lm_head.weight)


def test_sequential_wanda_equals_pruning_block_by_block_with_full_passes():
    """The reference: before each block, a full forward pass of the model as pruned so far gives
    that block's input norms (one pass per block, as slow as it is plain)."""
    from genlab.models import GPTConfig, build_gpt
    from genlab.phenomena.fact_recall._prune import _prune_layers, prunable_layers, prune_sequential, transformer_blocks

    torch.manual_seed(0)
    gpt = build_gpt(GPTConfig(size="gpt-nano", vocab_size=13, context=12))
    batches = [torch.randint(0, 13, (4, 12)) for _ in range(3)]
    fast = prune_sequential(copy.deepcopy(gpt), 0.4, batches)
    slow = copy.deepcopy(gpt)
    blocks = transformer_blocks(slow)
    assert blocks is slow.model.transformer.h and len(blocks) == 2
    for block in blocks:
        norms = input_norms(slow, batches)
        mine = {id(m) for m in block.modules()}
        _prune_layers({n: m for n, m in prunable_layers(slow).items() if id(m) in mine}, 0.4, "wanda", norms)
    for (name, a), b in zip(fast.state_dict().items(), slow.state_dict().values()):
        assert torch.equal(a == 0, b == 0), name
    dense = prune(copy.deepcopy(gpt), 0.4, "wanda", input_norms(gpt, batches))
    second = "model.transformer.h.1.mlp.c_proj.weight"
    assert not torch.equal(dense.state_dict()[second] == 0, fast.state_dict()[second] == 0)  # the second block sees the pruned first block's outputs
    assert torch.equal(dense.state_dict()["model.transformer.h.0.attn.c_attn.weight"] == 0, fast.state_dict()["model.transformer.h.0.attn.c_attn.weight"] == 0)


def test_prompts():
    facts = fact_prompts()
    assert len(facts) >= 100 and len(set(p for p, _ in facts)) == len(facts)
    icl = in_context_prompts(10, seed=3)
    assert icl == in_context_prompts(10, seed=3)
    for prompt, answer in icl:
        assert answer in prompt.rsplit("Lookup", 1)[0] if "Lookup" in prompt else f": {answer}" in prompt.rsplit("\n", 1)[0]


CONFIG = FactRecallConfig(pretrained=None, sizes=("gpt-pico",), facts=40, first_names=10, last_names=10, cities=5, icl_rows=40)


def test_synthetic_corpus():
    rng = np.random.default_rng(0)
    v = synthetic_vocabulary(CONFIG)
    facts = synthetic_facts(CONFIG, rng)
    assert len({(a, b) for a, b, _ in facts}) == 40 and np.all((facts[:, 2] >= v["city"]) & (facts[:, 2] < v["key"]))
    rows = fact_rows(facts, CONFIG, rng)
    assert rows.shape == (40, 24) and np.all(rows[:, 2::6] == v["lives"]) and np.all(rows[:, 5::6] == v["end"])
    told = {(r[i], r[i + 1]): r[i + 4] for r in rows for i in range(0, 24, 6)}
    assert told == {(a, b): c for a, b, c in facts}
    places = Counter((r[i], r[i + 1], i) for r in rows for i in range(0, 24, 6))
    assert set(places.values()) == {1} and len(places) == 4 * 40  # every fact once at each of the four places
    for row in episodes(30, CONFIG, rng):  # copy: eleven value tokens, ';', the same eleven
        assert row[11] == v[";"] and row[23] == v["end"] and list(row[12:23]) == list(row[:11]) and np.all((row[:11] >= v["value"]) & (row[:11] < v["lives"]))
    for row in episodes(30, replace(CONFIG, icl_task="lookup"), rng):
        pairs = {row[i]: row[i + 2] for i in range(0, 20, 4)}
        assert len(pairs) == 5 and row[19] == v[";"] and pairs[row[20]] == row[22] and row[21] == v["="]


@pytest.mark.parametrize("task", ["copy", "lookup"])
def test_scorers_on_a_model_that_knows_the_answers(task):
    rng = np.random.default_rng(1)
    facts, ep = synthetic_facts(CONFIG, rng), episodes(50, replace(CONFIG, icl_task=task), rng)
    lookup = {(a, b): c for a, b, c in facts}
    v = synthetic_vocabulary(CONFIG)

    class Knows(nn.Module):
        def forward(self, ids):
            out = torch.zeros(ids.shape + (v["size"],))
            for i, row in enumerate(ids.tolist()):
                if len(row) == 4:  # a fact prompt
                    out[i, -1, lookup[(row[0], row[1])]] = 1
                elif task == "copy":  # the token eleven back
                    out[i, -1, row[10]] = 1
                else:  # find the queried key among the pairs
                    out[i, -1, dict((row[j], row[j + 2]) for j in range(0, 20, 4))[row[20]]] = 1
            return out

    assert fact_accuracy(Knows(), facts, CONFIG) == 1.0 and icl_accuracy(Knows(), ep) == 1.0


def test_contrast():
    curve = [{"sparsity": 0.0, "fact": 0.8, "icl": 0.9}, {"sparsity": 0.2, "fact": 0.5, "icl": 0.9}, {"sparsity": 0.4, "fact": 0.4, "icl": 0.75},
             {"sparsity": 0.6, "fact": 0.1, "icl": 0.5}]
    assert contrast(curve) == {"sparsity": 0.4, "fact_ratio": pytest.approx(0.5), "icl_ratio": pytest.approx(0.75 / 0.9)}
    assert contrast(curve[:3] + [{"sparsity": 0.6, "fact": 0.1, "icl": 0.1}]) == {"sparsity": 0.4, "fact_ratio": pytest.approx(0.5), "icl_ratio": pytest.approx(0.75 / 0.9)}
    assert contrast(curve[:2]) is None


def test_synthetic_study_round_trips():
    config = replace(CONFIG, sparsities=(0.0, 0.5), synthetic_train=replace(CONFIG.synthetic_train, epochs=2))
    result = run(config, progress=False)
    m = result.synthetic["models"]["gpt-pico"]
    assert m["pruned"]["wanda"][0]["fact"] == m["fact"] and m["pruned"]["magnitude"][0]["icl"] == m["icl"]
    back = FactRecallResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back.synthetic == result.synthetic and back.config == config


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="sparsities must start at 0"):
        FactRecallConfig(sparsities=(0.1, 0.5))
    with pytest.raises(ValueError, match="exceeds the 10 x 10 distinct names"):
        FactRecallConfig(facts=101, first_names=10, last_names=10)
    with pytest.raises(ValueError, match="nothing to do"):
        FactRecallConfig(pretrained=None, sizes=())
    with pytest.raises(ValueError, match="icl_task"):
        FactRecallConfig(icl_task="copying")


def test_cli_end_to_end(tmp_path):
    res = CliRunner().invoke(app, ["fact-recall", "--pretrained", "none", "--sizes", "gpt-pico", "--facts", "40", "--first-names", "10", "--last-names", "10",
                                   "--cities", "5", "--icl-rows", "40", "--sparsities", "0,0.5", "--epochs", "1", "--out", str(tmp_path), "--quiet"])
    assert res.exit_code == 0, res.output
    folder = next(p for p in tmp_path.iterdir() if "fact-recall" in p.name)
    assert json.loads((folder / "result.json").read_text())["pretrained"] is None
    assert (folder / "report.html").read_text().count("<img") == 2


def test_pretrained_curves_split_in_context_accuracy_by_kind(monkeypatch):
    """In-context accuracy per kind of prompt: a stand-in scorer under which the pruned model
    answers only the key-value lookups must give lookups 1.0, classification 0.0."""
    from genlab.data import ByteTokenizer
    from genlab.models import GPTConfig, build_gpt
    from genlab.phenomena.fact_recall import _run

    torch.manual_seed(0)
    monkeypatch.setattr("genlab.models.load_pretrained", lambda name: (build_gpt(GPTConfig(size="gpt-pico", context=64)), ByteTokenizer()))

    def scorer(model, tokenizer, prompts, max_new_tokens):
        pruned = any(p.dim() > 1 and bool((p == 0).any()) for p in model.parameters())
        return [not pruned or prompt.startswith("Table:") for prompt, _ in prompts]

    monkeypatch.setattr(_run, "answered", scorer)
    config = FactRecallConfig(sizes=(), methods=("magnitude",), sparsities=(0.0, 0.5), icl_prompts=20)
    result = run(config, progress=False)
    pre = result.pretrained
    assert pre["n_icl"] == 20 and pre["n_icl_lookup"] == 10
    unpruned, pruned = pre["curves"]["magnitude"]
    assert (unpruned["fact"], unpruned["icl"], unpruned["icl_lookup"], unpruned["icl_classification"]) == (1.0, 1.0, 1.0, 1.0)
    assert (pruned["fact"], pruned["icl"], pruned["icl_lookup"], pruned["icl_classification"]) == (0.0, 0.5, 1.0, 0.0)


def test_in_context_kinds_answered_at_chance_do_not_count(monkeypatch):
    """A stand-in model that answers every lookup but only every other classification prompt (a
    coin's rate): classification fails the chance test and is left out of the in-context score,
    which then moves with the lookups alone; the p-values match the binomial tail summed by hand."""
    from math import comb

    from genlab.data import ByteTokenizer
    from genlab.models import GPTConfig, build_gpt
    from genlab.phenomena.fact_recall import _run

    torch.manual_seed(0)
    monkeypatch.setattr("genlab.models.load_pretrained", lambda name: (build_gpt(GPTConfig(size="gpt-pico", context=64)), ByteTokenizer()))

    def scorer(model, tokenizer, prompts, max_new_tokens):
        pruned = any(p.dim() > 1 and bool((p == 0).any()) for p in model.parameters())
        seen = Counter()
        out = []
        for prompt, _ in prompts:
            kind = "lookup" if prompt.startswith("Table:") else "classification"
            seen[kind] += 1
            out.append((kind == "lookup" and (not pruned or seen[kind] % 4 != 0)) or (kind == "classification" and seen[kind] % 2 == 1))
        return out

    monkeypatch.setattr(_run, "answered", scorer)
    config = FactRecallConfig(sizes=(), methods=("magnitude",), sparsities=(0.0, 0.5), icl_prompts=40)
    pre = run(config, progress=False).pretrained
    kinds = pre["icl_kinds"]

    def tail(k, n, c):
        return sum(comb(n, j) * c**j * (1 - c) ** (n - j) for j in range(k, n + 1))

    assert (kinds["lookup"]["answered"], kinds["lookup"]["candidates"]) == (20, 20) and kinds["lookup"]["counts"]
    assert (kinds["classification"]["answered"], kinds["classification"]["candidates"]) == (10, 20) and not kinds["classification"]["counts"]
    assert kinds["classification"]["p"] == pytest.approx(tail(10, 20, 0.5)) and kinds["lookup"]["p"] == pytest.approx(tail(20, 20, (1 + 4 / 90) / 5))
    assert pre["n_icl"] == 20
    unpruned, pruned = pre["curves"]["magnitude"]
    assert unpruned["icl"] == 1.0 and pruned["icl"] == pruned["icl_lookup"] == 0.75
    assert pruned["icl_classification"] == 0.5  # the lucky half of the kept coin flips, as a guesser would
    everything = run(replace(config, icl_chance_test=1.0), progress=False).pretrained
    assert everything["n_icl"] == 30 and everything["curves"]["magnitude"][1]["icl"] == pytest.approx((15 + 5) / 30)
    with pytest.raises(ValueError, match="icl_chance_test"):
        FactRecallConfig(icl_chance_test=0)
    old = FactRecallConfig().to_dict()
    del old["icl_chance_test"]
    assert FactRecallConfig.from_dict(old).icl_chance_test == 1.0  # results written before the test counted every kind
    from genlab.report._fact_recall import render_fact_recall_report

    result = json.loads(json.dumps(run(config, progress=False).to_dict()))
    page = render_fact_recall_report(result, result["config"])
    assert '<td>classification</td><td class="num">20</td><td class="num">10</td>' in page and "30 answered and kept, 20 of them of the kinds that count" in page
    del result["pretrained"]["icl_kinds"]  # a result written before the test still renders
    assert "<td>classification</td>" not in render_fact_recall_report(result, result["config"])
