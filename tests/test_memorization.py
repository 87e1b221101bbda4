"""Memorization scores: masks, the estimator against a direct computation, intervals, influence,
split-half stability, canaries, bit packing, and an end-to-end run that finds planted canaries."""

import json
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from genlab.memorization import (
    MemorizationConfig,
    estimate,
    influence,
    membership_masks,
    pack_bits,
    plant_duplicates,
    plant_mislabeled,
    roc,
    split_half_stability,
    unpack_bits,
)


def test_balanced_masks_put_every_example_in_the_same_number_of_subsets():
    m = membership_masks(500, 20, 0.7, seed=1)
    assert m.shape == (20, 500) and m.dtype == torch.bool
    assert (m.sum(0) == 14).all()
    assert abs(m.sum(1).float().mean() - 350) < 1e-6  # 0.7 n per model on average
    assert not torch.equal(m, membership_masks(500, 20, 0.7, seed=2))


def test_independent_masks_have_subsets_of_exact_size():
    m = membership_masks(500, 10, 0.7, seed=0, balanced=False)
    assert (m.sum(1) == 350).all()
    assert m.sum(0).min() < m.sum(0).max()  # per-example counts vary


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1])
def test_masks_reject_a_bad_subset_share(bad):
    with pytest.raises(ValueError, match="subset"):
        membership_masks(10, 8, bad, seed=0)


def test_estimate_matches_a_direct_computation():
    gen = torch.Generator().manual_seed(0)
    masks = torch.rand(12, 30, generator=gen) < 0.6
    masks[0], masks[1] = True, False  # every example has in- and out-models
    outcomes = torch.rand(12, 30, generator=gen)
    s = estimate(masks, outcomes, "probability")
    for i in range(30):
        inside, outside = outcomes[masks[:, i], i], outcomes[~masks[:, i], i]
        assert s.score[i] == pytest.approx(float(inside.double().mean() - outside.double().mean()), abs=1e-9)
        assert s.n_in[i] == len(inside) and s.n_out[i] == len(outside)
        assert s.low[i] <= s.score[i] <= s.high[i]


def test_interval_covers_the_true_difference_about_95_percent_of_the_time():
    gen = torch.Generator().manual_seed(3)
    masks = membership_masks(4000, 32, 0.5, seed=3)
    truth = 0.2
    outcomes = (torch.rand(32, 4000, generator=gen) < torch.where(masks, 0.6, 0.4)).float()
    for score in ("correct", "probability"):
        s = estimate(masks, outcomes, score)
        coverage = ((s.low <= truth) & (truth <= s.high)).mean()
        assert 0.92 <= coverage <= 0.99, (score, coverage)


def test_estimate_refuses_examples_without_out_models():
    masks = torch.ones(4, 5, dtype=torch.bool)
    with pytest.raises(ValueError, match="every subset or in none"):
        estimate(masks, torch.rand(4, 5))


def test_influence_matches_a_direct_computation_and_keeps_the_top():
    gen = torch.Generator().manual_seed(1)
    masks = membership_masks(40, 16, 0.5, seed=1)
    test = torch.rand(16, 7, generator=gen)
    idx, val = influence(masks, test, top=3, block=3)
    assert idx.shape == (7, 3)
    for j in range(7):
        direct = np.array([float(test[masks[:, i], j].mean() - test[~masks[:, i], j].mean()) for i in range(40)])
        assert val[j, 0] == pytest.approx(direct.max(), abs=1e-6)
        assert set(idx[j]) == set(np.argsort(-direct)[:3])


def test_split_half_spearman_is_high_for_a_real_signal_and_low_for_noise():
    gen = torch.Generator().manual_seed(2)
    n, k = 2000, 32
    masks = membership_masks(n, k, 0.7, seed=2)
    mem = torch.linspace(0, 0.8, n)
    signal = (0.1 + mem * masks + 0.05 * torch.randn(k, n, generator=gen)).clamp(0, 1)
    noise = torch.rand(k, n, generator=gen)
    strong = split_half_stability(masks, signal, [8, 32])
    weak = split_half_stability(masks, noise, [32])
    assert strong[-1]["spearman_all"] > 0.9 and strong[-1]["spearman_top"] > 0.15
    assert strong[-1]["spearman_all"] > strong[0]["spearman_all"]
    assert abs(weak[0]["spearman_all"]) < 0.1


