"""Cold-start library bounds: what each library stack adds, in ms and tenths of the floor, as reported."""

from bench import coldstart, report
from bench.coldstart import BOUND_PREFIX, SHIPPED, Bound, Run


def _runs(target: str, totals_ms: list[float]) -> list[Run]:
    return [
        Run(target, SHIPPED, round_no, total=t / 1000, startup=0.01, imports=t / 2000, handle=t / 2000)
        for round_no, t in enumerate(totals_ms)
    ]


BOUNDS = (Bound("powertools", "Powertools", "import x"), Bound("pydantic", "pydantic", "import x; import y"))


def _summary() -> dict[str, object]:
    samples = {
        (SHIPPED, coldstart.FLOOR): _runs(coldstart.FLOOR, [400, 420, 380]),
        (SHIPPED, BOUND_PREFIX + "powertools"): _runs("p", [500, 440, 480]),
        (SHIPPED, BOUND_PREFIX + "pydantic"): _runs("y", [560, 600, 520]),
    }
    return coldstart.summarise_bounds(samples, {"pydantic": {"modules_loaded": 400}}, BOUNDS)


def test_each_stack_is_measured_against_the_floor_and_the_stack_before() -> None:
    stacks = _summary()["stacks"]
    assert isinstance(stacks, dict)
    powertools, pydantic = stacks["powertools"], stacks["pydantic"]
    # Floor median 400 ms; Powertools median 480 ms: 1.2×, 80 ms, 2 tenths.
    assert powertools["ratio_to_floor"] == 1.2
    assert (powertools["ratio_min"], powertools["ratio_max"]) == (1.1, 1.25)
    assert powertools["step_ms"] == 80
    assert powertools["step_tenths"] == 2
    # Within each round: +100, +20, +100 ms over the floor of that round.
    assert powertools["step_paired_tenths_p25_median_p75"] == [0.5, 2.5, 2.5]
    # pydantic median 560 ms: 80 ms over Powertools' median.
    assert pydantic["step_ms"] == 80
    assert pydantic["modules_loaded"] == 400


def test_the_report_table_gives_ratio_spread_and_steps() -> None:
    summary = _summary()
    floor_row = {"runs": 3, "median_ms": 400, "min_ms": 380, "max_ms": 420, "import_ms": 200, "first_request_ms": 200}
    lines = report.bounds_table(summary, floor_row)
    assert lines[2].startswith("| floor: boto3, client, one GetItem | 3 | 400 | 1.00 (0.95–1.05) |")
    assert "| **powertools**: Powertools | 3 | 480.0 | 1.20 (1.10–1.25) |" in lines[3]
    assert lines[3].endswith("| +80 | +2.0 | +0.5 / +2.5 / +2.5 | — |")
    assert lines[4].endswith("| 400 |")
    assert len(lines) == 5


def test_the_report_says_how_many_tenths_the_libraries_take() -> None:
    routes = {
        "floor": {"ratio_to_floor": 1.0},
        "a": {"ratio_to_floor": 1.9},
        "b": {"ratio_to_floor": 2.0, "import_ms": 400, "first_request_ms": 360},
    }
    text = report.bounds_summary(_summary(), routes)
    assert "The libraries alone (pydantic) take 4.0 tenths of the ratio (1.40× the floor)." in text
    assert "The median route (b) is at 2.00×: 6.0 tenths beyond the last stack" in text
    # The pydantic stack's phases: imports 280 ms, first request 280 ms (half of each run's 560 ms median).
    assert "by phase medians, 3.0 tenths in the imports and 2.0 in the first request." in text


def test_the_authentication_call_is_told_apart_from_the_libraries() -> None:
    summary = _summary()
    stacks = summary["stacks"]
    assert isinstance(stacks, dict)
    stacks["auth-call"] = stacks["pydantic"] | {"ratio_to_floor": 1.55, "auth_call": True}
    text = report.bounds_summary(summary, {"a": {"ratio_to_floor": 2.0}})
    assert text.endswith("client configuration).")
    assert "The libraries alone (pydantic) take 4.0 tenths" in text
    assert "with the authentication call (auth-call), 5.5 tenths (1.55×)" in text
    assert "4.5 tenths beyond the last stack" in text


