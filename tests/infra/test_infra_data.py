"""Tables, records bucket and secret (Data stack): built from schema.py, protected in prod, disposable in dev."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.data import schema
from testkit.synth import Synth

pytestmark = pytest.mark.infra

STATEFUL = ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SecretsManager::Secret")


def _keys(key_schema: list[dict[str, str]]) -> tuple[str, str | None]:
    by_type = {k["KeyType"]: k["AttributeName"] for k in key_schema}
    return by_type["HASH"], by_type.get("RANGE")


def _table(synth: Synth, spec: schema.TableSpec) -> dict[str, Any]:
    logical_id = synth.data.logical_id(synth.stack.data.tables[spec.key].table_name)
    props: dict[str, Any] = synth.data.json["Resources"][logical_id]["Properties"]
    return props


def test_one_table_per_spec(synth: Synth) -> None:
    assert len(synth.data.resources("AWS::DynamoDB::Table")) == len(schema.TABLES)


def test_stateful_resources_live_in_the_data_stack_only(synth: Synth) -> None:
    """An API, worker or alarm change never updates the stack that holds the data (infra/stack.py)."""
    for template in (synth.webhooks, synth.processing, synth.monitoring, synth.api, synth.gateway):
        for kind in (*STATEFUL, "AWS::SQS::Queue"):
            assert template.resources(kind) == {}, (template.stack.stack_name, kind)
    # webhook deliveries, dead letters, stream failures; post-processing recordings, analysis, dead letters
    assert len(synth.data.resources("AWS::SQS::Queue")) == 6


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.key)
def test_table_matches_its_spec(synth: Synth, spec: schema.TableSpec) -> None:
    props = _table(synth, spec)
    assert "TableName" not in props, "names are generated; functions get them from env vars"
    assert _keys(props["KeySchema"]) == (spec.partition_key, spec.sort_key)
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert "KMSMasterKeyId" not in props["SSESpecification"]
    indexes = {
        gsi["IndexName"]: (_keys(gsi["KeySchema"]), gsi["Projection"]["ProjectionType"])
        for gsi in props.get("GlobalSecondaryIndexes", [])
    }
    assert indexes == {i.name: ((i.partition_key, i.sort_key), i.projection) for i in spec.indexes}
    assert "LocalSecondaryIndexes" not in props


def test_records_bucket_is_private_encrypted_versioned_and_tls_only(synth: Synth) -> None:
    bucket_id = synth.data.logical_id(synth.stack.data.records_bucket.bucket_name)
    props = synth.data.json["Resources"][bucket_id]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # SSE-S3: pre-signed GETs need no KMS permission.
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LifecycleConfiguration"]["Rules"][0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert "LoggingConfiguration" in props
    [policy] = [
        p
        for p in synth.data.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    assert {
        "Effect": "Deny",
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }.items() <= policy["Properties"]["PolicyDocument"]["Statement"][0].items()


def test_every_bucket_blocks_public_access_and_enforces_tls(synth: Synth) -> None:
    buckets = synth.data.resources("AWS::S3::Bucket")
    policies = json.dumps(synth.data.resources("AWS::S3::BucketPolicy"))
    for logical_id, bucket in buckets.items():
        assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values()), logical_id
        assert "BucketEncryption" in bucket["Properties"], logical_id
        assert f'"Bucket": {{"Ref": "{logical_id}"}}' in policies, logical_id
    assert policies.count("aws:SecureTransport") == len(buckets)


def test_cursor_secret_is_generated_not_written_in_the_template(synth: Synth) -> None:
    [secret] = synth.data.resources("AWS::SecretsManager::Secret").values()
    assert "GenerateSecretString" in secret["Properties"]
    assert "SecretString" not in secret["Properties"]


def test_prod_retains_and_protects_its_data(prod: Synth) -> None:
    for kind in STATEFUL:
        for logical_id, resource in prod.data.resources(kind).items():
            assert resource["DeletionPolicy"] == "Retain", logical_id
    for logical_id, table in prod.data.resources("AWS::DynamoDB::Table").items():
        assert table["Properties"]["DeletionProtectionEnabled"] is True, logical_id
    assert not prod.data.resources("Custom::S3AutoDeleteObjects")


def test_dev_can_be_destroyed(dev: Synth) -> None:
    for kind in STATEFUL:
        for logical_id, resource in dev.data.resources(kind).items():
            assert resource["DeletionPolicy"] == "Delete", logical_id
    for logical_id, table in dev.data.resources("AWS::DynamoDB::Table").items():
        assert not table["Properties"].get("DeletionProtectionEnabled"), logical_id
    # Versioned buckets cannot be deleted while they hold objects: CDK empties them first.
    assert len(dev.data.resources("Custom::S3AutoDeleteObjects")) == len(dev.data.resources("AWS::S3::Bucket"))


def _records_rules(synth: Synth) -> list[dict[str, object]]:
    bucket_id = synth.data.logical_id(synth.stack.data.records_bucket.bucket_arn)
    rules: list[dict[str, object]] = synth.data.json["Resources"][bucket_id]["Properties"]["LifecycleConfiguration"][
        "Rules"
    ]
    return rules


def test_recordings_retention_is_a_context_flag_off_by_default(dev: Synth, prod: Synth) -> None:
    assert [rule for rule in _records_rules(dev) if "ExpirationInDays" in rule] == []
    retention = [rule for rule in _records_rules(prod) if "ExpirationInDays" in rule]
    assert retention == [
        {"Id": "RecordingsRetention", "Prefix": "records/", "ExpirationInDays": 365, "Status": "Enabled"}
    ]
