"""genlab.report: a run folder's JSON files -> one self-contained HTML page."""

import json
import re

import pytest

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
        "subspace_dim": 1000, "levels": 5, "grid_size": 4, "grid_index": 2, "n_parameters": 118282,
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
    assert '<div class="note">' in page  # the data-dependent prior's split, in numbers (here with n_prior != n_bound):
    result = json.loads((tmp_path / "result.json").read_text())
    note = re.search(r'<div class="note">(.*?)</div>', render_certificate_report({**result, "n_prior": 25000, "n_bound": 35000}, {}, [])).group(1)
    assert [int(n) for n in re.findall(r"\d+", note.replace("theta_0", ""))] == [25000, 35000]  # n_prior, then n_bound
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "metrics.jsonl", "report.html", "result.json"]


def verdict(page: str) -> tuple[str, str]:
    """The first line's CSS class (good or bad) and its text."""
    found = re.search(r'<p class="verdict ([^"]*)">(.*?)</p>', page)
    return found.group(1), found.group(2)


def comparison(text: str) -> tuple[float, str, float]:
    """The first line's "bound <relation> baseline", as numbers and the relation's sign."""
    a, sign, b = re.search(r"(\d\.\d{4}) (&lt;|&ge;) (\d\.\d{4})", text).groups()
    return float(a), sign, float(b)


@pytest.mark.parametrize("error_bound,prior_bound,cls", [
    (0.2417, 0.1893, "bad"),  # the prior alone does better
    (0.15, 0.1893, "good"),  # more than 10% below it
    (0.18, 0.1893, "bad"),  # below it, by less than 10%: not a clear win
])
def test_first_line_compares_the_bound_with_the_best_baseline(tmp_path, error_bound, prior_bound, cls):
    fake_run(tmp_path, error_bound=error_bound, prior_bound=prior_bound)
    got, first = verdict(write_certificate_report(tmp_path).read_text())
    bound, sign, best = comparison(first)
    assert got == cls and (bound, best) == (round(error_bound, 4), min(prior_bound, 0.9))  # the best of prior-only and random guessing
    assert sign == ("&lt;" if error_bound < prior_bound else "&ge;")


def test_a_vacuous_bound_and_a_narrow_win_read_unlike_a_clear_win_or_a_loss(tmp_path, monkeypatch):
    """With its numbers blanked out, the first line depends only on the outcome: a clear win, a
    narrow win, a loss and a vacuous bound are four different lines, whatever their wording."""
    monkeypatch.setattr("genlab.report._certificate._img", lambda fig: "")  # only the text is read
    result = fake_run(tmp_path)

    def shape(error_bound, prior_bound=0.1893):
        page = render_certificate_report({**result, "error_bound": error_bound, "baselines": {**result["baselines"], "prior_only": {"error_bound": prior_bound}}}, {}, [])
        cls, first = verdict(page)
        return cls, re.sub(r"\d\.\d+", "#", first)

    assert shape(0.15) == shape(0.12) and shape(0.3) == shape(0.25) and shape(0.18) == shape(0.185)  # like outcomes read alike
    vacuous = shape(1.0, prior_bound=1.2)  # below its baseline, but >= 1: says nothing
    assert vacuous[0] == "bad" and "1.0000" in verdict(render_certificate_report({**result, "error_bound": 1.0}, {}, []))[1]
    assert len({shape(0.15), shape(0.18), shape(0.3), vacuous}) == 4


def test_no_metrics_and_no_prior(tmp_path):
    fake_run(tmp_path, prior="data-independent", error_bound=0.2417)
    (tmp_path / "metrics.jsonl").unlink()
    page = write_certificate_report(tmp_path).read_text()
    assert "no training metrics recorded" in page
    assert '<div class="note">' not in page and "held-out" not in page
    assert page.startswith("<!DOCTYPE html>")
    cls, first = verdict(page)
    assert cls == "good" and comparison(first) == (0.2417, "&lt;", 0.9)  # beside random guessing, the only baseline


def test_a_bound_just_under_its_baseline_is_not_a_clear_win():
    from genlab.report import render_certificate_report

    result = {"dataset": "digits", "model": "cnn", "error_bound": 0.8899, "baselines": {"random_guess_error": 0.9}}
    cls, first = verdict(render_certificate_report(result, {}, []))
    assert cls == "bad" and comparison(first) == (0.8899, "&lt;", 0.9)


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