def test_mislabeled_canaries_change_exactly_their_labels():
    y = torch.arange(100) % 10
    new, idx = plant_mislabeled(y, 15, 10, seed=0)
    assert len(idx) == 15 and (new[idx] != y[idx]).all()
    keep = torch.ones(100, dtype=torch.bool)
    keep[idx] = False
    assert torch.equal(new[keep], y[keep])
    with pytest.raises(ValueError, match="canary count"):
        plant_mislabeled(y, 101, 10)


def test_duplicate_canaries_append_copies():
    x, y = torch.randn(20, 3), torch.arange(20)
    x2, y2, idx = plant_duplicates(x, y, 4, copies=2, seed=0)
    assert len(y2) == 28 and torch.equal(x2[20:24], x[idx]) and torch.equal(y2[24:], y[idx])


def test_bit_packing_round_trips():
    m = torch.rand(5, 37) < 0.3
    packed = pack_bits(m)
    assert packed.dtype == torch.uint8 and packed.shape == (5, 5)
    assert torch.equal(unpack_bits(packed, 37), m)


def _pairwise_auc(scores, positives):
    """P(score of a positive > score of a negative) + P(tie) / 2, over every pair."""
    pos, neg = scores[positives], scores[~positives]
    return sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))


def test_roc_of_perfect_scores_and_its_refusal_of_one_class():
    pos = np.zeros(100, dtype=bool)
    pos[:10] = True
    assert roc(np.where(pos, 1.0, 0.0), pos)["auc"] == 1.0
    assert roc(np.where(pos, 1.0, 0.0), pos)["tpr_at_1pct_fpr"] == 1.0
    assert roc(np.where(pos, 0.0, 1.0), pos)["auc"] == 0.0  # reversed scores: every pair ordered wrong
    with pytest.raises(ValueError, match="both"):
        roc(np.zeros(5), np.ones(5, dtype=bool))


def test_roc_auc_of_a_small_case_with_ties_is_the_pairwise_share():
    # positives 5, 3, 2, 1 against negatives 4, 2, 0: pairs won 3 + 2 + 1.5 + 1 = 7.5 (2 vs 2 a tie, half) of 12
    scores_ = np.array([5, 3, 2, 1, 4, 2, 0], dtype=float)
    pos = np.array([True] * 4 + [False] * 3)
    assert roc(scores_, pos)["auc"] == pytest.approx(7.5 / 12, abs=1e-12)
    rng = np.random.default_rng(5)
    for _ in range(5):
        s, p = rng.integers(0, 6, 40).astype(float), rng.random(40) < 0.3  # many ties
        assert roc(s, p)["auc"] == pytest.approx(_pairwise_auc(s, p), abs=1e-12)


def test_roc_of_useless_scores_is_at_chance():
    pos = np.zeros(11_000, dtype=bool)
    pos[:1000] = True
    constant = roc(np.full(11_000, 0.3), pos)
    assert constant["auc"] == 0.5 and constant["tpr_at_1pct_fpr"] == 0.0  # all tied: no threshold passes 1% of negatives only
    # random scores: the AUC is the Mann-Whitney U / (n1 n2), whose null standard deviation is
    # sqrt((n1 + n2 + 1) / (12 n1 n2)) = 0.0096 for 1,000 positives and 10,000 negatives; allow 4 of them
    sd = np.sqrt((1000 + 10_000 + 1) / (12 * 1000 * 10_000))
    aucs = [roc(np.random.default_rng(seed).random(11_000), pos)["auc"] for seed in range(3)]
    assert all(abs(a - 0.5) < 4 * sd for a in aucs), aucs
    # TPR at 1% FPR of random scores is about 1%: binomial(1000, 0.01) has sd 0.003
    assert all(roc(np.random.default_rng(seed).random(11_000), pos)["tpr_at_1pct_fpr"] < 0.01 + 4 * 0.0032 for seed in range(3))


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="score"):
        MemorizationConfig(score="loss")
    with pytest.raises(ValueError, match="models must be an integer >= 4"):
        MemorizationConfig(models=2)


