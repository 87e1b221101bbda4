"""The documentation: the MkDocs site builds without a warning, the README stays short, every
`genlab` command the README and the docs show still parses, and no link leaves the repository."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer

import genlab.cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = [README, ROOT / "benchmarks" / "README.md", *sorted(DOCS.rglob("*.md"))]
MAX_README_LINES = 150


def test_mkdocs_build_strict(tmp_path):
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        pytest.importorskip(module, reason=f"the docs tools are not installed ({module} missing): pip install -e '.[dev]'")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # mkdocs-material's banner about MkDocs 2 (not a build warning)
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    assert "WARNING" not in done.stderr, done.stderr
    site = tmp_path / "site"
    for page in ("index.html", "bounds/index.html", "benchmarks/index.html", "api/certify/index.html"):
        assert (site / page).is_file(), f"{page} missing from the built site"
    # the lazily exported names are rendered (docs/griffe_genlab.py), not an empty package page
    api = (site / "api" / "certify" / "index.html").read_text()
    for name in ("genlab.certify.certify_classifier", "genlab.certify.CertifyConfig", "genlab.certify.LMCertifyResult"):
        assert f'id="{name}"' in api, f"{name} is not rendered in the API reference"
    # the benchmark tables that benchmarks/_common.py rewrites are on the site
    assert "bench:certify" in (site / "benchmarks" / "index.html").read_text()


def test_readme_is_short():
    lines = README.read_text().splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines (at most {MAX_README_LINES}): move detail to docs/ or benchmarks/README.md"


# ------------------------------------------------------------------ the commands shown still work


def _code(text: str) -> list[str]:
    """Shell lines of a Markdown text: fenced blocks that are not Python, indented blocks, and
    inline code spans; continuation lines (trailing backslash) joined."""
    lines, fence = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = None if fence is not None else (stripped[3:].strip() or "text")
            continue
        if fence is not None:
            if fence not in ("python", "py", "pycon"):
                lines.append(line)
        elif line.startswith("    ") and not re.match(r"([-*+]|\d+\.) |\|", stripped):  # not a nested list item or table row
            lines.append(line)
        else:
            lines += re.findall(r"`([^`\n]+)`", line)
    joined, pending = [], ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
        else:
            joined.append(pending + line)
            pending = ""
    return joined


def _invocations(text: str) -> list[list[str]]:
    """Every `genlab <command> ...` in the text's code, as tokens (comments dropped)."""
    found = []
    for line in _code(text):
        line = line.split(" #", 1)[0].strip().removeprefix("$ ")
        match = re.match(r"^(?:\.venv/bin/)?genlab\s+(.*)$", line)
        if match:
            found.append(shlex.split(match.group(1).replace("<", "").replace(">", "")))
    return found


def _commands() -> dict[str, set[str]]:
    """Command name -> every option string it accepts (``--quiet`` and ``--no-quiet`` alike)."""
    group = typer.main.get_command(genlab.cli.app)
    return {name: {opt for p in command.params for opt in [*p.opts, *getattr(p, "secondary_opts", [])]} | {"--help"}
            for name, command in group.commands.items()}


def test_the_command_parser_sees_the_readme_commands():
    found = _invocations(README.read_text())
    commands = {tokens[0] for tokens in found if tokens}
    assert {"certify", "certify-lm", "memorize", "memorize-text", "grok", "grok-sweep", "verify"} <= commands, commands


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_commands_shown_exist(page):
    commands = _commands()
    wrong = []
    for tokens in _invocations(page.read_text()):
        if not tokens or tokens[0].startswith("-"):
            continue
        name, rest = tokens[0], tokens[1:]
        if name not in commands:
            wrong.append(f"genlab {name}: no such command (commands: {', '.join(sorted(commands))})")
            continue
        for token in rest:
            flag = token.split("=", 1)[0]
            if flag.startswith("--") and flag not in commands[name]:
                wrong.append(f"genlab {name} {flag}: no such option (see genlab {name} --help)")
    assert not wrong, f"{page.relative_to(ROOT)} shows commands that do not parse:\n" + "\n".join(wrong)


# ------------------------------------------------------------------ links stay inside the repository

_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")  # [text](target "title")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)              # [label]: target
_SNIPPET = re.compile(r'^--8<--\s+"([^"]+)"', re.MULTILINE)                   # pymdownx.snippets include


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository(page):
    text = page.read_text()
    assert "../shared" not in text, f"{page.relative_to(ROOT)} refers to ../shared, outside the repository: the docs must stand alone"
    bad = []
    targets = [(t, page.parent) for t in _LINK.findall(text) + _REFERENCE.findall(text)] + [(t, ROOT) for t in _SNIPPET.findall(text)]
    for target, base in targets:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):  # https:, mailto:, an anchor on the page
            continue
        path = (base / target.split("#", 1)[0]).resolve()
        if target.startswith("/") or not path.is_relative_to(ROOT):
            bad.append(f"{target}: outside the repository")
        elif not path.exists():
            bad.append(f"{target}: no such file")
    assert not bad, f"{page.relative_to(ROOT)} has links that leave the repository or lead nowhere:\n" + "\n".join(bad)


def test_readme_layer_table_matches_architecture():
    def table(path: Path) -> dict[str, set[str]]:
        rows = [line.split("|") for line in path.read_text().splitlines() if line.startswith("| ") and "`genlab." in line]
        return {row[1].strip(): set(re.findall(r"`(genlab\.\w+)`", row[2])) for row in rows}

    assert table(README) == table(DOCS / "architecture.md"), "README.md's layer table differs from docs/architecture.md's (tests/test_layers.py checks that one)"
