"""The command line end to end on a tiny subset: certify -> runs -> verify (and tampering)."""

import hashlib
import json

import pytest
from typer.testing import CliRunner

from genlab.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def certified(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    args = ["certify", "--dataset", "digits", "--model", "cnn", "--width", "8", "--dims", "60,120", "--levels", "3,5",
            "--epochs", "8", "--qat-epochs", "4", "--train-size", "800", "--quiet", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return out, folder


def test_certify_writes_a_complete_certificate(certified):
    out, folder = certified
    result = json.loads((folder / "result.json").read_text())
    for key in ("dataset", "model", "prior", "n_bound", "train_error", "test_error", "bits_total", "bits", "delta", "bound",
                "error_bound", "subspace_dim", "levels", "wall_seconds"):
        assert key in result
    assert result["n_bound"] == 800 and result["prior"] == "data-independent" and result["bound"] == "occam-kl"
    assert result["bits_total"] == 8 * (folder / "model.code").stat().st_size
    assert result["train_error"] <= result["error_bound"] <= 1
    assert result["grid_size"] == 4 and result["bits"]["hyperparameters"] == 2
    assert result["error_bound"] == min(c["error_bound"] for c in result["candidates"])
    assert (folder / "report.html").is_file()


def test_runs_lists_it(certified):
    out, folder = certified
    result = runner.invoke(app, ["runs", "--out", str(out)])
    assert result.exit_code == 0 and folder.name in result.output and "complete" in result.output


def test_verify_passes_on_a_fresh_certificate(certified):
    _, folder = certified
    result = runner.invoke(app, ["verify", str(folder)])
    assert result.exit_code == 0, result.output
    assert "certificate verified" in result.output and "FAILED" not in result.output


def _tampered(folder, tmp_path, edit):
    import shutil

    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    edit(copy)
    return runner.invoke(app, ["verify", str(copy)])


def _edit_result(key, change):
    def edit(folder):
        path = folder / "result.json"
        data = json.loads(path.read_text())
        data[key] = change(data[key])
        path.write_text(json.dumps(data))
    return edit


@pytest.mark.parametrize("name,edit,failed_check", [
    ("bit count", _edit_result("bits_total", lambda b: b - 8), "bit count"),
    ("train errors", _edit_result("train_errors", lambda e: e - 1), "train errors"),
    ("error bound", _edit_result("error_bound", lambda b: b - 0.01), "bound from the recorded fields"),
])
def test_verify_fails_on_an_edited_certificate(certified, tmp_path, name, edit, failed_check):
    result = _tampered(certified[1], tmp_path, edit)
    assert result.exit_code == 1, result.output
    assert "does NOT verify" in result.output
    assert any(failed_check in line and "FAILED" in line for line in result.output.splitlines()), result.output


def _flip(position, rehash=False):
    def edit(folder):
        data = bytearray((folder / "model.code").read_bytes())
        data[position(len(data))] ^= 0x10
        (folder / "model.code").write_bytes(bytes(data))
        if rehash:  # the tamperer also records the new file's hash
            _edit_result("code_sha256", lambda _: hashlib.sha256(bytes(data)).hexdigest())(folder)
    return edit


def test_verify_fails_on_an_edited_code_file(certified, tmp_path):
    result = _tampered(certified[1], tmp_path / "tail", _flip(lambda n: n - 3))
    assert result.exit_code == 1
    assert any("code file hash" in line and "FAILED" in line for line in result.output.splitlines()), result.output


def test_verify_rebuilds_the_model_so_a_rehashed_edit_of_its_code_still_fails(certified, tmp_path):
    """A bit flipped mid-file and the recorded hash updated to match: the hash check passes, but
    the model decoded from the edited bits is another model, and its train and test error counts
    are not the recorded ones."""
    import genlab.recipes

    folder = certified[1]
    result = _tampered(folder, tmp_path, _flip(lambda n: n // 2, rehash=True))
    assert result.exit_code == 1 and "does NOT verify" in result.output, result.output
    report = genlab.recipes.verify(tmp_path / folder.name)
    failed = {c.name for c in report.checks if not c.ok}
    assert "code file hash" not in failed and "bit count = code file size" not in failed
    assert {"train errors of the decoded model", "test errors of the decoded model"} <= failed, failed


@pytest.mark.parametrize("args,message", [
    (["--dataset", "imagenet"], "available: digits, fashion-mnist, mnist, mnist1d"),
    (["--delta", "0"], "delta must lie strictly between 0 and 1"),
    (["--delta", "1.5"], "delta must lie strictly between 0 and 1"),
    (["--model", "resnet"], "unknown model"),
    (["--dims", "a,b"], "comma-separated integers"),
    (["--prior", "magic"], "prior must be one of"),
    (["--projector", "dense"], "projector must be one of"),
])
def test_bad_input_is_a_clear_error(tmp_path, args, message):
    result = runner.invoke(app, ["certify", "--dataset", "digits", "--quiet", "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_nan_loss_fails_the_run_cleanly(tmp_path):
    result = runner.invoke(app, ["certify", "--dataset", "digits", "--lr", "1e30", "--dims", "50", "--levels", "3",
                                 "--epochs", "1", "--quiet", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "loss became" in result.output
    from genlab.store import RunStore

    (row,) = RunStore(tmp_path).runs()
    assert row["status"] == "failed" and "loss became" in row["error"]


def test_ctrl_c_marks_the_run_failed(tmp_path, monkeypatch):
    import genlab.certify._classifier as classifier

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(classifier, "_candidate", interrupt)
    result = runner.invoke(app, ["certify", "--dataset", "digits", "--dims", "50", "--levels", "3", "--epochs", "1",
                                 "--quiet", "--out", str(tmp_path)])
    assert result.exit_code == 130 and "interrupted" in result.output
    from genlab.store import RunStore

    (row,) = RunStore(tmp_path).runs()
    assert row["status"] == "failed" and "interrupted" in row["error"]
    folder = tmp_path / row["id"]
    assert not (folder / "result.json").exists() and not [p for p in folder.iterdir() if ".tmp-" in p.name]


def test_an_interrupted_run_resumes_keeping_finished_grid_points(tmp_path, monkeypatch):
    import genlab.certify._classifier as classifier
    from genlab.store import RunStore

    real, calls = classifier._candidate, []

    def interrupt_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(classifier, "_candidate", interrupt_second)
    args = ["certify", "--dataset", "digits", "--width", "8", "--dims", "60", "--levels", "3,5", "--epochs", "4",
            "--train-size", "600", "--quiet", "--out", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 130
    (row,) = RunStore(tmp_path).runs()
    folder = tmp_path / row["id"]
    first = (folder / "candidate-0.json").read_text()
    assert not (folder / "candidate-1.json").exists()

    monkeypatch.setattr(classifier, "_candidate", real)
    result = runner.invoke(app, ["certify", "--resume", row["id"], "--quiet", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (row,) = RunStore(tmp_path).runs()
    assert row["status"] == "complete"
    assert (folder / "candidate-0.json").read_text() == first and (folder / "candidate-1.json").exists()
    assert runner.invoke(app, ["verify", str(folder)]).exit_code == 0
    assert "already complete" in runner.invoke(app, ["certify", "--resume", row["id"], "--out", str(tmp_path)]).output


def test_certify_lm_on_a_few_bible_verses(tmp_path):
    result = runner.invoke(app, ["certify-lm", "--corpus", "bible", "--max-documents", "300", "--dim", "200", "--quiet", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "document/loss" in text and "token/top100" in text and "best baseline bound" in text
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    saved = json.loads((folder / "result.json").read_text())
    assert saved["corpus"] == "bible" and saved["n_documents"] == 300 and saved["subspace_dim"] == 200
    assert (folder / "report.html").is_file() and (folder / "model.code").stat().st_size * 8 == saved["bits_total"]
    listing = runner.invoke(app, ["runs", "--out", str(tmp_path)])
    assert "complete" in listing.output and "bible" in listing.output
    checked = runner.invoke(app, ["verify", str(folder)])  # the built-in run re-derived from its folder alone
    assert checked.exit_code == 0 and "certificate verified" in checked.output, checked.output
    saved["bounds"]["token/loss"]["empirical"] -= 0.01
    (folder / "result.json").write_text(json.dumps(saved))
    tampered = runner.invoke(app, ["verify", str(folder)])
    assert tampered.exit_code == 1 and "does NOT verify" in tampered.output


@pytest.mark.parametrize("args,message", [
    (["--corpus", "shakespeare"], "available"),
    (["--bound", "magic"], "bound must be one of document, token-level"),
    (["--document-bound", "chernoff"], "document_bound must be one of split-kl, bernstein, hoeffding"),
    (["--method", "full"], "method must be one of"),
    (["--model", "gpt-huge"], "unknown model size"),
    (["--tokenizer", "bpe"], "vocab_size"),
])
def test_certify_lm_bad_input_is_a_clear_error(tmp_path, args, message):
    result = runner.invoke(app, ["certify-lm", "--corpus", "bible", "--max-documents", "50", "--quiet", "--out", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_certificates_of_the_older_categorical_coder_still_verify(tmp_path):
    """Certificates written before the coder was an option carry no "coder" (nor "code_format")
    field: they were coded with the categorical model in format 1, which verify must then use."""
    args = ["certify", "--dataset", "digits", "--model", "cnn", "--width", "8", "--dims", "60", "--levels", "3", "--epochs", "4", "--qat-epochs", "2",
            "--train-size", "400", "--coder", "categorical", "--code-format", "1", "--quiet", "--out", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    for name in ("config.json", "result.json"):
        data = json.loads((folder / name).read_text())
        config = data["certify"] if name == "config.json" else data["config"]
        assert config.pop("coder") == "categorical" and config.pop("code_format") == 1
        (folder / name).write_text(json.dumps(data))
    result = runner.invoke(app, ["verify", str(folder)])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(app, ["certify", "--dataset", "digits", "--coder", "huffman", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "coder must be one of" in bad.output
    bad = runner.invoke(app, ["certify", "--dataset", "digits", "--code-format", "3", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "code_format must be one of" in bad.output


def test_a_bpe_certify_lm_run_verifies_from_its_folder(tmp_path):
    # The tokenizer is rebuilt from its paid bits (tokenizer.code), not from the data.
    made = runner.invoke(app, ["certify-lm", "--corpus", "bible", "--max-documents", "300", "--dim", "100", "--tokenizer", "bpe", "--vocab", "300",
                               "--quiet", "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert (folder / "tokenizer.code").is_file()
    checked = runner.invoke(app, ["verify", str(folder)])
    assert checked.exit_code == 0 and "tokenizer decoded from its paid bits" in " ".join(checked.output.split()), checked.output
