"""The built-in recipes end to end on tiny settings, each result then checked from outside: a
certify-lm run re-derived by verify from its folder alone, a memorize run whose planted canaries
score above the rest. Minutes in all: `pytest -m slow tests/test_slow_recipes.py`."""

from dataclasses import replace

import numpy as np
import pytest

from genlab.memorization import MemorizationConfig
from genlab.models import ModelConfig
from genlab.recipes import certify_lm_builtin, lm_recipe, memorize_builtin, verify
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
