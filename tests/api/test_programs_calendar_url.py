"""A registration's iCalendar file at a signed URL: fetched without signing in, only with the
token signed for that member and event, and gone once the registration is."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.test_programs_speed_events import (
    CANCEL_REGISTRATION,
    REGISTER,
    call,
    new_event,
)
from tests.factories import make_person, token_for

URL = "query($id: ID!) { node(id: $id) { ... on SpeedMentoringEvent { myCalendarUrl } } }"


async def test_the_calendar_file_is_served_at_a_signed_url(api: Api) -> None:
    admin = await make_person(api.backend, role="ADMIN")
    event = await new_event(api, admin, participantCapacity=2)
    member, stranger = await make_person(api.backend), await make_person(api.backend)
    await call(api, REGISTER, {"event": event["id"], "role": "PARTICIPANT"}, member)

    url = (await api.gql(URL, {"id": event["id"]}, token=token_for(member)))["node"]["myCalendarUrl"]
    assert url.startswith("http://127.0.0.1:8000/calendar/speed-mentoring/") and url.endswith(".ics")
    path = url.removeprefix("http://127.0.0.1:8000")
    fetched = await api.http.get(path)  # no Authorization header: the token is the key
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("text/calendar")
    assert fetched.text.startswith("BEGIN:VCALENDAR") and "STATUS:CONFIRMED" in fetched.text

    # Not registered: no link. A tampered or foreign token: nothing.
    assert (await api.gql(URL, {"id": event["id"]}, token=token_for(stranger)))["node"] == {
        "myCalendarUrl": None
    }
    token = path.removeprefix("/calendar/speed-mentoring/").removesuffix(".ics")
    payload, mac = token.split(".")
    for bad in (f"{payload}.{'0' * len(mac)}", f"{payload}x.{mac}", "nonsense", f"{payload}."):
        response = await api.http.get(f"/calendar/speed-mentoring/{bad}.ics")
        assert response.status_code == 404, bad

    # Once the registration is cancelled, its link answers nothing.
    await call(api, CANCEL_REGISTRATION, {"event": event["id"]}, member)
    assert (await api.http.get(path)).status_code == 404
