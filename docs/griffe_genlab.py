"""A griffe extension for the API reference (mkdocs.yml loads it; it is not part of genlab).

genlab's packages export their public names lazily (``genlab._lazy.lazy_exports``, PEP 562):

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {"_config": ("CertifyConfig", ...), ...})

and the top-level ``genlab`` maps each entry point to its package in ``_EXPORTS``. griffe reads
source statically, so it sees neither those names nor ``__all__``. This extension reads the same
literal mappings from the ``__init__.py`` files and gives each package an alias per exported
name and its ``__all__``: ``::: genlab.certify`` then renders exactly the public names, from the
private modules that define them. Nothing is imported.

It also reads a Google-style ``Example:`` section (singular, as genlab's docstrings write it) as
``Examples:``, so that doctests render as code instead of Markdown (where ``[1, 3]`` would read
as a link).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)


def _literal_exports(source: str) -> tuple[dict[str, str], list[str]]:
    """(exported name -> the object path it stands for, relative or absolute; extra names that
    are in ``__all__`` but defined in the ``__init__`` itself) from an ``__init__.py``'s source."""
    targets: dict[str, str] = {}
    extra: list[str] = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign):
            continue
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        tuples = [e.id for t in node.targets if isinstance(t, ast.Tuple) for e in t.elts if isinstance(e, ast.Name)]
        value = node.value
        if "__all__" in tuples and isinstance(value, ast.Call) and getattr(value.func, "id", None) == "lazy_exports" and len(value.args) == 2:
            mapping = ast.literal_eval(value.args[1])  # {"_config": ("CertifyConfig", ...)}
            targets.update({name: f".{module}.{name}" for module, exported in mapping.items() for name in exported})
        elif "_EXPORTS" in names and isinstance(value, ast.Dict):  # the top-level genlab: {name: (module, attribute)}
            targets.update({name: f"{module}.{attribute}" for name, (module, attribute) in ast.literal_eval(value).items()})
        elif "__all__" in names and targets:  # __all__ = sorted([*__all__, "PROJECTOR_NAMES"])
            extra += [c.value for c in ast.walk(value) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
    return targets, extra


def _modules(module: griffe.Module):
    yield module
    for member in module.members.values():
        if not member.is_alias and member.is_module:
            yield from _modules(member)


class LazyExports(griffe.Extension):
    """Aliases and ``__all__`` for packages that export lazily; ``Example:`` read as ``Examples:``."""

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        for module in _modules(pkg):
            path = module.filepath
            if not isinstance(path, Path) or path.name != "__init__.py":
                continue
            targets, extra = _literal_exports(path.read_text())
            if not targets:
                continue
            for name, target in targets.items():
                absolute = f"{module.path}{target}" if target.startswith(".") else target
                module.set_member(name, griffe.Alias(name, absolute, parent=module))
            module.exports = sorted({*targets, *extra})

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None and "Example:" in obj.docstring.value:
            obj.docstring.value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
