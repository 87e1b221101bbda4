"""The command line's options come from the config dataclasses (genlab.cli._options)."""

import dataclasses

import typer
from typer.testing import CliRunner

from genlab.cli._options import config_options
from genlab.config import Config, field_docs
from genlab.phenomena.grokking import GrokConfig


@dataclasses.dataclass(frozen=True)
class Example(Config):
    """A config made up for the test.

    Attributes:
        steps: optimizer steps.
        rate: a learning rate.
        name: what to call it.
        betas: two decay rates.
        stop_at: stop early (None: never).
        verbose: talk.
    """

    steps: int = 10
    rate: float = 0.1
    name: str = "x"
    betas: tuple[float, float] = (0.9, 0.99)
    stop_at: float | None = None
    verbose: bool = False


def _app(unset: bool):
    app = typer.Typer()
    seen = {}

    @app.command()
    @config_options(Example, unset=unset, exclude=("name",))
    def main(out: str = typer.Option("runs", help="where"), fields: dict | None = None) -> None:
        seen.update(fields, out=out)

    @app.command()
    def other() -> None:  # a second command, so that `main` is a subcommand
        pass

    return app, seen


def test_every_field_becomes_an_option_with_its_docstring_help():
    app, seen = _app(unset=False)
    result = CliRunner().invoke(app, ["main", "--help"], env={"COLUMNS": "200"})
    for name, doc in field_docs(Example).items():
        if name != "name":
            assert f"--{name.replace('_', '-')}" in result.output and doc in result.output, name
    assert "--name" not in result.output  # excluded


def test_values_are_typed_and_defaults_are_the_configs():
    app, seen = _app(unset=False)
    result = CliRunner().invoke(app, ["main", "--steps", "7", "--betas", "0.5,0.6", "--verbose"])
    assert result.exit_code == 0, result.output
    assert Example(**{k: v for k, v in seen.items() if k != "out"}) == Example(steps=7, betas=(0.5, 0.6), verbose=True)
    assert seen["out"] == "runs" and seen["rate"] == 0.1 and seen["stop_at"] is None


def test_unset_passes_only_the_options_given():
    app, seen = _app(unset=True)
    assert CliRunner().invoke(app, ["main", "--rate", "0.5", "--out", "elsewhere"]).exit_code == 0
    assert seen == {"rate": 0.5, "out": "elsewhere"}


def test_a_bad_tuple_is_a_clear_error():
    app, _ = _app(unset=False)
    result = CliRunner().invoke(app, ["main", "--betas", "0.5,abc"])
    assert result.exit_code != 0 and "comma-separated" in result.output


def test_genlab_grok_offers_every_grok_config_field():
    from genlab.cli import app

    result = CliRunner().invoke(app, ["grok", "--help"], env={"COLUMNS": "300"})
    missing = [f.name for f in dataclasses.fields(GrokConfig) if f"--{f.name.replace('_', '-')}" not in result.output]
    assert result.exit_code == 0 and not missing, missing
