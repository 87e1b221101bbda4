"""genlab.report: a run folder's JSON files -> one self-contained HTML page."""

import json
import re

from genlab.report import render_certificate_report, write_certificate_report


def fake_run(folder, *, prior="data-dependent", error_bound=0.2417, prior_bound=0.1893):
    """The three files of a finished certify run, with the shapes certify() writes."""
    bits = {"hyperparameters": 3, "frequency_table": 40, "codebook": 80, "parameters": 1843, "padding": 2}
    candidates = [
        {"grid_index": i, "subspace_dim": d, "levels": L, "bits_total": b, "entropy_bits": b * 0.93, "train_errors": 300,
         "train_error": 0.03, "test_error": None if i == 3 else 0.05, "error_bound": e}
        for i, (d, L, b, e) in enumerate([(250, 5, 700, 0.31), (250, 7, 910, 0.33), (1000, 5, 1968, error_bound), (1000, 7, 2600, 0.29)])
    ]
    result = {
        "dataset": "mnist", "model": "mlp<2x128>", "prior": prior, "n_bound": 30000, "n_prior": 30000 if prior == "data-dependent" else 0,
        "train_errors": 612, "train_error": 0.0204, "n_test": 10000, "test_errors": 311, "test_error": 0.0311,
        "bits_total": sum(bits.values()), "bits": bits, "delta": 0.05, "bound": "occam-kl", "error_bound": error_bound,
        "subspace_dim": 1000, "levels": 5, "grid_size": 4, "grid_index": 2, "num_parameters": 118282,
        "code_file": "code.bin", "code_sha256": "ab" * 32, "candidates": candidates,
        "baselines": {"random_guess_error": 0.9, "smallest_grid_point": {k: candidates[0][k] for k in ("subspace_dim", "levels", "bits_total", "train_error", "test_error", "error_bound")}},
        "quantization": {"codebook": [-0.21, -0.07, 0.0, 0.07, 0.21], "counts": [90, 210, 400, 220, 80]},
        "wall_seconds": 123.4, "environment": {"torch": "2.3.0", "python": "3.11.9", "device": "cpu"}, "run_id": "r1",
    }
    if prior == "data-dependent":
        result["baselines"]["prior_only"] = {"description": "theta_0 itself", "train_errors": 1500, "train_error": 0.05,
                                             "test_error": 0.052, "bits_total": 0, "error_bound": prior_bound}
    config = {"dataset": "mnist", "prior": prior, "delta": 0.05, "subspace_dims": [250, 1000], "levels": [5, 7], "note": "<script>"}
    lines = [json.dumps({"tag": tag, "epoch": e, "step": 100 * e, "loss": 1.0 / e, "train_acc": 1 - 0.5 / e, "lr": 0.01})
             for tag in ("prior theta_0", "subspace d=1000", "qat d=1000 L=5") for e in (1, 2, 3)]
    lines.append(json.dumps({"tag": "candidate", "grid_index": 0, "error_bound": 0.31}))
    folder.mkdir(exist_ok=True)
    (folder / "result.json").write_text(json.dumps(result))
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "metrics.jsonl").write_text("\n".join(lines) + '\n{"tag": "qat d=1000 L=5", "epo')  # cut by a crash
    return result


def test_report_is_self_contained_and_shows_the_certificate(tmp_path):
    fake_run(tmp_path)
    path = write_certificate_report(tmp_path)
    assert path == tmp_path / "report.html" and path.exists()
    page = path.read_text()
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?://", page)
    assert "genlab certificate: mnist / mlp&lt;2x128&gt;" in page
    assert "0.2417" in page
    for part in ("hyperparameters", "frequency_table", "codebook", "parameters", "padding"):
        assert part in page
    assert page.count('<img alt="plot" src="data:image/png;base64,') == 4  # errors, bits, levels, curves
    assert '<tr class="chosen"><td class="num">2</td><td class="num">1000</td><td class="num">5</td><td class="num">1968</td>' in page
    assert "theta_0 was trained on n_prior = 30000 held-out training examples" in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "metrics.jsonl", "report.html", "result.json"]


def test_first_line_says_when_the_prior_alone_is_better(tmp_path):
    fake_run(tmp_path, error_bound=0.2417, prior_bound=0.1893)
    page = write_certificate_report(tmp_path).read_text()
    first = re.search(r'<p class="verdict[^"]*">(.*?)</p>', page).group(1)
    assert first.startswith("This certificate does NOT beat its baseline")
    assert "0.2417" in first and "0.1893" in first


def test_first_line_says_when_it_beats_and_when_it_is_vacuous(tmp_path):
    result = fake_run(tmp_path, error_bound=0.15, prior_bound=0.1893)
    assert "clearly beats its baseline: error bound 0.1500 &lt; 0.1893" in render_certificate_report(result, {}, [])
    result["error_bound"] = 1.0
    page = render_certificate_report(result, {}, [])
    assert "This certificate is vacuous and does NOT beat its baseline" in page


def test_no_metrics_and_no_prior(tmp_path):
    fake_run(tmp_path, prior="data-independent", error_bound=0.2417)
    (tmp_path / "metrics.jsonl").unlink()
    page = write_certificate_report(tmp_path).read_text()
    assert "no training metrics recorded" in page
    assert "held-out" not in page
    assert page.startswith("<!DOCTYPE html>")
    assert "This certificate clearly beats its baseline" in page  # 0.2417 < random guessing 0.9


def test_a_bound_just_under_its_baseline_is_called_narrow():
    from genlab.report import render_certificate_report

    result = {"dataset": "digits", "model": "cnn", "error_bound": 0.8899, "baselines": {"random_guess_error": 0.9}}
    page = render_certificate_report(result, {}, [])
    assert "beats its baseline only narrowly" in page and "clearly" not in page


def test_incremental_qat_stages_are_one_phase_laid_end_to_end():
    from genlab.report._certificate import _training_phases

    metrics = [
        {"tag": "subspace d=100", "epoch": 1.0, "loss": 1.0, "train_acc": 0.5},
        {"tag": "qat d=100 L=3 frozen 50%", "epoch": 0.5, "loss": 0.9, "train_acc": 0.6},
        {"tag": "qat d=100 L=3 frozen 100%", "epoch": 0.5, "loss": 0.8, "train_acc": 0.7},
        {"tag": "candidate", "error_bound": 0.3},
    ]
    phases = _training_phases(metrics)
    assert list(phases) == ["subspace d=100", "qat d=100 L=3"]
    assert [p[0] for p in phases["qat d=100 L=3"]] == [0.5, 1.0]
