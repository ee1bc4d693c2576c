"""Recordings are personal data: they go when their interview goes, and only there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from functions.data import recordings
from functions.data.schema import RECORDS_BUCKET_DEFAULT
from functions.domain import interviews, post_processing, samples
from functions.models.post_processing import AnalysisCompleted
from testkit.accounts import AccountFactory
from testkit.handlers import Api


def _exists(key: str) -> bool:
    try:
        boto3.client("s3").head_object(Bucket=RECORDS_BUCKET_DEFAULT, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
            return False
        raise
    return True


def _keys() -> set[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=RECORDS_BUCKET_DEFAULT)
    return {item["Key"] for item in listed.get("Contents", [])}


def _versions(key: str) -> list[Any]:
    """Every version and delete marker stored under exactly `key`."""
    listed = boto3.client("s3").list_object_versions(Bucket=RECORDS_BUCKET_DEFAULT, Prefix=key)
    return [v for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])] if v["Key"] == key]


def test_deleting_an_interview_deletes_every_version_of_its_recording_in_a_versioned_bucket(
    api: Api, account: AccountFactory
) -> None:
    """The deployed bucket is versioned: a plain delete would leave the video as a noncurrent version."""
    s3 = boto3.client("s3")
    s3.put_bucket_versioning(Bucket=RECORDS_BUCKET_DEFAULT, VersioningConfiguration={"Status": "Enabled"})
    acc = account()
    created, kept = api.create(acc, isTest=True).json()["id"], api.create(acc, isTest=True).json()["id"]
    key, kept_key = f"records/{acc.user_id}/{created}.mp4", f"records/{acc.user_id}/{kept}.mp4"
    s3.put_object(Bucket=RECORDS_BUCKET_DEFAULT, Key=key, Body=b"re-uploaded")  # a second version
    assert len(_versions(key)) == 2
    reply = api.call("DELETE", f"/v1/interviews/{created}", token=acc.token)
    assert (reply.status, reply.json()) == (200, {"deleted": True, "refunded": False})
    assert _versions(key) == []  # no noncurrent version, no delete marker
    assert len(_versions(kept_key)) == 1
    # Deleting again finds nothing to delete and does not fail on it.
    assert api.call("DELETE", f"/v1/interviews/{created}", token=acc.token).status == 404


def test_deleting_a_test_interview_deletes_its_recording(api: Api, account: AccountFactory) -> None:
    acc = account()
    created = api.create(acc, isTest=True).json()
    key = f"records/{acc.user_id}/{created['id']}.mp4"
    assert _exists(key)
    reply = api.call("DELETE", f"/v1/interviews/{created['id']}", token=acc.token)
    assert (reply.status, reply.json()) == (200, {"deleted": True, "refunded": False})
    assert not _exists(key)


def test_deleting_a_finished_interview_deletes_its_recording_and_no_other(
    api: Api, account: AccountFactory, tmp_path: Path
) -> None:
    acc, other = account(credits=2), account(name="Other")
    kept = api.create(other, isTest=True).json()["id"]
    interview_id = api.create(acc).json()["id"]
    neighbour = api.create(acc).json()["id"]
    for an_id in (interview_id, neighbour):
        interviews.start(an_id)
        interviews.finish(an_id)
        recordings.put_video(post_processing.recording_key(an_id), samples.SAMPLE_VIDEO + b"video bytes")
        post_processing.process(an_id)
        post_processing.analysis_completed(
            AnalysisCompleted(interviewId=an_id, summary="Strong", results=[], participants=[])
        )
    before = _keys()
    assert api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token).status == 200
    assert before - _keys() == {f"records/{acc.user_id}/{interview_id}.mp4"}
    assert f"records/{other.user_id}/{kept}.mp4" in _keys()
    assert f"records/{acc.user_id}/{neighbour}.mp4" in _keys()


@pytest.mark.parametrize("whose", ["another user's", "a missing"])
def test_a_delete_that_answers_404_deletes_no_recording(api: Api, account: AccountFactory, whose: str) -> None:
    acc, other = account(), account(name="Other")
    theirs = api.create(other, isTest=True).json()["id"]
    target = theirs if whose == "another user's" else "00000000-0000-0000-0000-000000000000"
    before = _keys()
    assert api.call("DELETE", f"/v1/interviews/{target}", token=acc.token).status == 404
    assert _keys() == before