def test_older_results_without_ratio_spread_are_rendered_from_min_and_max() -> None:
    assert report.ratio_spread({"min_ms": 300, "max_ms": 600}, 400) == "0.75–1.50"
    assert report.ratio_spread({"min_ms": 300, "max_ms": 600, "ratio_min": 0.7, "ratio_max": 1.6}, 400) == "0.70–1.60"


def test_every_stack_holds_the_one_before_and_none_imports_our_code() -> None:
    previous = ""
    for bound in coldstart.BOUNDS:
        assert bound.code.startswith(previous)
        assert "functions" not in bound.code
        previous = bound.code
    assert coldstart.BOUNDS[-1].auth_call
    assert not any(bound.auth_call for bound in coldstart.BOUNDS[:-1])


def test_routes_with_and_without_a_body_are_each_held_to_their_own_bound() -> None:
    bounds = {
        "stacks": {
            "powertools": {"ratio_to_floor": 1.2, "step_tenths": 2.0},
            "validation": {"ratio_to_floor": 1.5, "step_tenths": 1.5},
            "auth-call": {"ratio_to_floor": 1.6, "step_tenths": 1.0, "auth_call": True},
        }
    }
    routes = {"floor": {"ratio_to_floor": 1.0}, "get": {"ratio_to_floor": 1.4}, "create": {"ratio_to_floor": 1.9}}
    checks = {"get": {"pydantic_loaded": False}, "create": {"pydantic_loaded": True}}
    lean, body = report.group_summary(bounds, routes, checks)
    assert lean.startswith("- Routes without a body (no pydantic loaded), 1: median 1.40× (from 1.40 to 1.40).")
    assert "alone are 1.30×: 1.0 tenths are the routes' own" in lean
    assert "alone are 1.60×: 3.0 tenths are the routes' own" in body


def test_a_routes_own_cost_is_the_route_minus_its_bound_within_each_round() -> None:
    from bench.coldstart import ROUTE_BOUND_PREFIX, RouteBound

    samples = {
        (SHIPPED, coldstart.FLOOR): _runs(coldstart.FLOOR, [400, 420, 380]),
        (SHIPPED, "get_job"): _runs("get_job", [640, 600, 700]),
        (SHIPPED, ROUTE_BOUND_PREFIX + "get_job"): _runs("b", [600, 560, 600]),
    }
    summary = coldstart.summarise_route_bounds(
        samples,
        {ROUTE_BOUND_PREFIX + "get_job": {"modules_loaded": 500}},
        {ROUTE_BOUND_PREFIX + "get_job": RouteBound("get_job", validates=False)},
        {"get_job": ["dynamodb:UpdateItem", "dynamodb:GetItem"]},
    )
    row = summary["routes"]["get_job"]
    # Floor median 400 ms; route median 640 (1.6×), bound median 600 (1.5×): our own 0.1×, 40 ms.
    assert (row["route_ratio"], row["bound_ratio"], row["own_ratio"], row["own_ms"]) == (1.6, 1.5, 0.1, 40)
    # Within each round: +40, +40, +100 ms.
    assert row["own_paired"] == [0.1, 0.1, 0.1, 0.25, 0.25]
    assert row["bound_modules_loaded"] == 500
    lines = report.route_bounds_table(summary)
    assert lines[2].startswith("| get_job | no | dynamodb:UpdateItem, dynamodb:GetItem | 1.50 (1.40–1.50) | 1.60 |")


def _cpu_run(target: str, round_no: int, libraries: float, imports: float, handle: float, gc_handle: float = 0) -> Run:
    """A run whose CPU spans are given in ms: start-up 20, the libraries, the rest of the imports, the request
    (of which gc_handle the collector's)."""
    return Run(
        target,
        SHIPPED,
        round_no,
        total=0.5,
        startup=0.01,
        imports=0.2,
        handle=0.2,
        cpu=(20 + imports + handle) / 1000,
        cpu_startup=0.02,
        cpu_libraries=libraries / 1000,
        cpu_imports=imports / 1000,
        cpu_handle=handle / 1000,
        gc_handle=gc_handle / 1000,
    )


