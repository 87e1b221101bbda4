"""Package exports that load their module on first use (PEP 562), so that importing a package
for its configuration, or ``genlab.bounds`` alone, does not import torch; and optional
dependencies (the extras ``genlab[ray]`` and ``genlab[hf]``) imported with a clear error."""

from __future__ import annotations

import importlib


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]):
    """``(__getattr__, __dir__, __all__)`` for ``package`` whose public names live in its
    submodules: ``exports`` maps a submodule (``"_config"``) to the names it defines."""
    where = {name: module for module, names in exports.items() for name in names}
    names = sorted(where)

    def __getattr__(name: str):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__() -> list[str]:
        return names

    return __getattr__, __dir__, names


EXTRAS = {"ray": "ray", "transformers": "hf", "gguf": "hf"}


def require(module: str, feature: str):
    """Import the optional dependency ``module``, or fail with what to install: the extra of
    genlab that brings it (``EXTRAS``)."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(f"{feature} needs the optional dependency {module!r}, which is not installed: pip install 'genlab[{EXTRAS[module]}]' "
                          "(make setup installs every extra)") from e
