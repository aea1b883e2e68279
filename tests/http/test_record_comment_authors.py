"""Who wrote each comment on a record, as the API gives it to the member and the team: the
author's name, else their number masked, in the record's detail, its comments and the answer
to a comment."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest

from ignacio.domain import PhoneNumber
from tests.http.desk import MEMBER, OTHER_AGENT, Desk, log_in, open_desk


@pytest.fixture(params=["memory", "sqlite"])
async def desk(request: pytest.FixtureRequest) -> AsyncIterator[Desk]:
    async with open_desk(request) as opened:
        yield opened


async def _without_a_name(desk: Desk, phone: str) -> None:
    async with desk.system.container.uow()() as uow:
        person = await uow.users.get_by_phone(PhoneNumber.parse(phone))
        assert person is not None
        await uow.users.update(msgspec.structs.replace(person, name=None))
        await uow.commit()


async def test_comments_name_their_authors_by_name_else_masked_number(desk: Desk) -> None:
    client = desk.client
    await desk.member_writes("/report The printer is broken")
    listed = await client.get("/records", headers=desk.agent)
    [record] = listed.json()["items"]
    comments = f"/records/{record['id']}/comments"

    named = await client.post(comments, json={"text": "Looking at it"}, headers=desk.agent)
    assert named.status_code == 201, named.text
    assert named.json()["comment"]["authorName"] == "Agent 2"
    await _without_a_name(desk, OTHER_AGENT)
    desk.system.clock.advance(seconds=1)  # comments are listed oldest first
    unnamed = await client.post(comments, json={"text": "Fixed"}, headers=desk.other_agent)
    assert unnamed.status_code == 201, unnamed.text
    assert unnamed.json()["comment"]["authorName"] == "+34*****0003"

    await desk.system.settle()  # the member told of both before they log in
    member = await log_in(client, desk.system, desk.graph, MEMBER)
    detail = await client.get(f"/records/{record['id']}", headers=member)
    assert detail.status_code == 200, detail.text
    shown = [(c["authorName"], c["text"]) for c in detail.json()["comments"]]
    assert shown == [("Agent 2", "Looking at it"), ("+34*****0003", "Fixed")]
    listed_comments = await client.get(comments, headers=member)
    assert [c["authorName"] for c in listed_comments.json()] == ["Agent 2", "+34*****0003"]
    # Never the number itself, to the member or anyone.
    assert OTHER_AGENT not in detail.text
