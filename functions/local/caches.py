"""Forget every per-container cache, as a new Lambda container would start without them.

Tests and the benchmark point the process at a fresh moto (or a new endpoint) many times; a
client, provider or secret cached for the previous one would otherwise keep talking to it.
"""

from __future__ import annotations


def forget_aws_state() -> None:
    from functions.data import aws, post_processing, secrets, settings, webhook_queue
    from functions.domain import ratelimits

    settings.settings.cache_clear()
    ratelimits.forget()
    aws.session.cache_clear()
    aws.dynamodb.cache_clear()
    aws.s3.cache_clear()
    aws.secrets_manager.cache_clear()
    aws.sqs.cache_clear()
    aws.events.cache_clear()
    post_processing.dead_letter_queue.cache_clear()
    webhook_queue.delivery_queue.cache_clear()
    webhook_queue.dead_letter_queue.cache_clear()
    secrets.forget()  # the cursor key of the previous endpoint's secret
