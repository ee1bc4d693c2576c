"""Forget every per-container cache, as a new Lambda container would start without them.

Tests and the benchmark point the process at a fresh moto (or a new endpoint) many times; a
client, provider or secret cached for the previous one would otherwise keep talking to it.
"""

from __future__ import annotations


def forget_aws_state() -> None:
    from aws_lambda_powertools.utilities import parameters

    from functions.data import aws, secrets, settings, webhook_queue
    from functions.domain import ratelimits

    settings.settings.cache_clear()
    ratelimits.forget()
    aws.dynamodb.cache_clear()
    aws.s3.cache_clear()
    aws.secrets_manager.cache_clear()
    aws.sqs.cache_clear()
    webhook_queue.delivery_queue.cache_clear()
    webhook_queue.dead_letter_queue.cache_clear()
    secrets._provider.cache_clear()  # holds a client for the previous endpoint
    # Our provider (dropped above) holds the cursor key; Powertools' default providers are never used,
    # so its public cache reset is all that is left to do (no private state reached into).
    parameters.clear_caches()  # type: ignore[no-untyped-call]
