"""Light installs: Ray and the Hugging Face stack are extras; a feature that needs a missing one
says which extra to install."""

import sys
import tomllib
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


def test_the_core_dependencies_leave_out_the_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {d.split(">")[0].split("=")[0].split("<")[0].strip() for d in project["dependencies"]}
    assert not core & {"ray", "transformers", "gguf", "accelerate", "pytest", "selenium"}
    assert set(project["optional-dependencies"]) >= {"ray", "hf", "dev"}
    assert "'.[ray,hf,dev]'" in (ROOT / "scripts" / "setup.sh").read_text()  # make setup installs all


def _square(task: dict, shared=None) -> dict:
    return {"y": torch.tensor(task["x"] ** 2)}


def test_a_sweep_without_ray_names_the_extra_and_runs_in_process_with_workers_0(tmp_path, monkeypatch):
    from genlab.sweep import run_sweep

    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    with pytest.raises(ImportError, match=r"pip install 'genlab\[ray\]'"):
        run_sweep(_square, [{"x": 2}, {"x": 3}], tmp_path / "a", workers=2, progress=False)
    results = run_sweep(_square, [{"x": 2}, {"x": 3}], tmp_path / "b", workers=0, progress=False)
    assert [int(r["y"]) for r in results] == [4, 9]


def test_the_memorize_command_without_ray_says_what_to_install(tmp_path, monkeypatch):
    from genlab.cli import app

    monkeypatch.setitem(sys.modules, "ray", None)
    result = CliRunner().invoke(app, ["memorize", "--dataset", "digits", "--train-size", "200", "--models", "4", "--epochs", "0.1", "--canaries", "4",
                                      "--workers", "2", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 2 and "genlab[ray]" in result.output, result.output


def test_a_gpt_without_transformers_names_the_extra(monkeypatch):
    from genlab.models import GPTConfig, build_gpt

    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ImportError, match=r"genlab\[hf\]"):
        build_gpt(GPTConfig("gpt-pico", vocab_size=257, context=16))
