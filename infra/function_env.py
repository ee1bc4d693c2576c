"""What every function's environment holds besides its resource names and per-stage settings.

The CDK stack sets it on each function; the bench's cold-start children run with it, so that
they start as the deployed functions do. Plain data: importing it loads no CDK.
"""

from __future__ import annotations

FUNCTION_ENVIRONMENT: dict[str, str] = {
    "POWERTOOLS_SERVICE_NAME": "quollo",
    "POWERTOOLS_METRICS_NAMESPACE": "Quollo",
    # pydantic reads every installed distribution's entry points for plugins when it builds its
    # first model; we use none, and the scan is paid at every cold start.
    "PYDANTIC_DISABLE_PLUGINS": "__all__",
}
