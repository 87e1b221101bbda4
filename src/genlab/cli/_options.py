"""Typer options made from a config dataclass: every field becomes ``--field-name`` with the help
text its ``Attributes:`` docstring gives it, so a new config field reaches the command line
without being retyped."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from typing import Optional

import typer

from genlab.config import field_docs, strip_optional

_SCALARS = (int, float, str, bool)


def _tuple_element(tp):
    """The element type of ``tuple[T, ...]`` or ``tuple[T, T]``, else None."""
    if typing.get_origin(tp) is not tuple:
        return None
    args = [a for a in typing.get_args(tp) if a is not Ellipsis]
    return args[0] if args and all(a is args[0] for a in args) and args[0] in (int, float, str) else None


def config_fields(cls, exclude=()) -> list[tuple[dataclasses.Field, type, type | None]]:
    """(field, scalar type, tuple element type or None) of every field the command line can set:
    numbers, strings, booleans, and tuples of numbers or strings (written comma-separated)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if f.name in exclude:
            continue
        base = strip_optional(hints[f.name])
        element = _tuple_element(base)
        if base in _SCALARS or element is not None:
            out.append((f, base, element))
    return out


def _default(f: dataclasses.Field):
    value = f.default if f.default is not dataclasses.MISSING else f.default_factory() if f.default_factory is not dataclasses.MISSING else None
    return ",".join(map(str, value)) if isinstance(value, tuple) else value


def parse_tuple(text: str, element: type, flag: str, example: str = "0.3,1,3") -> tuple:
    """``"a,b,c"`` -> a tuple of ``element``; a clear error naming ``flag`` otherwise."""
    try:
        values = tuple(element(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise typer.BadParameter(f"{flag} takes comma-separated {'integers' if element is int else 'numbers'}, e.g. {example} (got {text!r})") from None
    if not values:
        raise typer.BadParameter(f"{flag} needs at least one value")
    return values


def config_options(cls, *, exclude=(), unset: bool = False):
    """Decorate a Typer command so that it also takes ``cls``'s fields as options, and receives
    the ones given as a dict in its keyword ``fields``.

    Args:
        cls: a config dataclass (genlab.config.Config).
        exclude: fields the command sets itself (or does not offer).
        unset: every option defaults to unset (None) and only the options given reach
            ``fields`` (for commands that overlay them on a recipe); otherwise every field is
            passed, with the config's own default.
    """
    docs = field_docs(cls)
    settable = config_fields(cls, exclude)

    def decorate(command):
        signature = inspect.signature(command)
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values() if p.name != "fields"]
        taken = {p.name for p in own}
        extra, annotations = [], {}
        for f, base, element in settable:
            if f.name in taken:
                continue
            kind = str if element is not None else base
            default = None if unset else _default(f)
            help_text = docs.get(f.name, "") + (" [default: the recipe's]" if unset else "")
            annotation = Optional[kind] if (unset or default is None) else kind
            option = typer.Option(default, f"--{f.name.replace('_', '-')}" + (f"/--no-{f.name.replace('_', '-')}" if base is bool else ""), help=help_text,
                                  show_default=not unset)
            extra.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation))
            annotations[f.name] = annotation
        names = {f.name: element for f, _, element in settable if f.name in annotations}

        @functools.wraps(command)
        def wrapper(**kwargs):
            given = {}
            for name, element in names.items():
                value = kwargs.pop(name)
                if value is None and unset:
                    continue
                if element is not None and isinstance(value, str):  # an empty default (no values) stays empty
                    value = () if value == "" else parse_tuple(value, element, f"--{name.replace('_', '-')}")
                given[name] = value
            return command(**kwargs, fields=given)

        wrapper.__signature__ = signature.replace(parameters=[*extra, *own])
        wrapper.__annotations__ = {**{k: v for k, v in typing.get_type_hints(command).items() if k != "fields"}, **annotations}
        return wrapper

    return decorate
