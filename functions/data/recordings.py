"""Interview recordings in the S3 records bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.exceptions import ClientError

from functions.data.aws import s3, session
from functions.data.schema import RECORDS_PREFIX
from functions.data.settings import settings
from functions.records import record

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

URL_TTL_SECONDS = 3600


def video_key(owner_id: str, interview_id: str) -> str:
    return f"{RECORDS_PREFIX}{owner_id}/{interview_id}.mp4"


def put_video(key: str, body: bytes, content_type: str = "video/mp4") -> None:
    s3().put_object(Bucket=settings().records_bucket, Key=key, Body=body, ContentType=content_type)


def interview_of_key(key: str) -> tuple[str, str] | None:
    """(owner id, interview id) of a recording key as `video_key` builds it; None for any other key."""
    if not key.startswith(RECORDS_PREFIX) or not key.endswith(".mp4"):
        return None
    parts = key[len(RECORDS_PREFIX) : -len(".mp4")].split("/")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


@record
class StoredVideo:
    """What post-processing checks of an uploaded recording: its type as stored, its size, its first bytes."""

    content_type: str
    size: int
    head: bytes


HEAD_BYTES = 16


def inspect_video(key: str) -> StoredVideo | None:
    """One ranged GET: the object's Content-Type, its whole size (from Content-Range) and its first
    HEAD_BYTES bytes, without reading the rest of a video of up to 2 GiB. None if nothing is stored."""
    client, bucket = s3(), settings().records_bucket
    try:
        reply = client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("NoSuchKey", "404"):
            return None
        if code == "InvalidRange":  # an empty object has no byte 0
            return StoredVideo(content_type="", size=0, head=b"")
        raise
    head = reply["Body"].read()
    total = reply.get("ContentRange", "").rpartition("/")[2]
    size = int(total) if total.isdigit() else int(reply.get("ContentLength", len(head)))
    return StoredVideo(content_type=reply.get("ContentType", ""), size=size, head=head)


def delete_video(key: str) -> None:
    """Delete every version of the recording at `key`, and any delete marker.

    The deployed bucket is versioned: a plain DeleteObject would only add a delete marker and keep
    the video as a noncurrent version (30 days under the lifecycle rule), which erasure must not.
    Idempotent: a key that holds nothing lists nothing and deletes nothing. In an unversioned
    bucket (the local server's) the one version's id is "null", which S3 deletes the same way.
    """
    client, bucket = s3(), settings().records_bucket
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        # Prefix also matches longer keys; only this exact key is the recording.
        stored = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        objects: list[ObjectIdentifierTypeDef] = [
            {"Key": key, "VersionId": item["VersionId"]} for item in stored if item.get("Key") == key
        ]
        if not objects:
            continue
        # At most 1000 per page, which is also DeleteObjects' limit per call.
        reply = client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
        failed = reply.get("Errors", [])
        if failed:
            codes = sorted({error.get("Code", "?") for error in failed})
            raise RuntimeError(f"{len(failed)} version(s) of a recording were not deleted: {codes}")


def _object_url(key: str) -> str:
    """The object's URL as an S3 client would build it: the regional virtual-hosted style on AWS, path
    style under a configured endpoint (the local moto server has no DNS per bucket)."""
    bucket, endpoint, region = settings().records_bucket, settings().endpoint_url, session().region_name
    path = quote(key, safe="/~")
    if endpoint:
        return f"{endpoint.rstrip('/')}/{bucket}/{path}"
    # Our bucket names are DNS-compatible (CDK generates lowercase letters, digits and hyphens).
    # us-east-1 keeps S3's global host, as botocore's endpoint rules give it.
    host = "s3.amazonaws.com" if region in (None, "us-east-1") else f"s3.{region}.amazonaws.com"
    return f"https://{bucket}.{host}/{path}"


def _presigned(method: str, key: str, expires: int, headers: dict[str, str] | None = None) -> str:
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    credentials = session().get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials to sign the URL with")
    request = AWSRequest(method=method, url=_object_url(key), headers=headers)
    region = session().region_name
    S3SigV4QueryAuth(credentials.get_frozen_credentials(), "s3", region or "us-east-1", expires=expires).add_auth(
        request
    )
    return str(request.url)


def presigned_url(key: str) -> str:
    """A SigV4 GET URL valid one hour. Signing is local: no network call.

    Signed with botocore's own S3 query signer rather than an S3 client's generate_presigned_url:
    building the client (the S3 model and endpoint rules) was most of get's cold-start cost over
    its floor (bench/report.md). The URL is the client's, byte for byte
    (tests/integration/test_presigned_urls.py).
    """
    return _presigned("GET", key, URL_TTL_SECONDS)


def presigned_put(key: str, content_type: str, size: int, expires: int) -> tuple[str, dict[str, str]]:
    """A SigV4 PUT URL for `key` and the headers it is signed with: S3 refuses the upload unless it
    carries exactly this Content-Type and Content-Length (the body's size, which HTTP clients send
    themselves)."""
    headers = {"Content-Type": content_type, "Content-Length": str(size)}
    return _presigned("PUT", key, expires, headers), {"Content-Type": content_type}
