"""genlab.report for language-model certificates: a run folder -> one self-contained HTML page."""

import json
import math
import re

import pytest

from genlab.report import render_lm_report, write_lm_report, write_report
from genlab.report._language import _lm_curves

KEYS = [f"{level}/{kind}" for level in ("document", "token") for kind in ("loss", "top1", "top10", "top100")]


def statement(bound, empirical, complexity, *, n, m, bits, sampling=0.0, alpha=None):
    """One bound's fields as genlab.bounds.LanguageBound writes them (+ alpha for loss bounds)."""
    out = {"bound": bound, "empirical": empirical, "sampling_term": sampling, "complexity_term": complexity, "n": n, "m": m,
           "bits": bits, "delta": 0.00625, "delta_bound": 0.00625 if m == n else 0.003125, "delta_sample": 0.0 if m == n else 0.003125,
           "loss_range": [0.0 if alpha is None else 0.4132, 1.0 if alpha is None else 10.0056],
           "method": "token_azuma_hoeffding" if n != 400 else "document_hoeffding" if alpha else "document_kl"}
    if alpha is not None:
        out["alpha"] = alpha
    return out


def lm_result(*, beats: bool, pretrained=None) -> dict:
    """A byte-level certify-lm result (|V| = 257, log2 |V| = 8.0056): the real run's numbers when
    ``beats`` is False (both loss bounds worse than the unigram's and vacuous), a model that wins
    at both levels (5.1 vs 6.0 and 3.9 vs 5.0 bits per token) when True."""
    doc, tok = (5.1, 3.9) if beats else (31.3597, 8.4975)
    n, N = 400, 48607
    bounds = {
        "document/loss": statement(doc, 4.2, doc - 4.2, n=n, m=n, bits=7978.0, alpha=0.25),
        "document/top1": statement(1.0, 0.8151, 0.1849, n=n, m=n, bits=7976.0),
        "document/top10": statement(0.95 if beats else 1.0, 0.2917, 0.7083, n=n, m=n, bits=7976.0),
        "document/top100": statement(0.9, 0.0856, 0.8144, n=n, m=n, bits=7976.0),
        "token/loss": statement(tok, 1.4, tok - 1.4 - 0.1152, sampling=0.1152, n=N, m=20000, bits=7978.0, alpha=0.25),
        "token/top1": statement(0.9 if beats else 1.0591, 0.6085, 0.2386, sampling=0.012, n=N, m=20000, bits=7976.0),
        "token/top10": statement(0.5371, 0.2865, 0.2386, sampling=0.012, n=N, m=20000, bits=7976.0),
        "token/top100": statement(0.3312, 0.0806, 0.2386, sampling=0.012, n=N, m=20000, bits=7976.0),
    }
    unigram = {key: dict(b, bits=b["bits"] - 4892, sampling_term=0.0, m=b["n"]) for key, b in bounds.items()}
    unigram["document/loss"]["bound"] = 6.0 if beats else 20.3772
    unigram["token/loss"]["bound"] = 5.0 if beats else 6.0809
    unigram["token/top1"]["bound"] = 0.9611
    test = {"bits_per_token": 5.9541, "bits_per_byte": 5.9495, "tokens": 4933, "top1_error": 0.8130, "top10_error": 0.2930, "top100_error": 0.0905}
    bits = {"hyperparameters": 0, "frequency_table": 72, "codebook": 112, "parameters": 7791, "padding": 1, "tokenizer": 0, "alpha_choice": 2}
    result = {
        "corpus": "bible", "model": "gpt-nano", "method": "sublora", "tokenizer": "bytes", "vocab_size": 257, "n_documents": n,
        "n_tokens": N, "n_bytes": N, "n_parameters": 124736, "n_trained": 42768, "subspace_dim": 3000, "levels": 7,
        "bits_total": sum(bits.values()), "bits": bits, "delta": 0.05, "delta_per_statement": 0.00625, "bounds": bounds,
        "empirical": {"document/loss_unsmoothed": 5.9264, "token/loss_unsmoothed": 5.8875, "train_bytes_per_token": 1.0},
        "test": dict(test, m=40),
        "baseline": {"model": "unigram", "bits_total": 3084, "bounds": unigram,
                     "empirical": {"document/loss_unsmoothed": 4.34, "token/loss_unsmoothed": 4.32, "test": dict(test, bits_per_token=4.3728)}},
        "quantization": {"codebook": [-0.2283, -0.1174, -0.0754, -0.0148, 0.026, 0.1005, 0.2242],
                         "counts": [670, 485, 230, 158, 162, 497, 798], "entropy_bits": 7743.065, "code_sha256": "06" * 32},
        "wall_seconds": 4.7, "environment": {"torch": "2.13.0+cpu", "python": "3.11.7", "device": "cpu"},
        "config": {"method": "sublora", "alphas": [0.01, 0.05, 0.1, 0.25], "delta": 0.05},
    }
    if pretrained is not None:
        result["config"]["pretrained"] = pretrained
    return result


