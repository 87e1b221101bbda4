"""Pause tokens: the sequences against their definitions, the scorer on hand-written models, M = 0
reproducing the standard arms bit for bit, and the study end to end."""

import json

import numpy as np
import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from genlab.cli import app
from genlab.phenomena.pause_tokens import PauseConfig, PauseResult, answer_accuracy, finetune_tensors, insert_pauses, pretrain_tensors, run, vocabulary
from genlab.train import IGNORE_INDEX

V = vocabulary()


def test_inserted_pauses_leave_the_sequence_in_order():
    rng = np.random.default_rng(0)
    seqs = rng.integers(0, 10, (200, 6))
    assert insert_pauses(seqs, 0, rng) is seqs
    out = insert_pauses(seqs, 3, rng)
    assert out.shape == (200, 9) and np.all((out == V["<pause>"]).sum(1) == 3) and not np.any(out[:, 0] == V["<pause>"])
    for row, orig in zip(out, seqs):
        assert np.array_equal(row[row != V["<pause>"]], orig)
    positions = np.bincount(np.nonzero(out == V["<pause>"])[1], minlength=9)[1:]
    assert positions.min() > 0.5 * positions.mean()  # every slot after the first is used


def test_pretraining_targets_are_the_running_sums_without_loss_on_pauses():
    digits = np.array([[3, 9, 4], [0, 0, 7]])
    x, y = pretrain_tensors(digits, 0, np.random.default_rng(0))
    want = [[3, 9, 4, V["="], 3, 2, 6, V["<end>"]], [0, 0, 7, V["="], 0, 0, 7, V["<end>"]]]
    assert x.tolist() == [w[:-1] for w in want] and y.tolist() == [w[1:] for w in want]
    x, y = pretrain_tensors(digits, 2, np.random.default_rng(0))
    assert torch.all(y[torch.cat([x[:, 1:], y[:, -1:]], 1) == V["<pause>"]] == IGNORE_INDEX)
    assert torch.equal(y[y != IGNORE_INDEX].reshape(2, -1), torch.tensor(want)[:, 1:])


def test_a_direct_share_of_pretraining_is_in_the_downstream_format():
    digits = np.array([[3, 9, 4], [0, 0, 7], [5, 5, 5], [1, 1, 1]])
    x, y = pretrain_tensors(digits, 0, np.random.default_rng(0), direct_share=0.5)
    e, eq = V["<end>"], V["="]
    assert x[:2].tolist() == [[3, 9, 4, eq, 6, e, e], [0, 0, 7, eq, 7, e, e]]
    assert y[:2].tolist() == [[9, 4, eq, 6, e, IGNORE_INDEX, IGNORE_INDEX], [0, 7, eq, 7, e, IGNORE_INDEX, IGNORE_INDEX]]
    assert x[2:].tolist() == [[5, 5, 5, eq, 5, 0, 5], [1, 1, 1, eq, 1, 2, 3]]


def test_finetuning_puts_the_loss_on_the_answer_only():
    digits = np.array([[3, 9, 4], [5, 5, 0]])
    x, y = finetune_tensors(digits, 2)
    assert x.tolist() == [[3, 9, 4, V["="], V["<pause>"], V["<pause>"]], [5, 5, 0, V["="], V["<pause>"], V["<pause>"]]]
    assert y[:, -1].tolist() == [6, 0] and torch.all(y[:, :-1] == IGNORE_INDEX)


class Oracle(nn.Module):
    """Computes the answer from the digit tokens and puts it at every position."""

    def forward(self, ids):
        digits = torch.where(ids < 10, ids, 0)
        answer = digits.sum(1) % 10
        return nn.functional.one_hot(answer, 13).float()[:, None, :].expand(len(ids), ids.shape[1], 13)


def test_answer_accuracy_on_hand_written_models():
    digits = np.random.default_rng(1).integers(0, 10, (500, 5))
    assert answer_accuracy(Oracle(), digits, 0) == 1.0 and answer_accuracy(Oracle(), digits, 4, batch_size=64) == 1.0
    class Constant(nn.Module):
        def forward(self, ids):
            return nn.functional.one_hot(torch.full(ids.shape, 3), 13).float()

    assert answer_accuracy(Constant(), digits, 2) == pytest.approx(float(np.mean(digits.sum(1) % 10 == 3)))


TINY = dict(digits=3, pretrain_size=300, finetune_size=200, test_size=100, size="gpt-pico", seeds=2)


def test_zero_pauses_reproduce_the_standard_arms_bit_for_bit():
    config = PauseConfig(**TINY, pretrain_pauses=0, finetune_pauses=0)
    result = run(config, progress=False)
    by = {(r["arm"], r["seed"]): r for r in result.runs}
    for s in range(2):
        for arm in ("standard/pause", "pause/standard", "pause/pause"):
            assert {k: v for k, v in by[(arm, s)].items() if k != "arm"} == {k: v for k, v in by[("standard/standard", s)].items() if k != "arm"}
    assert result.claim["pause_gain"] == 0.0 and not result.claim["holds"]
    back = PauseResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back.runs == result.runs and back.config == config


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="arms"):
        PauseConfig(arms=("pause/none",))
    with pytest.raises(ValueError, match="digits must be an integer >= 2"):
        PauseConfig(digits=1)


def test_cli_end_to_end(tmp_path):
    res = CliRunner().invoke(app, ["pause-tokens", "--digits", "3", "--pretrain-size", "200", "--finetune-size", "100", "--test-size", "50", "--size", "gpt-pico",
                                   "--seeds", "1", "--arms", "standard/standard,pause/pause", "--out", str(tmp_path), "--quiet"])
    assert res.exit_code == 0, res.output
    folder = next(p for p in tmp_path.iterdir() if "pause-tokens" in p.name)
    result = json.loads((folder / "result.json").read_text())
    assert {r["arm"] for r in result["runs"]} == {"standard/standard", "pause/pause"} and result["claim"] is None
    assert (folder / "report.html").read_text().count("<img") == 1
