"""A new route cannot slip past the bench: it needs a cold-start request and a call-count target."""

from bench import calls, coldstart
from functions.routes import ROUTES


def test_every_route_has_a_cold_start_request_and_a_call_target() -> None:
    names = {route.name for route in ROUTES}
    assert set(coldstart.ROUTE_NAMES) == names
    assert set(coldstart.REQUESTS) == names
    assert set(calls.TARGETS) == names


def test_every_route_has_a_bound_of_its_own_libraries() -> None:
    bounds = coldstart.route_bounds()
    assert set(bounds) == {route.name for route in ROUTES}
    # Its libraries are the route's: the validating resolver (and pydantic) exactly where the route validates.
    assert bounds["create_interview"].validates
    assert not bounds["list_interviews"].validates
    assert {name for name, bound in bounds.items() if bound.validates} == {
        name
        for name in bounds
        if name.startswith(("create_", "update_")) or name in ("resend_event", "join_room", "upload_recording")
    }