def lm_run(folder, **kwargs) -> dict:
    """The files of a finished certify-lm run; metrics.jsonl ends in a line cut by a crash."""
    result = lm_result(**kwargs)
    folder.mkdir(exist_ok=True)
    config = {"kind": "certify-lm", "corpus": "bible", "size": "gpt-nano", "note": "<script>", "certify": result["config"]}
    lines = [json.dumps({"tag": tag, "epoch": e, "step": e, "loss": 4.0 - e, "train_acc": 0.1 * e, "lr": 0.01})
             for tag in ("sublora d=3000", "qat d=3000 L=7 frozen 50%", "qat d=3000 L=7 frozen 100%") for e in (1, 2)]
    (folder / "result.json").write_text(json.dumps(result))
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "metrics.jsonl").write_text("\n".join(lines) + '\n{"tag": "qat d=3000 L=7 frozen 100%", "ep')
    return result


@pytest.fixture
def stub_plots(monkeypatch):
    """Skip PNG rendering (the slow part) in tests that read only the page's text."""
    for module in ("genlab.report._certificate", "genlab.report._language"):
        monkeypatch.setattr(f"{module}._img", lambda fig: '<img alt="plot" src="data:image/png;base64,">')


def verdict(page: str) -> tuple[str, str]:
    """The first line's CSS class (good, note, bad) and its text."""
    found = re.search(r'<p class="verdict ([^"]*)">(.*?)</p>', page)
    return found.group(1), found.group(2)


def shown(text: str) -> list[str]:
    """The numbers a text shows with 4 decimals, as written."""
    return re.findall(r"-?\d+\.\d{4}", text)


def with_bounds(document: float, token: float, baselines=(6.0, 5.0)) -> dict:
    result = lm_result(beats=True)
    result["bounds"]["document/loss"]["bound"], result["bounds"]["token/loss"]["bound"] = document, token
    result["baseline"]["bounds"]["document/loss"]["bound"], result["baseline"]["bounds"]["token/loss"]["bound"] = baselines
    return result


def test_page_is_written_and_self_contained(tmp_path):
    lm_run(tmp_path, beats=False)
    path = write_lm_report(tmp_path)
    assert path == tmp_path / "report.html"
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert "<script" not in page and "<link" not in page and "&lt;script&gt;" in page  # the config is escaped
    assert page.count('<img alt="plot" src="data:image/png;base64,') == 4  # bounds, bits, levels, curves
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "metrics.jsonl", "report.html", "result.json"]


@pytest.mark.parametrize("beats", [False, True])
def test_first_line_sets_each_loss_bound_beside_its_baseline_and_the_gap(tmp_path, stub_plots, beats):
    result = lm_run(tmp_path, beats=beats)
    cls, first = verdict(write_lm_report(tmp_path).read_text())
    assert cls == ("good" if beats else "bad")
    numbers = shown(first)
    for level in ("document", "token"):
        b, u = result["bounds"][f"{level}/loss"]["bound"], result["baseline"]["bounds"][f"{level}/loss"]["bound"]
        assert {f"{b:.4f}", f"{u:.4f}", f"{abs(u - b):.4f}"} <= set(numbers), (level, numbers)
    assert not [n for n in numbers if n.startswith("-")]  # a gap is a size; the class and the words say which side wins
    # log2 |V| = 8.0056 (random guessing) is shown exactly when a loss bound is vacuous (both are when not beats) ...
    assert (f"{math.log2(257):.4f}" in numbers) == (not beats)
    # ... and the top-k bounds >= 1 are listed, no other top-k bound.
    vacuous = {"1.0000", "1.0591"} if not beats else {"1.0000"}
    assert vacuous <= set(numbers) and not {"0.9500", "0.5371", "0.3312"} & set(numbers)


