"""POST /v1/rooms/{id}/join: the candidate's pin for a room token (public: no API token)."""

from functions.domain import rooms
from functions.models.room_views import room_joined
from functions.models.rooms_api import RoomJoin, RoomJoined
from functions.runtime.app import build_app, lambda_entry, source_ip
from functions.runtime.openapi_docs import ROOM_JOIN, responses
from functions.runtime.path_params import RoomId

app = build_app()


@app.post(
    "/v1/rooms/<id>/join",
    summary="Join room",
    description="The candidate's pin for a room token (`qlr_...`, 4 hours), which the interview's other room "
    "routes take as `Authorization: Bearer`. Needs no API token. A wrong pin and an unknown id answer alike; "
    "5 wrong pins within 15 minutes lock the interview's room until the window ends.",
    tags=["Room"],
    responses=responses(200, RoomJoined, "A room token for this interview", 409, said=ROOM_JOIN),
)
def join_room(id: RoomId, body: RoomJoin) -> RoomJoined:
    joined = rooms.join(id, body.pin, source_ip(app))
    return room_joined(joined.token, joined.expires_at, joined.interview)


handler = lambda_entry(app, join_room, access="pin")
