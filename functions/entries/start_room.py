"""POST /v1/rooms/{id}/start: the candidate starts the interview (room token)."""

from typing import Any

from functions.domain import rooms
from functions.models import json_views
from functions.runtime.app import build_app, current_room, lambda_entry
from functions.runtime.openapi_docs import ROOM_TOKEN, responses
from functions.runtime.path_params import RoomId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.post(
    "/v1/rooms/<id>/start",
    summary="Start interview",
    description="PENDING -> IN_PROGRESS with startedAt (webhook interview.started); again while IN_PROGRESS: "
    "the interview as it is. Authorization: Bearer with the room token of this interview.",
    tags=["Room"],
    responses=responses(
        200,
        "RoomInterview",
        "The interview, IN_PROGRESS",
        409,
        said={**ROOM_TOKEN, 409: "`conflict`: the interview is FINISHED"},
    ),
)
def start_room(id: RoomId) -> dict[str, Any]:
    return json_views.room_interview(rooms.start(current_room(app)))


handler = lambda_entry(app, start_room, access="room")
