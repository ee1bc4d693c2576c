"""Every route of the route table, as a new container, makes the AWS calls the cold-start bench counts.

bench/coldstart.record_calls records a route's calls on its bench request and data (bench/coldstart.Setup),
the very calls its per-route bound replays, and refuses a count other than bench/calls.TARGETS's; without
this test a route whose calls change would break only at `make bench`.
"""

from __future__ import annotations

from bench import coldstart
from bench.calls import TARGETS
from functions.domain import credits


def test_every_route_records_the_calls_the_bench_counts(moto_aws: None) -> None:
    setup = coldstart.Setup(1, 1)
    recorded = {name: coldstart.record_calls(name, setup.event(name)) for name in coldstart.ROUTE_NAMES}
    assert set(recorded) == set(TARGETS)
    # Authentication first: the token's UpdateItem, or the room token's GetItem on the room's routes.
    for name, calls in recorded.items():
        first = (calls[0]["service"], calls[0]["operation"])
        assert first in (("dynamodb", "UpdateItem"), ("dynamodb", "GetItem")), (name, first)


def test_the_cold_start_owner_has_a_credit_left_for_every_create_request_at_any_size(moto_aws: None) -> None:
    """Setup makes an interview to delete, to start and to finish per request slot, and the create route
    debits one more per slot: the owner's credits left after Setup must grow by at least one per slot,
    or a large enough `make bench` (the default 16 rounds x its variants) runs out mid-setup."""
    left = {slots: credits.balance(coldstart.Setup(slots, 1).owner.user_id) for slots in (1, 2)}
    assert left[1] >= 1
    assert left[2] - left[1] >= 1, left


def test_a_route_that_calls_after_a_write_gives_its_bound_those_calls_too(moto_aws: None) -> None:
    """finish_room reads the recording's key (S3) after the write that finished the interview: the bound
    makes that call as well, expecting the answer the route had (no recording: NoSuchKey)."""
    setup = coldstart.Setup(1, 2)  # two interviews to finish
    held = coldstart.record_calls("finish_room", setup.event("finish_room"))
    complete = held + coldstart.calls_after_held_write("finish_room", held, lambda: setup.event("finish_room"))
    assert [(c["service"], c["operation"]) for c in complete] == [
        ("dynamodb", "GetItem"),
        ("dynamodb", "GetItem"),
        ("dynamodb", "UpdateItem"),
        ("s3", "GetObject"),
    ]
    assert complete[-1]["error"] == "NoSuchKey"
    assert len(complete) == TARGETS["finish_room"]
    # A route with no call after a write is replayed as recorded.
    plain = coldstart.record_calls("get_interview", setup.event("get_interview"))
    assert coldstart.calls_after_held_write("get_interview", plain, lambda: setup.event("get_interview")) == []