def test_cli_finds_planted_canaries_end_to_end(tmp_path):
    """digits, 16 small MLPs in this process: the 20 mislabeled canaries rank at the top."""
    from typer.testing import CliRunner

    from genlab.cli import app

    out = tmp_path / "runs"
    result = CliRunner().invoke(app, ["memorize", "--dataset", "digits", "--models", "16", "--train-size", "1000", "--canaries", "20", "--epochs", "60",
                                      "--lr", "0.003", "--batch-size", "128", "--width", "128", "--workers", "0", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    folder = next(p for p in out.iterdir() if p.is_dir())
    summary = json.loads((folder / "result.json").read_text())
    assert summary["canaries"]["auc"] >= 0.95
    assert summary["train_accuracy_in_subset"] > 0.98
    assert (folder / "report.html").read_text().count("<img") >= 4
    assert len(list((folder / "tasks").glob("*.safetensors"))) == 16
    packed = __import__("safetensors.torch", fromlist=["load_file"]).load_file(str(folder / "outcomes.safetensors"))
    assert packed["masks"].shape == (16, 125) and packed["probability"].dtype == torch.float16


def test_trajectories_are_classified_by_shape():
    from genlab.memorization import TRAJECTORIES, classify_trajectories

    scores = np.array([[0.0, 0.5, 0.0, 0.3], [0.2, 0.3, 0.5, 0.32], [0.4, 0.1, 0.1, 0.29]])
    kinds = [TRAJECTORIES[k] for k in classify_trajectories(scores, tol=0.1)]
    assert kinds == ["increasing", "decreasing", "cap-shaped", "flat"]
    with pytest.raises(ValueError, match="at least 2"):
        classify_trajectories(scores[:1])


def test_cli_sizes_gives_one_summary_per_width_and_trajectory_shares(tmp_path):
    from typer.testing import CliRunner

    from genlab.cli import app

    out = tmp_path / "runs"
    result = CliRunner().invoke(app, ["memorize", "--dataset", "digits", "--models", "4", "--train-size", "200", "--canaries", "5", "--epochs", "5",
                                      "--batch-size", "64", "--sizes", "8,32", "--workers", "0", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    folder = next(p for p in out.iterdir() if p.is_dir())
    summary = json.loads((folder / "result.json").read_text())
    assert [p["width"] for p in summary["per_size"]] == [8, 32]
    shares = summary["trajectories"]["classes"]
    assert sum(c["count"] for c in shares.values()) == 200
    assert (folder / "outcomes-width-8.safetensors").exists() and (folder / "width-32" / "tasks").is_dir()
    assert "Trajectories across model sizes" in (folder / "report.html").read_text()
    bad = CliRunner().invoke(app, ["memorize", "--dataset", "digits", "--sizes", "32,8", "--out", str(out)])
    assert bad.exit_code == 2 and "increasing" in bad.output


class _Counter(torch.nn.Module):
    """A 'language model' that has memorized one rule: the next token is the last one plus 1."""

    def __init__(self, vocab: int = 50):
        super().__init__()
        self.vocab = vocab

    def forward(self, ids):
        return torch.nn.functional.one_hot((ids + 1) % self.vocab, self.vocab).float() * 8.0


def test_extraction_finds_exactly_the_sequences_the_model_reproduces():
    from genlab.memorization import extraction

    memorized = [list(range(s, s + 12)) for s in (1, 5, 20)]
    other = [[3, 9, 4, 4, 7, 1, 0, 2, 8, 8, 1, 2], [1, 2, 3, 4, 9, 9, 9, 9, 9, 9, 9, 9]]
    out = extraction(_Counter(), memorized + other + [[1, 2]], bos=49, prefix=4, suffix=6, batch=2, progress=False)
    assert out["exact"].tolist() == [True, True, True, False, False]
    assert out["indices"].tolist() == [0, 1, 2, 3, 4]  # the 2-token document is skipped
    assert out["rate"] == pytest.approx(0.6) and out["token_match"][4] == pytest.approx(1 / 6)  # only the 9 at the fifth position matches
    with pytest.raises(ValueError, match="no document"):
        extraction(_Counter(), [[1, 2]], bos=49, prefix=4, suffix=6, progress=False)


def test_membership_attacks_separate_what_the_model_predicts_from_what_it_does_not():
    from genlab.memorization import document_bits, membership_inference, membership_scores

    members = [list(range(s, s + 10)) for s in range(10)]
    gen = torch.Generator().manual_seed(0)
    others = [torch.randint(0, 40, (10,), generator=gen).tolist() for _ in range(10)]
    model = _Counter()
    bits_in = document_bits(model, members, bos=49, context=16, progress=False)
    bits_out = document_bits(model, others, bos=49, context=16, progress=False)
    assert (bits_in < bits_out).all()
    text = lambda docs: [" ".join(map(str, d)) for d in docs]  # noqa: E731
    n = np.full(10, 10)
    result = membership_inference(membership_scores(bits_in, n, text(members), reference_bits=bits_in * 0), membership_scores(bits_out, n, text(others), reference_bits=bits_out * 0))
    assert set(result) == {"loss", "zlib", "reference"}
    assert result["loss"]["auc"] == 1.0 and result["reference"]["auc"] == 1.0


def test_control_texts():
    from genlab.memorization import edit_similarity, shuffled_words

    text = "in the beginning god created the heaven and the earth"
    shuffled = shuffled_words(text, seed=1)
    assert sorted(shuffled.split()) == sorted(text.split()) and shuffled != text
    assert edit_similarity(text, text) == 1.0 and edit_similarity("abc", "xyz") == 0.0
    assert edit_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)


def test_text_memorization_study_rows():
    from genlab.memorization import text_memorization_study

    class Numbers:
        bos_id = 49

        def encode_batch(self, texts):
            return [[int(w) for w in t.split()] for t in texts]

    members = [" ".join(str(v) for v in range(s, s + 10)) for s in range(8)]
    gen = np.random.default_rng(0)
    controls = {"random": [" ".join(str(v) for v in gen.integers(0, 40, 10)) for _ in range(8)]}
    rows = text_memorization_study(_Counter(), Numbers(), members, controls, prefix=3, suffix=5, context=16, progress=False)
    assert [r["set"] for r in rows] == ["members", "random"]
    assert rows[0]["extracted_exact"] == 1.0 and rows[1]["extracted_exact"] == 0.0
    assert rows[1]["mia_loss_auc"] == 1.0 and "mia_zlib_auc" in rows[1]


def test_text_report_renders_from_result_json(tmp_path):
    from genlab.report import write_report

    row = {"set": "bible (members)", "documents": 3, "scored_for_extraction": 3, "extracted_exact": 1 / 3, "extracted_count": 1, "near_match_90": 1 / 3, "token_match": 0.5, "bits_per_token": 2.0}
    control = dict(row, set="shuffled words", extracted_exact=0.0, extracted_count=0, mia_loss_auc=0.9, mia_zlib_auc=0.8, mia_loss_tpr_at_1pct_fpr=0.1, mia_zlib_tpr_at_1pct_fpr=0.0,
                   roc={"loss": {"fpr": [0, 0.5, 1], "tpr": [0, 0.9, 1]}, "zlib": {"fpr": [0, 1], "tpr": [0, 1]}})
    config = {"kind": "memorize-text", "pretrained": "smollm2-135m", "corpus": "bible", "documents": 3, "prefix": 4, "suffix": 4}
    result = {**config, "rows": [row, control], "examples": [{"prompt": "In the <beginning>", "continuation": "God", "truth": "God", "exact": True, "edit_similarity": 1.0}], "wall_seconds": 1.0}
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "result.json").write_text(json.dumps(result))
    page = write_report(tmp_path).read_text()
    assert "33.3% of 3 bible (members) extracted exactly" in page and "0.900 / 0.800" in page and "&lt;beginning&gt;" in page and "Membership ROC curves" in page


@pytest.mark.slow
def test_memorize_text_cli_on_the_pretrained_model(tmp_path):
    from typer.testing import CliRunner

    from genlab.cli import app

    result = CliRunner().invoke(app, ["memorize-text", "--documents", "6", "--prefix", "8", "--suffix", "8", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    summary = json.loads((folder / "result.json").read_text())
    assert [r["set"] for r in summary["rows"]] == ["bible (members)", "shuffled words", "fresh (King James style)"]
    assert (folder / "report.html").exists()


def _distillation_setting(temperature, epochs=20, lr=0.01, batch_size=32):
    from genlab.train import TrainConfig

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(120, 5, generator=gen)
    y = (x[:, 0] > 0).long()
    model_fn = lambda: torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))  # noqa: E731
    config = MemorizationConfig(models=4, train=TrainConfig(epochs=epochs, lr=lr, batch_size=batch_size), distill_temperature=temperature)
    return x, y, model_fn, config


def test_distilled_students_train_on_the_teachers_tempered_softmax(monkeypatch):
    """Every call to train is recorded: the first trains the teacher on the hard labels; each
    student k trains on its subset's rows of softmax(teacher logits / T), recomputed here by hand."""
    import genlab.memorization._scores as module

    calls, real = [], module.train

    def recording(model, x, y, config, **kwargs):
        out = real(model, x, y, config, **kwargs)
        calls.append((model, x.clone(), y.clone()))
        return out

    monkeypatch.setattr(module, "train", recording)
    x, y, model_fn, config = _distillation_setting(2.0)
    result = module.scores(model_fn, (x, y), config, workers=0, progress=False)
    assert len(calls) == 1 + 4
    teacher, teacher_x, teacher_y = calls[0]
    assert torch.equal(teacher_x, x) and torch.equal(teacher_y, y)
    with torch.no_grad():
        logits = teacher.eval()(x).double().tolist()
    softmax = lambda row, t: [math.exp(v / t) / sum(math.exp(u / t) for u in row) for v in row]  # noqa: E731
    soft = torch.tensor([softmax(row, 2.0) for row in logits], dtype=torch.float64)
    untempered = torch.tensor([softmax(row, 1.0) for row in logits], dtype=torch.float64)
    assert (soft - untempered).abs().max() > 0.05  # T matters on this data: a T = 1 bug would show
    assert (soft.argmax(1) == y).float().mean() > 0.9 and soft.max() < 0.999
    for k, (_, student_x, targets) in enumerate(calls[1:]):
        inside = result.masks[k]
        assert torch.equal(student_x, x[inside]) and targets.shape == (int(inside.sum()), 2)
        assert torch.allclose(targets.double(), soft[inside], atol=1e-5), k
    with pytest.raises(ValueError, match="distill_temperature"):
        MemorizationConfig(distill_temperature=0)


def test_students_of_a_hot_teacher_are_less_sure_of_their_labels_than_plain_students():
    """T = 5 caps the targets near the teacher's tempered probability; plain training drives the
    true label's probability toward 1. Distilled students' in-subset probabilities sit below the
    plain students' and closer to the soft targets."""
    from genlab.memorization import scores
    from genlab.memorization._scores import teacher_targets

    x, y, model_fn, config = _distillation_setting(5.0, epochs=30, lr=0.05, batch_size=64)
    soft = teacher_targets(model_fn, x, y, config).gather(1, y[:, None]).squeeze(1).double()
    distilled = scores(model_fn, (x, y), config, workers=0, progress=False)
    plain = scores(model_fn, (x, y), replace(config, distill_temperature=None), workers=0, progress=False)
    inside = distilled.masks
    assert torch.equal(inside, plain.masks)
    p_distilled, p_plain = distilled.probability.double()[inside], plain.probability.double()[inside]
    target = soft.expand_as(distilled.probability)[inside]
    assert p_plain.mean() > 0.95 and p_distilled.mean() < p_plain.mean() - 0.08  # measured: 0.987 and 0.855
    assert (p_distilled - target).abs().mean() < 0.25 * (p_plain - target).abs().mean()  # measured: 0.017 against 0.123


def test_text_canaries_are_planted_and_held_out():
    from genlab.memorization import plant_text_canaries

    docs, planted, held = plant_text_canaries(["a", "b", "c"], count=4, repeats=3, length=10, seed=0)
    assert len(docs) == 3 + 12 and len(planted) == len(held) == 4
    assert all(docs.count(p) == 3 for p in planted) and not set(held) & set(docs)
    assert len({p.split(" secret: ")[0] for p in planted + held}) == 8  # every canary has its own prefix
    assert all(len(p.split(" secret: ")[1]) == 10 for p in planted)


def test_a_gpt_trained_here_gives_its_planted_canaries_away(tmp_path):
    """gpt-nano on 50 documents with 10 canaries x 30: membership of the canaries is plain."""
    from typer.testing import CliRunner

    from genlab.cli import app

    result = CliRunner().invoke(app, ["memorize-text", "--model", "gpt-nano", "--corpus", "english", "--documents", "50", "--canaries", "10", "--repeats", "30",
                                      "--secret-length", "8", "--epochs", "40", "--lr", "0.005", "--counterfactual", "4", "--workers", "0",
                                      "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    summary = json.loads((folder / "result.json").read_text())
    planted, held = summary["rows"][0], summary["rows"][1]
    assert planted["set"] == "planted canaries (x30)" and held["set"] == "held-out canaries"
    assert held["mia_loss_auc"] >= 0.95 and held["mia_zlib_auc"] >= 0.95
    assert planted["bits_per_token"] < held["bits_per_token"] - 1
    assert summary["rows"][2]["documents"] == 50  # the training-document row uses documents the model saw
    assert "planted canaries" in (folder / "report.html").read_text()
    assert summary["counterfactual"]["models"] == 4 and summary["counterfactual"]["canary_roc_auc"] >= 0.9


def test_counterfactual_memorization_ranks_repeated_canaries_first(tmp_path):
    from genlab.data import ByteTokenizer, load_corpus
    from genlab.memorization import plant_text_canaries
    from genlab.memorization._text import counterfactual_memorization
    from genlab.train import TrainConfig

    tok = ByteTokenizer()
    docs = load_corpus("english").train[:24]
    _, planted, _ = plant_text_canaries([], count=4, repeats=1, length=8, seed=0)
    units = tok.encode_batch(docs + planted)
    counts = [1] * len(docs) + [20] * len(planted)
    scores, masks, bpt = counterfactual_memorization(units, counts, size="gpt-nano", vocab_size=257, bos=256, context=64,
                                                     train_config=TrainConfig(epochs=6, lr=0.005, batch_size=16, schedule="onecycle"),
                                                     models=6, folder=tmp_path, workers=0, progress=False)
    assert masks.shape == (6, 28) and bpt.shape == (6, 28)
    top = set(np.argsort(-scores.score)[:4].tolist())
    assert len(top & {24, 25, 26, 27}) >= 3  # the repeated random strings are the most counterfactually memorized


def test_intervals_hold_their_estimate_for_unbounded_and_log_scores_and_are_nan_for_one_model():
    gen = torch.Generator().manual_seed(4)
    masks = membership_masks(300, 16, 0.5, seed=4)
    bits = 3 + 5 * masks.float() + torch.randn(16, 300, generator=gen)  # scores around 5: beyond [-1, 1]
    s = estimate(masks, bits, "probability", outcome_range=float("inf"))
    assert (s.low <= s.score).all() and (s.score <= s.high).all() and s.score.mean() > 4
    from genlab.memorization import outcome

    lp = outcome("log-probability", masks, torch.rand(16, 300, generator=gen))
    s = estimate(masks, lp, "log-probability")
    assert (s.low <= s.score + 1e-12).all() and (s.score <= s.high + 1e-12).all()
    few = membership_masks(50, 4, 0.7, seed=0)  # 3 of 4 models hold each example: one out-model
    s = estimate(few, torch.rand(4, 50, generator=gen), "probability")
    assert np.isnan(s.low).all() and np.isfinite(s.score).all()


def test_a_run_of_another_setting_is_refused_and_results_round_trip(tmp_path):
    import json

    from genlab.memorization import MemorizationResult, scores
    from genlab.store import RunStore
    from genlab.train import TrainConfig

    x, y = torch.randn(40, 3), torch.arange(40) % 2
    model_fn = BuiltinLinear()
    config = MemorizationConfig(models=4, train=TrainConfig(epochs=1, batch_size=16))
    run = RunStore(tmp_path).start_run("memorize", {})
    first = scores(model_fn, (x, y), config, test_data=(x[:10], y[:10]), run=run, workers=0, progress=False)
    again = scores(model_fn, (x, y), config, test_data=(x[:10], y[:10]), run=run, workers=0, progress=False)  # the same setting resumes
    assert torch.equal(first.probability, again.probability)
    saved = run.load_tensors("scores")["score"].numpy()
    assert np.array_equal(saved, first.scores.score, equal_nan=True)
    with pytest.raises(ValueError, match="another setting"):
        scores(model_fn, (x + 1, y), config, run=run, workers=0, progress=False)
    back = MemorizationResult.from_dict(json.loads(json.dumps(first.to_dict())))
    assert back.config == first.config and back.wall_seconds == first.wall_seconds
    for name in ("masks", "correct", "probability", "test_correct", "test_probability"):
        assert torch.equal(getattr(back, name), getattr(first, name)) and getattr(back, name).dtype == getattr(first, name).dtype, name
    assert all(np.array_equal(getattr(back.scores, k), getattr(first.scores, k), equal_nan=True) for k in ("score", "low", "high", "n_in", "mean_out"))
    assert all(np.array_equal(a, b) for a, b in zip(back.influence, first.influence))


class BuiltinLinear:
    def __call__(self):
        return torch.nn.Linear(3, 2)


def test_tpr_at_low_fpr_is_read_off_the_unthinned_curve():
    pos = np.array([True] * 10 + [False] * 1000)
    scores_ = np.concatenate([np.linspace(1, 2, 10), np.linspace(0, 1.5, 1000)])
    r = roc(scores_, pos)
    fp_above = lambda t: (scores_[~pos] >= t).mean()  # noqa: E731
    best = max(((scores_[pos] >= t).mean() for t in scores_[pos] if fp_above(t) <= 0.01), default=0.0)
    assert r["tpr_at_1pct_fpr"] == pytest.approx(best)
