"""The package's import graph against the layer table of docs/architecture.md: no upward import,
no cycle between packages, no reach into another package's private modules, and a light
``genlab.bounds``."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "genlab"


def layer_table() -> dict[str, int]:
    """package -> layer rank (0 = foundations, higher = further up), from the table's rows."""
    rows = [line for line in (ROOT / "docs" / "architecture.md").read_text().splitlines() if line.startswith("| ") and "`genlab." in line]
    ranks = {}
    for rank, row in enumerate(reversed(rows)):
        for package in re.findall(r"`genlab\.(\w+)`", row.split("|")[2]):
            ranks[package] = rank
    return ranks


def imports_of(path: Path) -> list[str]:
    """Every genlab module a file imports, at module level or inside functions."""
    module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base == "genlab":  # from genlab import bounds
                found += [f"genlab.{a.name}" for a in node.names]
            elif base.startswith("genlab."):
                found.append(base)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("genlab.")]
    return found


def edges() -> list[tuple[str, str, str]]:
    """(file, importing package, imported module) for imports that cross a package boundary."""
    out = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).parts
        if len(parts) == 1 and parts[0] == "__init__.py":
            continue  # the top level resolves its exports lazily (checked below)
        own = parts[0].removesuffix(".py")
        for target in imports_of(path):
            if target.split(".")[1] != own:
                out.append((str(path.relative_to(ROOT)), own, target))
    return out


def test_the_table_names_every_package():
    packages = {p.name for p in SOURCE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} | {p.stem for p in SOURCE.glob("*.py") if p.stem != "__init__"}
    missing = packages - set(layer_table())
    assert not missing, f"packages missing from docs/architecture.md's layer table: {sorted(missing)}"


def test_no_upward_import_and_reports_never_import_a_study():
    ranks = layer_table()
    studies = {p for p, r in ranks.items() if r == ranks["certify"]}
    bad = []
    for file, own, target in edges():
        other = target.split(".")[1]
        if ranks[other] > ranks[own]:
            bad.append(f"{file}: {own} (layer {ranks[own]}) imports {target} (layer {ranks[other]})")
        if own == "report" and other in studies:
            bad.append(f"{file}: the report imports the study {target}")
    assert not bad, "\n".join(bad)


def test_no_cycle_between_packages():
    graph: dict[str, set[str]] = {}
    for _, own, target in edges():
        graph.setdefault(own, set()).add(target.split(".")[1])

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    cycles = sorted(p for p in graph if p in reach(p))
    assert not cycles, f"packages on an import cycle: {cycles}"


def test_no_package_imports_another_packages_private_modules():
    bad = [f"{file}: {target}" for file, _, target in edges() if any(part.startswith("_") for part in target.split(".")[2:])]
    assert not bad, "\n".join(bad)


def test_the_checks_catch_a_planted_violation(tmp_path, monkeypatch):
    """The graph walk sees a function-level upward import and a private reach (so the tests above can fail)."""
    path = SOURCE / "data" / "_planted_for_test.py"
    path.write_text("def f():\n    from genlab.certify._language import x\n    from genlab import report\n")
    try:
        found = [(own, target) for file, own, target in edges() if file.endswith("_planted_for_test.py")]
    finally:
        path.unlink()
    assert found == [("data", "genlab.certify._language"), ("data", "genlab.report")]


@pytest.mark.parametrize("statement", ["import genlab.bounds", "import genlab", "from genlab.bounds import occam_bound, document_split_kl_bound"])
def test_light_imports_do_not_load_torch(statement):
    code = f"{statement}\nimport sys\nheavy = sorted(m for m in ('torch', 'ray', 'transformers') if m in sys.modules)\nassert not heavy, heavy"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_top_level_exposes_entry_points_configs_and_results():
    import genlab

    for name in genlab.__all__:
        value = getattr(genlab, name)
        assert callable(value), name
        assert name[0].isupper() == isinstance(value, type), name  # classes are configs and results
    classes = [n for n in genlab.__all__ if n[0].isupper()]
    assert all(n.endswith(("Config", "Result")) for n in classes), classes