@pytest.mark.parametrize("document,token,baselines,cls", [
    (5.1, 3.9, (6.0, 5.0), "good"),  # both more than 10% below their baselines
    (5.8, 3.9, (6.0, 5.0), "note"),  # the document bound only narrowly below (by less than 10%)
    (6.2, 3.9, (6.0, 5.0), "note"),  # the document bound above its baseline
    (5.1, 4.6, (6.0, 5.0), "note"),  # the token bound narrowly below
    (9.0, 3.9, (20.0, 5.0), "note"),  # far below its baseline, but vacuous: 9.0 >= log2 257
    (5.8, 4.6, (6.0, 5.0), "bad"),
    (6.2, 5.3, (6.0, 5.0), "bad"),
])
def test_the_verdict_class_follows_the_margins(stub_plots, document, token, baselines, cls):
    assert verdict(render_lm_report(with_bounds(document, token, baselines), {}, []))[0] == cls


def test_like_outcomes_read_alike_and_unlike_ones_differ(stub_plots):
    """With its numbers blanked out, the first line depends only on each level's outcome (clear
    win, narrow win, loss, vacuous): whatever its wording, the four are told apart."""
    def shape(document, token, baselines=(6.0, 5.0)):
        return re.sub(r"\d+\.\d+", "#", verdict(render_lm_report(with_bounds(document, token, baselines), {}, []))[1])

    assert shape(5.1, 3.9) == shape(5.2, 3.8) and shape(5.8, 3.9) == shape(5.75, 4.0) and shape(6.2, 3.9) == shape(7.0, 3.0)
    assert len({shape(5.1, 3.9), shape(5.8, 3.9), shape(6.2, 3.9), shape(9.0, 3.9, (20.0, 5.0))}) == 4


def test_all_eight_statements_sit_beside_the_unigram_and_random_guessing(stub_plots):
    for beats in (False, True):
        result = lm_result(beats=beats)
        page = render_lm_report(result, {}, [])
        for key in KEYS:
            row = re.search(rf"<tr><td>{key}</td>(.*?)</tr>", page).group(1)
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            b, u = result["bounds"][key], result["baseline"]["bounds"][key]
            assert cells[0] == f"{b['bound']:.4f}" and cells[6] == f"{u['bound']:.4f}"
            assert cells[7] == ("yes" if b["bound"] < u["bound"] else "NO"), (key, beats)  # beats its baseline
            assert cells[4] == f"{b['m']} / {b['n']}"
            k = None if key.endswith("loss") else int(key.split("/top")[1])
            assert cells[8] == f"{result['test']['bits_per_token' if k is None else f'top{k}_error']:.4f}"
            assert cells[-1] == (f"{math.log2(257):.4f}" if k is None else f"{1 - k / 257:.4f}")
        assert re.search(r"<tr><td>token/loss</td>.*?<td class=\"num\">0.2500</td>", page)  # alpha
    # The test set: the decoded model's row holds result.json's test risks, and the section its m.
    section = page.split("<h2>Test set</h2>")[1].split("<h2>")[0]
    test = result["test"]
    row = re.findall(r"<td[^>]*>(.*?)</td>", re.search(r"<tr><td>decoded model</td>.*?</tr>", section).group(0))
    assert row[1:] == [f"{test[k]:.4f}" for k in ("bits_per_token", "bits_per_byte", "top1_error", "top10_error", "top100_error")] + [str(test["tokens"])]
    assert str(test["m"]) in re.findall(r"\d+", section.split("<table>")[0])


