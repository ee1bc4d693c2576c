"""POST /v1/rooms/{id}/recording: a pre-signed PUT for the interview's recording (room token)."""

from functions.domain import rooms
from functions.models.room_views import recording_upload_url
from functions.models.rooms_api import RecordingUpload, RecordingUploadUrl
from functions.runtime.app import build_app, current_room, lambda_entry
from functions.runtime.openapi_docs import ROOM_TOKEN, responses
from functions.runtime.path_params import RoomId

app = build_app()


@app.post(
    "/v1/rooms/<id>/recording",
    summary="Recording upload URL",
    description="A pre-signed S3 PUT for the interview's recording: the body must be exactly `size` bytes "
    "(at most 2 GiB) sent with the returned headers. While IN_PROGRESS, or FINISHED with its record IDLE. "
    "Authorization: Bearer with the room token of this interview.",
    tags=["Room"],
    responses=responses(
        200,
        RecordingUploadUrl,
        "Where and how to PUT the recording",
        409,
        said={**ROOM_TOKEN, 409: "`conflict`: the interview has not started, or its record is past IDLE"},
    ),
)
def upload_recording(id: RoomId, body: RecordingUpload) -> RecordingUploadUrl:
    upload = rooms.recording_upload(current_room(app), body.contentType, body.size)
    return recording_upload_url(upload.url, upload.headers, upload.expires_at)


handler = lambda_entry(app, upload_recording, access="room")
