"""`@record`: a dataclass (frozen unless told otherwise) whose methods are shared functions, not generated code.

Why not plain `@dataclass(frozen=True)`: Python 3.12 writes each dataclass's `__init__`, `__repr__`,
`__eq__`, `__hash__`, `__setattr__` and `__delattr__` as source text and compiles each one: about 0.65 ms a
class, and a route's cold start defines 20-35 of them (our entities, data and domain values), 15-22 ms of
the 28 ms the routes' own code may cost a cold start (bench/report.md; docs/decisions.md, 31). Python 3.13
compiles them in one go, which is still a compile per class.

So `dataclasses.dataclass` still does everything but write those methods: it reads the fields (defaults,
`field(default_factory=...)`, `field(repr=False)`...) and sets `__dataclass_fields__` and `__match_args__`,
so `dataclasses.replace`, `asdict`, `fields` and pattern matching work as on any dataclass. The six methods
are the functions below, shared by every record, reading each class's fields from one tuple. They do what
the generated ones do (tests/unit/test_records.py holds them to the stdlib's, case by case), for the field
options this codebase uses: no `InitVar`, no `kw_only`, no `init=False` field, no inheritance between
records (each refused at class creation, so that nothing silently differs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, dataclass_transform, overload

_MISSING = dataclasses.MISSING
_set = object.__setattr__


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    spec: tuple[tuple[str, Any, Any], ...] = self.__record_init__
    if len(args) > len(spec):
        raise TypeError(f"{type(self).__qualname__}() takes {len(spec)} arguments but {len(args)} were given")
    for position, (name, default, factory) in enumerate(spec):
        if position < len(args):
            if name in kwargs:
                raise TypeError(f"{type(self).__qualname__}() got multiple values for argument {name!r}")
            value = args[position]
        elif name in kwargs:
            value = kwargs.pop(name)
        elif default is not _MISSING:
            value = default
        elif factory is not _MISSING:
            value = factory()
        else:
            raise TypeError(f"{type(self).__qualname__}() missing required argument: {name!r}")
        _set(self, name, value)
    if kwargs:
        raise TypeError(f"{type(self).__qualname__}() got an unexpected keyword argument {next(iter(kwargs))!r}")
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init()


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    # Tuples, as the generated __eq__ compares: an element is equal to itself even where == says no (NaN).
    names = self.__record_compare__
    return tuple(getattr(self, name) for name in names) == tuple(getattr(other, name) for name in names)


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, name) for name in self.__record_hash__))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _make[T](cls: type[T], frozen: bool) -> type[T]:
    if any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__qualname__}: a record cannot inherit from a dataclass")
    # dataclass gives a class without a docstring one from inspect.signature(cls), which for a class without
    # a generated __init__ parses object's text signature (0.15 ms a class): a placeholder, then the fields.
    undocumented = not cls.__doc__
    if undocumented:
        cls.__doc__ = cls.__name__
    made = dataclasses.dataclass(cls, init=False, repr=False, eq=False, frozen=False)
    every = [f for f in made.__dataclass_fields__.values() if f._field_type is not dataclasses._FIELD_CLASSVAR]  # type: ignore[attr-defined]
    for found in every:
        if found._field_type is dataclasses._FIELD_INITVAR or found.kw_only is True or not found.init:  # type: ignore[attr-defined]
            raise TypeError(f"{cls.__qualname__}.{found.name}: InitVar, kw_only and init=False are not supported")
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    made.__record_init__ = tuple((f.name, f.default, f.default_factory) for f in fields)  # type: ignore[attr-defined]
    made.__record_repr__ = tuple(f.name for f in fields if f.repr)  # type: ignore[attr-defined]
    made.__record_compare__ = tuple(f.name for f in fields if f.compare)  # type: ignore[attr-defined]
    made.__record_hash__ = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))  # type: ignore[attr-defined]
    if undocumented:
        made.__doc__ = f"{cls.__name__}({', '.join(f.name for f in fields)})"
    made.__init__ = _init  # type: ignore[method-assign]
    made.__repr__ = _repr  # type: ignore[method-assign]
    made.__eq__ = _eq  # type: ignore[method-assign]
    if frozen:
        made.__hash__ = _hash  # type: ignore[method-assign]
        made.__setattr__ = _frozen_setattr  # type: ignore[method-assign]
        made.__delattr__ = _frozen_delattr  # type: ignore[method-assign]
    else:
        made.__hash__ = None  # type: ignore[method-assign,assignment]  # as a dataclass with eq and not frozen
    return made


@overload
def record[T](cls: type[T], /) -> type[T]: ...


@overload
def record[T](*, frozen: bool = True) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record[T](cls: type[T] | None = None, /, *, frozen: bool = True) -> type[T] | Callable[[type[T]], type[T]]:
    """`@record` (frozen) or `@record(frozen=False)`: as `@dataclass(frozen=True)` / `@dataclass`."""
    if cls is None:
        return lambda undecorated: _make(undecorated, frozen)
    return _make(cls, frozen)
