"""`@record` behaves as `@dataclass(frozen=True)` (and `@record(frozen=False)` as `@dataclass`), case by case.

Each case builds the same class twice, once with the standard library's decorator and once with ours,
and holds every observable behaviour of ours to the standard library's.
"""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from dataclasses import FrozenInstanceError, InitVar, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from functions.records import record

ROOT = Path(__file__).resolve().parents[2]


def _pair(frozen: bool = True) -> tuple[type[Any], type[Any]]:
    """The same class body, decorated by the standard library and by us."""

    def body() -> dict[str, Any]:
        return {
            "__annotations__": {
                "id": "str",
                "count": "int",
                "tags": "list[str]",
                "secret": "str | None",
                "note": "str | None",
                "LIMIT": "ClassVar[int]",
            },
            "__module__": __name__,
            "tags": field(default_factory=list),
            "secret": field(default=None, repr=False),
            "note": None,
            "LIMIT": 10,
        }

    standard: type[Any] = dataclass(frozen=frozen)(type("Thing", (), body()))
    ours: type[Any] = record(type("Thing", (), body())) if frozen else record(frozen=False)(type("Thing", (), body()))
    return standard, ours


def _outcome(call: Any) -> Any:
    try:
        return ("ok", call())
    except Exception as exc:
        return ("raised", type(exc))


CALLS: dict[str, Any] = {
    "positional": lambda cls: cls("a", 1),
    "keywords": lambda cls: cls(id="a", count=1, note="n"),
    "mixed": lambda cls: cls("a", count=2, tags=["x"]),
    "every field positional": lambda cls: cls("a", 1, ["t"], "s", "n"),
    "missing": lambda cls: cls("a"),
    "too many": lambda cls: cls("a", 1, [], None, None, "extra"),
    "twice": lambda cls: cls("a", 1, id="b"),
    "unknown": lambda cls: cls("a", 1, colour="red"),
}


@pytest.mark.parametrize("frozen", [True, False])
@pytest.mark.parametrize("call", CALLS)
def test_construction_succeeds_and_fails_alike(call: str, frozen: bool) -> None:
    standard, ours = _pair(frozen)
    made_standard, made_ours = _outcome(lambda: CALLS[call](standard)), _outcome(lambda: CALLS[call](ours))
    assert made_standard[0] == made_ours[0]
    if made_standard[0] == "ok":
        assert asdict(made_standard[1]) == asdict(made_ours[1])
        assert repr(made_standard[1]) == repr(made_ours[1])
    else:
        assert made_standard[1] is made_ours[1] is TypeError


def test_repr_leaves_out_a_field_marked_repr_false() -> None:
    standard, ours = _pair()
    assert repr(ours("a", 1, secret="hunter2")) == repr(standard("a", 1, secret="hunter2"))
    assert "hunter2" not in repr(ours("a", 1, secret="hunter2"))


def test_equality_and_hash_follow_the_fields_and_the_class() -> None:
    standard, ours = _pair()
    assert ours("a", 1) == ours("a", 1)
    assert ours("a", 1) != ours("a", 2)
    for cls in (standard, ours):  # a list field compares, and makes the instance unhashable, in both
        with pytest.raises(TypeError):
            hash(cls("a", 1, ["t"]))
    assert {ours("a", 1, ()), ours("a", 1, ())} == {ours("a", 1, ())}
    assert hash(ours("a", 1, ())) == hash(standard("a", 1, ()))
    assert ours("a", 1) != standard("a", 1)  # another class, even with the same fields
    nan = float("nan")  # the same object in both: equal as the generated __eq__ has it
    assert (ours("a", nan) == ours("a", nan)) is (standard("a", nan) == standard("a", nan)) is True
    assert (ours("a", 1) == ("a", 1)) is (standard("a", 1) == ("a", 1)) is False


def test_a_frozen_record_refuses_assignment_and_deletion() -> None:
    standard, ours = _pair()
    for made in (standard("a", 1), ours("a", 1)):
        with pytest.raises(FrozenInstanceError):
            made.count = 2
        with pytest.raises(FrozenInstanceError):
            del made.count
        with pytest.raises(FrozenInstanceError):
            made.other = 1


def test_a_mutable_record_is_assignable_and_unhashable_as_a_dataclass() -> None:
    standard, ours = _pair(frozen=False)
    for made in (standard("a", 1), ours("a", 1)):
        made.count = 5
        assert made.count == 5
        with pytest.raises(TypeError):
            hash(made)


def test_default_factories_give_each_instance_its_own_value() -> None:
    _, ours = _pair()
    first, second = ours("a", 1), ours("b", 2)
    first.tags.append("x")
    assert second.tags == []


def test_replace_asdict_fields_pickle_and_match_work_as_on_a_dataclass() -> None:
    standard, ours = _pair()
    made = ours("a", 1, ["t"], "s")
    changed = replace(made, count=3)
    assert (changed.count, changed.tags, changed.secret, made.count) == (3, ["t"], "s", 1)
    assert asdict(made) == asdict(standard("a", 1, ["t"], "s"))
    names = ["id", "count", "tags", "secret", "note"]
    assert [f.name for f in fields(ours)] == [f.name for f in fields(standard)] == names
    assert ours.__match_args__ == standard.__match_args__
    assert ours.LIMIT == 10
    match made:
        case ours(matched_id, matched_count):
            assert (matched_id, matched_count) == ("a", 1)
    assert dataclasses.is_dataclass(made)


def test_post_init_runs_after_the_fields_are_set() -> None:
    @record
    class Checked:
        low: int
        high: int

        def __post_init__(self) -> None:
            if self.low > self.high:
                raise ValueError("low above high")

    assert Checked(1, 2).high == 2
    with pytest.raises(ValueError, match="low above high"):
        Checked(3, 2)


def test_options_it_does_not_reproduce_are_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="InitVar"):

        @record
        class WithInitVar:
            seed: InitVar[int]

    with pytest.raises(TypeError, match="init=False"):

        @record
        class WithoutInit:
            derived: int = field(init=False, default=0)

    @dataclass(frozen=True)
    class Base:
        id: str

    with pytest.raises(TypeError, match="inherit"):

        @record
        class Derived(Base):
            extra: int


def test_a_record_without_a_docstring_is_documented_by_its_fields() -> None:
    _, ours = _pair()
    assert ours.__doc__ == "Thing(id, count, tags, secret, note)"
    assert _Pickled.__doc__ == "_Pickled(id, values)"


def test_a_pickled_record_comes_back_equal() -> None:
    made = _Pickled("a", (1, 2))
    assert pickle.loads(pickle.dumps(made)) == made


@record
class _Pickled:
    id: str
    values: tuple[int, ...]
    UNUSED: ClassVar[str] = "class-level"


def test_the_functions_a_lambda_loads_define_no_compiled_dataclass() -> None:
    """Every dataclass of the functions (the local server's tools aside) is a record: see functions/records.py."""
    script = (
        "import dataclasses, importlib, pkgutil, sys, functions\n"
        "for m in pkgutil.walk_packages(functions.__path__, 'functions.'):\n"
        "    if not m.name.startswith('functions.local'):\n"
        "        importlib.import_module(m.name)\n"
        "plain = sorted(f'{v.__module__}.{v.__qualname__}' for n, mod in list(sys.modules.items())\n"
        "               if n.startswith('functions') for v in vars(mod).values()\n"
        "               if isinstance(v, type) and v.__module__ == n and dataclasses.is_dataclass(v)\n"
        "               and '__record_init__' not in vars(v))\n"
        "print(plain)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr[-2000:]