def test_our_own_cpu_is_our_spans_in_the_split_run_against_the_bounds_spans() -> None:
    from bench.coldstart import ROUTE_BOUND_PREFIX, ROUTE_SPLIT_PREFIX, RouteBound

    samples = {
        (SHIPPED, coldstart.FLOOR): _runs(coldstart.FLOOR, [200, 200, 200]),
        (SHIPPED, "get_job"): _runs("get_job", [300, 300, 300]),
        (SHIPPED, ROUTE_BOUND_PREFIX + "get_job"): [
            # Libraries 150 ms (160 under load in round 1), then 2 ms of construction; calls 40 ms.
            _cpu_run("b", 0, 150, 152, 40),
            _cpu_run("b", 1, 160, 162, 40),
            _cpu_run("b", 2, 150, 152, 42),
        ],
        (SHIPPED, ROUTE_SPLIT_PREFIX + "get_job"): [
            # The same libraries, then 22 ms of our imports; the request 46 ms.
            _cpu_run("s", 0, 150, 172, 46),
            _cpu_run("s", 1, 150, 172, 46),
            _cpu_run("s", 2, 152, 174, 48),
        ],
    }
    summary = coldstart.summarise_route_bounds(
        samples, {}, {ROUTE_BOUND_PREFIX + "get_job": RouteBound("get_job", validates=False)}, {}
    )
    row = summary["routes"]["get_job"]
    # Our imports 20 ms over the bound's construction, our request 6 ms over its calls, in every round: the
    # load on the libraries of round 1 (and round 2's 2 ms) is in neither span.
    assert row["own_cpu_split_ms"] == [26.0, 26.0, 26.0, 26.0, 26.0]
    assert row["own_cpu_split_ratio"][2] == 0.13  # over the floor's 200 ms
    assert row["own_cpu_split_phases_ms"]["imports"][2] == 20.0
    assert row["own_cpu_split_phases_ms"]["first_request"][2] == 6.0
    assert row["libraries_cpu_difference_ms"] == [-10.0, -10.0, 0.0, 2.0, 2.0]
    line = report.route_bounds_table(summary)[2]
    assert line.endswith("| +26.0 / +26.0 / +26.0 / +26.0 / +26.0 | +0.130 | +20.0 / +6.0 | 0.0 / 0.0 | +0.130 | ❌ |")


def test_the_collectors_time_is_told_apart_and_our_work_is_also_given_without_it() -> None:
    """A route whose init runs no collection saves its bound's collections: shown, and left out of the work."""
    from bench.coldstart import ROUTE_BOUND_PREFIX, ROUTE_SPLIT_PREFIX, RouteBound

    samples = {
        (SHIPPED, coldstart.FLOOR): _runs(coldstart.FLOOR, [200, 200, 200]),
        (SHIPPED, "get_job"): _runs("get_job", [300, 300, 300]),
        # The bound's calls take 40 ms, 12 of them in collections; the route's request 34 ms, none.
        (SHIPPED, ROUTE_BOUND_PREFIX + "get_job"): [_cpu_run("b", n, 150, 152, 40, gc_handle=12) for n in range(3)],
        (SHIPPED, ROUTE_SPLIT_PREFIX + "get_job"): [_cpu_run("s", n, 150, 160, 34) for n in range(3)],
    }
    summary = coldstart.summarise_route_bounds(
        samples, {}, {ROUTE_BOUND_PREFIX + "get_job": RouteBound("get_job", validates=False)}, {}
    )
    row = summary["routes"]["get_job"]
    # Own: 8 ms of imports over the bound's 2 of construction, and 6 ms less in the request: +2 ms.
    assert row["own_cpu_split_ms"][2] == 2.0
    # Without the collector in either: the request's 34 ms of work against the bound's 28, so +14 ms.
    assert row["own_cpu_split_without_gc_ms"][2] == 14.0
    assert row["gc_cpu_ms"] == {"route": [0.0] * 5, "bound": [12.0] * 5}
    line = report.route_bounds_table(summary)[2]
    assert line.endswith("| +0.010 | +8.0 / -6.0 | 0.0 / 12.0 | +0.070 | ✅ |")
