"""The study contract's shared parts (docs/contract.md).

Every study's configuration is a frozen dataclass deriving from :class:`Config`: each field is
documented in the class docstring's ``Attributes:`` section (the command line's help text comes
from there, see :func:`field_docs`), checked in ``__post_init__`` with the checks below, and
round-trips through JSON with ``to_dict`` / ``from_dict``. Every study's result is a dataclass
deriving from :class:`Result`, which round-trips the same way.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from typing import Any

_ENTRY = re.compile(r"^(\w+(?:,\s*\w+)*):\s*(.*)$")


def field_docs(cls: type) -> dict[str, str]:
    """Field name -> its description, from the ``Attributes:`` section of ``cls``'s docstring
    (Google style: ``name: text`` or ``a, b: text`` at one indentation, continuation lines
    indented further)."""
    lines = (cls.__doc__ or "").splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Attributes:")
    except StopIteration:
        return {}
    docs: dict[str, str] = {}
    names: list[str] = []
    indent = None
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        indent = depth if indent is None else indent
        if depth < indent:
            break
        match = _ENTRY.match(line.strip()) if depth == indent else None
        if match:
            names = [n.strip() for n in match.group(1).split(",")]
            for name in names:
                docs[name] = match.group(2).strip()
        else:
            for name in names:
                docs[name] = f"{docs[name]} {line.strip()}"
    return docs


def strip_optional(tp):
    """``X`` from ``X | None`` (or ``Optional[X]``); any other type as it is."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _convert(tp, value):
    if value is None:
        return None
    tp = strip_optional(tp)
    if dataclasses.is_dataclass(tp) and isinstance(value, dict):
        return tp.from_dict(value) if hasattr(tp, "from_dict") else from_dict(tp, value)
    if typing.get_origin(tp) is tuple and isinstance(value, (list, tuple)):
        args = typing.get_args(tp)
        element = args[0] if len(args) == 2 and args[1] is Ellipsis else None
        return tuple(_convert(element, v) if element is not None else v for v in value)
    return value


def from_dict(cls: type, data: dict[str, Any]):
    """An instance of the dataclass ``cls`` from its ``to_dict`` form (JSON lists back to tuples,
    nested configs rebuilt); an unknown key is an error that names it."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {', '.join(unknown)}; its fields are {', '.join(sorted(names))}")
    hints = typing.get_type_hints(cls)
    return cls(**{k: _convert(hints[k], v) for k, v in data.items()})


class _JSONDataclass:
    """``to_dict`` (what JSON holds) and ``from_dict`` (read it back) for a dataclass."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict):
        return from_dict(cls, data)


class Config(_JSONDataclass):
    """Base of every study configuration (a frozen dataclass): JSON round trip and field docs."""

    @classmethod
    def field_docs(cls) -> dict[str, str]:
        return field_docs(cls)


class Result(_JSONDataclass):
    """Base of every study result (a dataclass): ``to_dict`` is what result.json holds."""


# ---------------------------------------------------------------- checks shared by the configs


def check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")


def check_choices(name: str, values, choices) -> tuple:
    """One or more distinct names from ``choices`` (a single string counts as one); returns them
    as a tuple, for a frozen config's ``object.__setattr__``."""
    values = (values,) if isinstance(values, str) else tuple(values)
    if not values or len(set(values)) != len(values):
        raise ValueError(f"{name} must be distinct names from {', '.join(choices)}, got {values}")
    for v in values:
        check_choice(name, v, choices)
    return values


def check_fraction(name: str, value, *, example: float | None = None) -> None:
    """``0 < value < 1`` (a probability such as delta, or a share)."""
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1):
        hint = f" (e.g. {example})" if example is not None else ""
        raise ValueError(f"{name} must lie strictly between 0 and 1{hint}, got {value!r}")


def check_int(name: str, value, minimum: int = 1) -> None:
    """An integer ``>= minimum``."""
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def check_positive(name: str, value, *, allow_zero: bool = False) -> None:
    """A finite number ``> 0`` (``>= 0`` with ``allow_zero``)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        raise ValueError(f"{name} must be a finite number {'>=' if allow_zero else '>'} 0, got {value!r}")
