"""Items read from DynamoDB: every attribute value as boto3's TypeDeserializer reads it, numbers made plain.

`from_item` reads the common types itself (functions/data/aws.py says why); boto3's reading, with
each Decimal turned into the int or float it equals, is the reference it must match exactly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer
from hypothesis import given
from hypothesis import strategies as st

from functions.data.aws import from_item


def _reference(value: dict[str, Any]) -> Any:
    def plain(read: Any) -> Any:
        if isinstance(read, Decimal):
            return int(read) if read == read.to_integral_value() else float(read)
        if isinstance(read, list):
            return [plain(v) for v in read]
        if isinstance(read, dict):
            return {k: plain(v) for k, v in read.items()}
        return read

    return plain(TypeDeserializer().deserialize(value))  # type: ignore[arg-type]  # shapes the stubs leave out too


def _typed(value: Any) -> Any:
    """The value with the type of every part spelled out: True == 1 == 1.0, but they answer differently."""
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, set | frozenset):
        return ("set", sorted(repr(_typed(v)) for v in value))
    return (type(value).__name__, repr(value))


def _outcome(read: Any) -> Any:
    try:
        return _typed(read())
    except Exception as exc:  # the failure itself is what is compared
        return ("raises", type(exc).__name__)


digits = st.text(alphabet="0123456789", min_size=1, max_size=45)
numbers = st.one_of(
    digits,
    digits.map(lambda d: "-" + d),
    st.builds(lambda i, f: f"{i}.{f}", digits, digits),
    st.builds(lambda m, e: f"{m}E{e}", digits, st.integers(-140, 140)),
    st.sampled_from(["0", "-0", "0.0", "1E+2", "1e2", "+7", "", "-", " 5", "1_000", "NaN", "Infinity", "٣", "²"]),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
scalars = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=20)),
    st.builds(lambda n: {"N": n}, numbers),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda b: {"B": b}, st.binary(max_size=8)),
    st.builds(lambda s: {"SS": s}, st.lists(st.text(max_size=5), min_size=1, max_size=3, unique=True)),
    st.builds(lambda n: {"NS": n}, st.lists(numbers, min_size=1, max_size=3, unique=True)),
    # Shapes DynamoDB never sends, read as boto3 reads them (or refused as boto3 refuses them).
    st.sampled_from([{}, {"s": "lower-case type"}, {"S": "two", "N": "1"}, {"X": 1}]),
)
attribute_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=4)),
        st.builds(lambda members: {"M": members}, st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    ),
    max_leaves=12,
)


@given(attribute_values)
def test_every_value_reads_as_boto3_reads_it(value: dict[str, Any]) -> None:
    ours, boto3s = _outcome(lambda: from_item({"a": value})["a"]), _outcome(lambda: _reference(value))
    if (
        isinstance(ours, tuple)
        and isinstance(boto3s, tuple)
        and ours[0] == boto3s[0] == "raises"
        and _bad_parts(value) > 1
    ):
        # Two refusable parts (`{"M": {"": {"N": "Infinity"}, "0": {}}}`): which one is met first, and so
        # which error, depends on the order each reader walks the map in; refusing is what must agree.
        return
    assert ours == boto3s


def _bad_parts(value: Any) -> int:
    """How many leaves of the value boto3 refuses on their own."""
    if isinstance(value, dict) and len(value) == 1 and ("L" in value or "M" in value):
        inner: list[Any] = value["L"] if "L" in value else list(value["M"].values())
        return sum(_bad_parts(part) for part in inner)
    return (
        1
        if isinstance(_outcome(lambda: _reference(value)), tuple) and _outcome(lambda: _reference(value))[0] == "raises"
        else 0
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("-7", -7),
        ("007", 7),
        ("-0", 0),
        ("1E+2", 100),
        ("2.50", 2.5),
        ("0.1", 0.1),
        ("9" * 38, int("9" * 38)),
        ("-" + "9" * 38, -int("9" * 38)),
    ],
)
def test_numbers_read_as_the_int_or_float_they_equal(text: str, expected: int | float) -> None:
    read = from_item({"n": {"N": text}})["n"]
    assert (type(read), read) == (type(expected), expected)


def test_a_number_dynamodb_could_not_hold_is_refused_as_boto3_refuses_it() -> None:
    with pytest.raises(Exception) as ours:
        from_item({"n": {"N": "1" * 39}})
    with pytest.raises(Exception) as boto3s:
        TypeDeserializer().deserialize({"N": "1" * 39})
    assert type(ours.value) is type(boto3s.value)


def test_an_item_of_every_kind_reads_back_plain() -> None:
    item = {
        "id": {"S": "iv_1"},
        "charged": {"BOOL": True},
        "credits": {"N": "3"},
        "score": {"N": "4.5"},
        "startedAt": {"NULL": True},
        "record": {"M": {"status": {"S": "READY"}, "scores": {"L": [{"N": "1"}, {"N": "0.5"}]}}},
        "tags": {"SS": ["a"]},
        "blob": {"B": b"\x00"},
    }
    assert from_item(item) == {
        "id": "iv_1",
        "charged": True,
        "credits": 3,
        "score": 4.5,
        "startedAt": None,
        "record": {"status": "READY", "scores": [1, 0.5]},
        "tags": {"a"},
        "blob": Binary(b"\x00"),
    }
