"""The cyclic garbage collector across a Lambda init: off until the first invocation has been answered.

A cold start allocates about 90,000 objects (modules, classes, botocore's service models, pydantic's
validators) that live as long as the environment. The collector's passes over them during the init and
the first request find almost nothing (393 objects after a whole route's imports) yet cost that request
15-60 ms of CPU (bench/report.md, cold start). So the collector is off from the package's first line
(functions/__init__.py) until the first invocation is answered; then everything alive is frozen
(gc.freeze: moved to a generation no collection scans, so later full collections skip the init's objects
too) and the collector runs as usual. This is the sequence the `gc` documentation gives for a process that
does a long set-up before it serves: disable early, freeze, enable.

Only where Lambda says an init is under way (AWS_LAMBDA_INITIALIZATION_TYPE, set for every init:
on-demand, provisioned-concurrency, snap-start): `quollo serve`, the tests and the CLI import the same
modules and keep the default collector.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from functools import wraps

_paused = False


def pause_for_lambda_init() -> None:
    global _paused
    if "AWS_LAMBDA_INITIALIZATION_TYPE" in os.environ and gc.isenabled():
        gc.disable()
        _paused = True


def _resume() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def resumes_after_first_invocation[**Params, Result](handler: Callable[Params, Result]) -> Callable[Params, Result]:
    """Every Lambda handler's outermost wrapper: the first invocation, answered or failed, ends the init."""

    @wraps(handler)
    def invoked(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            return handler(*args, **kwargs)
        finally:
            _resume()

    return invoked