def test_pretrained_warning_only_when_flagged(stub_plots):
    warning = "a bound with a pretrained prior is only valid if the evaluation documents were not in its pretraining data"
    assert warning not in render_lm_report(lm_result(beats=True), {"kind": "certify-lm"}, [])
    assert warning not in render_lm_report(lm_result(beats=True, pretrained=False), {}, [])
    assert warning in render_lm_report(lm_result(beats=True, pretrained="gpt2"), {}, [])
    assert warning in render_lm_report(lm_result(beats=True), {"kind": "certify-lm", "pretrained": "gpt2"}, [])


def test_assumptions_are_stated_with_the_run_numbers(stub_plots):
    page = render_lm_report(lm_result(beats=False), {}, [])
    assert "i.i.d. draws" in page and "of a fresh document" in page
    assert "expected next-token loss given the actual preceding context" in page and "It is NOT the loss on fresh documents" in page
    assert "All 8 statements hold together with probability &ge; 1 - delta = 0.95" in page and "delta_per_statement = 0.00625" in page
    assert "from a grid of 4 values [0.01, 0.05, 0.1, 0.25], paid with 2 bits" in page
    assert "A BPE tokenizer's merges are paid in bits" in page


def test_training_curves_are_in_bits_with_qat_stages_end_to_end(tmp_path, stub_plots):
    lm_run(tmp_path, beats=False)
    metrics = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()[:-1]]
    from matplotlib.figure import Figure

    figures = []

    class Recording(Figure):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            figures.append(self)

    _lm_curves(metrics, Recording)
    loss_ax = figures[0].axes[0]
    lines = {line.get_label(): line for line in loss_ax.get_lines()}
    assert list(lines) == ["sublora d=3000", "qat d=3000 L=7"]
    qat = lines["qat d=3000 L=7"]
    assert list(qat.get_xdata()) == [1, 2, 3, 4]
    assert list(qat.get_ydata()) == pytest.approx([n / math.log(2) for n in (3.0, 2.0, 3.0, 2.0)])
    (tmp_path / "metrics.jsonl").unlink()
    assert "no training metrics recorded" in write_lm_report(tmp_path).read_text()


def test_missing_or_foreign_result_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="result.json not found"):
        write_lm_report(tmp_path)
    (tmp_path / "result.json").write_text(json.dumps({"dataset": "mnist", "error_bound": 0.24, "bits_total": 1968, "delta": 0.05}))
    with pytest.raises(ValueError, match="is not a language-model certificate .*write_certificate_report"):
        write_lm_report(tmp_path)
    (tmp_path / "result.json").write_text('{"bounds": ')
    with pytest.raises(ValueError, match="not valid JSON"):
        write_lm_report(tmp_path)
    assert not (tmp_path / "report.html").exists()


def test_write_report_picks_the_page_by_the_run_kind(tmp_path, monkeypatch, stub_plots):
    lm_run(tmp_path, beats=True)
    assert "genlab language-model certificate" in write_report(tmp_path).read_text()
    calls = []
    monkeypatch.setattr("genlab.report.write_certificate_report", lambda folder: calls.append(folder) or folder)
    (tmp_path / "config.json").write_text(json.dumps({"kind": "certify"}))
    assert write_report(tmp_path) == tmp_path and calls == [tmp_path]


def sized(model: str, method: str, n_parameters: int, document: float, token: float, d: int = 3000) -> dict:
    result = lm_result(beats=True)
    result.update(model=model, method=method, n_parameters=n_parameters, subspace_dim=d, run_id=f"run-{model}-{method}")
    result["bounds"]["document/loss"]["bound"], result["bounds"]["token/loss"]["bound"] = document, token
    return result


