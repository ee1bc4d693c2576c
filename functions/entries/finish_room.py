"""POST /v1/rooms/{id}/finish: the candidate ends the interview (room token)."""

from typing import Any

from functions.domain import rooms
from functions.models import json_views
from functions.runtime.app import build_app, current_room, lambda_entry
from functions.runtime.openapi_docs import ROOM_TOKEN, responses
from functions.runtime.path_params import RoomId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.post(
    "/v1/rooms/<id>/finish",
    summary="Finish interview",
    description="IN_PROGRESS -> FINISHED with finishedAt and its record IDLE (webhook interview.completed); "
    "a recording uploaded before the finish is taken into processing at once (record PROCESSING). "
    "Again once FINISHED: the interview as it is. Authorization: Bearer with the room token of this interview.",
    tags=["Room"],
    responses=responses(
        200,
        "RoomInterview",
        "The interview, FINISHED",
        409,
        said={**ROOM_TOKEN, 409: "`conflict`: the interview has not started"},
    ),
)
def finish_room(id: RoomId) -> dict[str, Any]:
    return json_views.room_interview(rooms.finish(current_room(app)))


handler = lambda_entry(app, finish_room, access="room")
