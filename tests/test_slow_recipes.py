"""The built-in recipes end to end on tiny settings, each result then checked from outside: a
certify-lm run re-derived by verify from its folder alone, a memorize run whose planted canaries
score above the rest, a grok run read back from its files. Minutes in all: `pytest -m slow tests/test_slow_recipes.py`."""

import json
import re
from dataclasses import replace

import numpy as np
import pytest
import torch

from genlab.memorization import MemorizationConfig
from genlab.models import ModelConfig
from genlab.phenomena.grokking import GrokConfig, GrokResult
from genlab.recipes import certify_lm_builtin, grok_builtin, lm_recipe, memorize_builtin, verify
from genlab.store import RunStore
from genlab.train import TrainConfig

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("tokenizer,vocab", [("bytes", None), ("bpe", 300)])
def test_certify_lm_builtin_on_a_few_verses_verifies_from_its_folder(tmp_path, tokenizer, vocab):
    _, config = lm_recipe("document")  # the recipe's configuration, shrunk: a small subspace, a short run
    config = replace(config, subspace_dim=300, lora_rank=4, m_documents=100, m_tokens=2000, m_test=30, document_bound="split-kl",
                     train=replace(config.train, epochs=1.0), qat=replace(config.qat, epochs=0.2))
    result, run = certify_lm_builtin("bible", "gpt-pico", config, store=RunStore(tmp_path), tokenizer=tokenizer, vocab=vocab, max_documents=300,
                                     progress=False, report=False)
    assert result.n_documents == 300 and result.subspace_dim == 300 and result.vocab_size == (vocab or 257)
    assert (result.bits["tokenizer"] > 0) == (tokenizer == "bpe")
    report = verify(run.folder)  # the base model, tokenizer and documents rebuilt from config.json and the paid bits
    assert report.ok, [(c.name, c.detail) for c in report.checks if not c.ok]
    assert len(report.checks) > 20  # every statement of the model and of the three baselines was re-derived


def test_memorize_builtin_ranks_planted_mislabeled_examples_above_the_rest(tmp_path):
    """300 digits, 20 of them relabeled at random: a model that trained on a relabeled example
    fits its new label, one that did not predicts the digit it shows, so the canaries' scores
    (in-subset minus out-of-subset log-probability of the label) stand far above the average."""
    config = MemorizationConfig(models=8, subset=0.5, train=TrainConfig(epochs=60, lr=3e-3, batch_size=64), seed=0)
    summary, run = memorize_builtin("digits", ModelConfig("mlp", width=64, depth=1), config, store=RunStore(tmp_path), train_size=300,
                                    canaries=20, workers=0, progress=False, report=False)
    scores = run.load_tensors("scores")["score"].numpy()
    canaries = np.array(summary["canaries"]["indices"])
    assert len(scores) == 300 and len(canaries) == 20
    rest = np.delete(scores, canaries)
    assert scores[canaries].mean() > rest.mean() + 3 * rest.std() / np.sqrt(len(canaries))
    assert np.median(scores[canaries]) > np.quantile(rest, 0.9)  # most canaries are in the top tenth
    assert summary["canaries"]["auc"] > 0.9
    assert (scores[canaries] > 0).mean() > 0.8  # training on a canary raised the probability of its planted label


def test_grok_builtin_groks_and_its_folder_holds_the_result_the_page_and_every_snapshot(tmp_path):
    """a + b mod 31 (the grokking setting of tests/test_grokking.py, run on to 99% test accuracy):
    measured, train accuracy 99% at step 50, test accuracy at step 1250, 26 logged steps."""
    from safetensors.torch import load_file

    config = GrokConfig(p=31, train_frac=0.5, weight_decay=5.0, lr=1e-2, width=256, embed=64, steps=3000, log_every=50, stop_at=0.99)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: one thread is faster, and a busy machine does not slow it tenfold
    try:
        result, run = grok_builtin(config, store=RunStore(tmp_path), progress=False)
    finally:
        torch.set_num_threads(threads)
    assert result.grokking_delay is not None and result.grokking_delay >= 500 and result.steps_to_train_99 <= 100
    saved = GrokResult.from_dict(json.loads((run.folder / "result.json").read_text()))
    assert saved == result and saved.config == config and saved.history[-1]["test_acc"] >= 0.99
    page = (run.folder / "report.html").read_text()
    data = json.loads(re.search(r'<script type="application/json" id="genlab-data">(.*?)</script>', page, re.S).group(1).replace("<\\/", "</"))
    last = saved.history[-1]
    assert data["history"][-1]["test_acc"] == last["test_acc"] and data["steps"][-1] == last["step"]
    assert f"<tr><th>final test accuracy</th><td>{last['test_acc']:.2%}</td></tr>" in page and "Grokked" in page
    snapshots = load_file(str(run.folder / "snapshots.safetensors"))
    steps = [h["step"] for h in saved.history]
    assert snapshots["steps"].tolist() == steps and snapshots["weights"].shape == (len(steps), 31, 64)
    assert torch.equal(snapshots["weights"], result.snapshots["weights"])
    metrics = [json.loads(line) for line in (run.folder / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics if m.get("tag") == "grok"] == steps