def test_comparison_page_groups_an_ablation_and_a_size_sweep(stub_plots):
    from genlab.report import render_lm_comparison

    results = [sized("gpt-nano", "sublora", 124736, 5.438, 4.257), sized("gpt-nano", "lora", 124736, 7.646, 4.129, d=42768),
               sized("gpt-pico", "sublora", 25088, 5.469, 4.302), sized("gpt-micro", "sublora", 372672, 5.440, 4.261)]
    other_tokens = sized("smollm2-135m", "sublora", 134515008, 6.1, 5.2)
    other_tokens.update(tokenizer="hf", vocab_size=49152)
    page = render_lm_comparison(results + [other_tokens])
    assert page.startswith("<!DOCTYPE html>") and page.count("<table>") == 3  # all, the gpt-nano ablation, the sublora sizes
    assert "smollm2-135m" in page.split("Ablation on")[0] and "smollm2-135m" not in page.split("Model size")[1]  # other units
    assert "Ablation on gpt-nano" in page and "Model size, sublora (bytes tokens, |V| = 257)" in page and "Model size, lora" not in page
    size_table = page.split("Model size, sublora")[1].split("</table>")[0]
    assert [m for m in re.findall(r"<td>(gpt-\w+)</td>", size_table)] == ["gpt-pico", "gpt-nano", "gpt-micro"]  # by parameters
    assert "5.4690" in size_table and "7.6460" not in size_table and "run-gpt-micro-sublora" not in size_table
    assert "run-gpt-micro-sublora" in page.split("Ablation on")[0]  # the first table names every run
    assert page.count('<img alt="plot"') == 2
    assert PRETRAINED not in page
    results[0]["config"]["pretrained"] = "smollm2-135m"
    assert PRETRAINED in render_lm_comparison(results)


PRETRAINED = "only valid if the evaluation documents were not in its pretraining data"


def test_comparison_plots_bounds_against_size_with_the_unigram(monkeypatch):
    from matplotlib.figure import Figure

    from genlab.report._language import _comparison_plot

    figures = []

    class Recording(Figure):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            figures.append(self)

    monkeypatch.setattr("genlab.report._language._img", lambda fig: "")
    results = [sized("gpt-micro", "sublora", 372672, 5.440, 4.261), sized("gpt-pico", "sublora", 25088, 5.469, 4.302)]
    _comparison_plot(results, Recording, "n_parameters", "parameters", log_x=True)
    ax = figures[0].axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["document-level bound"].get_xdata()) == [25088, 372672]
    assert list(lines["document-level bound"].get_ydata()) == [5.469, 5.440]
    assert list(lines["token-level bound"].get_ydata()) == [4.302, 4.261]
    assert list(lines["unigram, document level (6.000)"].get_ydata()) == [6.0, 6.0] and ax.get_xscale() == "log"


def test_comparison_refuses_too_few_or_foreign_runs(tmp_path):
    from genlab.report import render_lm_comparison, write_lm_comparison

    with pytest.raises(ValueError, match="at least 2 language-model certificates, got 1"):
        render_lm_comparison([lm_result(beats=True)])
    a, b = tmp_path / "a", tmp_path / "b"
    lm_run(a, beats=True)
    b.mkdir()
    with pytest.raises(FileNotFoundError, match="a completed `genlab certify-lm` run folder"):
        write_lm_comparison([a, b], tmp_path / "page.html")
    (b / "result.json").write_text(json.dumps({"dataset": "mnist", "error_bound": 0.24}))
    with pytest.raises(ValueError, match="is not a language-model certificate"):
        write_lm_comparison([a, b], tmp_path / "page.html")
    assert not (tmp_path / "page.html").exists()


def test_cli_report_compares_several_runs(tmp_path, stub_plots):
    from typer.testing import CliRunner

    from genlab.cli import app

    runner = CliRunner()
    for name in ("a", "b"):
        lm_run(tmp_path / name, beats=True)
    result = runner.invoke(app, ["report", str(tmp_path / "a"), str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "All certificates" in (tmp_path / "lm-comparison.html").read_text()
    result = runner.invoke(app, ["report", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 0 and (tmp_path / "x.html").is_file()
    result = runner.invoke(app, ["report", str(tmp_path / "a"), "--out", str(tmp_path / "y.html")])
    assert result.exit_code == 2 and "--out names the comparison page" in " ".join(result.output.split())
