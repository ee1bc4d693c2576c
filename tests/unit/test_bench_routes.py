"""A new route cannot slip past the bench: it needs a cold-start request and a call-count target."""

from bench import calls, coldstart
from functions.routes import ROUTES


def test_every_route_has_a_cold_start_request_and_a_call_target() -> None:
    names = {route.name for route in ROUTES}
    assert set(coldstart.ROUTE_NAMES) == names
    assert set(coldstart.REQUESTS) == names
    assert set(calls.TARGETS) == names
