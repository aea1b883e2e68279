"""The assistant end to end: the real app and container, the Agents SDK assistant and transcriber
over HTTP to a fake OpenAI server, on the embedded SQLite database. A web turn through
`POST /conversations/{id}/messages`, and WhatsApp turns from a signed webhook to the answer at a
fake Graph API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest

from ignacio.application.ports import IndexedFile
from ignacio.application.workspaces import default_workspace
from ignacio.domain import Channel, Message, PhoneNumber, User
from ignacio.domain.knowledge import Chunk, UserFile
from tests.http.conftest import serve
from tests.support.databases import migrated_sqlite_file
from tests.support.fake_graph import (
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_TOKEN,
    FAKE_BASE_URL,
    FakeGraph,
    inbound_media,
    inbound_text,
    post_signed,
)
from tests.support.fake_openai import DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS, FakeOpenAI
from tests.support.system import System, build_system, settings_for_tests

MEMBER = "+34612345678"
MODEL = "fake-model"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeOpenAI, str]]:
    fake = FakeOpenAI()
    with fake.serve() as base_url:
        yield fake, base_url


@pytest.fixture
def fake(served: tuple[FakeOpenAI, str]) -> Iterator[FakeOpenAI]:
    fake, _ = served
    fake.reset()
    yield fake
    assert fake.problems == []
    assert fake.unused_steps == 0


@dataclass
class Ignacio:
    client: httpx.AsyncClient
    system: System
    graph: FakeGraph

    async def webhook(self, body: bytes) -> None:
        await post_signed(self.client, body)
        await self.system.settle()

    async def login(self, phone: str) -> dict[str, str]:
        await self.client.post("/auth/request-otp", json={"phoneNumber": phone})
        await self.system.settle()
        code = self.graph.messages[-1].parameters[0]
        tokens = (
            await self.client.post("/auth/verify-otp", json={"phoneNumber": phone, "code": code})
        ).json()
        return {"Authorization": f"Bearer {tokens['accessToken']}"}

    async def member(self, phone: str) -> User:
        async with self.system.container.uow()() as uow:
            user: User | None = await uow.users.get_by_phone(PhoneNumber.parse(phone))
        assert user is not None
        return user

    async def answer_to(self, message_id: UUID) -> Message:
        async with self.system.container.uow()() as uow:
            answer: Message | None = await uow.messages.reply_to(message_id)
        assert answer is not None
        return answer


@pytest.fixture(params=["chat_completions", "responses"])
async def ignacio(
    request: pytest.FixtureRequest, served: tuple[FakeOpenAI, str], tmp_path: Path
) -> AsyncIterator[Ignacio]:
    fake, base_url = served
    settings = settings_for_tests(
        IGNACIO_DATABASE_URL=migrated_sqlite_file(tmp_path),
        IGNACIO_STORAGE_DIR=tmp_path / "files",
        IGNACIO_CHANNEL="whatsapp_cloud",
        WHATSAPP_ACCESS_TOKEN=DEFAULT_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=DEFAULT_PHONE_NUMBER_ID,
        WHATSAPP_API_BASE_URL=FAKE_BASE_URL,
        OPENAI_API_KEY=fake.api_key,
        IGNACIO_AI_BASE_URL=base_url,
        IGNACIO_AI_API=request.param,
        IGNACIO_AI_MODEL=MODEL,
    )
    graph = FakeGraph()
    graph.register_template("ignacio_login_code")
    system = build_system(settings, fake_clock=False, real_channel=True)
    system.container.http_client.override(graph.client())
    # The real assistant of these settings, not the test double build_system puts in.
    system.container.assistant.reset_override()
    async with serve(system) as client:
        yield Ignacio(client=client, system=system, graph=graph)


async def give_file(ignacio: Ignacio, user: User, name: str, text: str, location: str) -> None:
    async with ignacio.system.container.uow()() as uow:
        home = await default_workspace(uow)
    file = UserFile(
        id=uuid4(),
        workspace_id=home.id,
        user_id=user.id,
        file_name=name,
        file_path=f"users/{user.id}/files/seed/{name}",
        file_type="application/pdf",
        file_size=len(text),
        created_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    async with ignacio.system.container.uow()() as uow:
        await uow.files.add(file)
        await uow.commit()
    await ignacio.system.container.document_index().index(
        IndexedFile(
            workspace_id=file.workspace_id,
            user_id=user.id,
            file_id=file.id,
            file_name=name,
            media_type="application/pdf",
            chunks=[Chunk(ordinal=0, text=text, location=location)],
        )
    )


async def test_a_web_turn_searches_the_files_and_answers_citing_them(
    ignacio: Ignacio, fake: FakeOpenAI
) -> None:
    headers = await ignacio.login(MEMBER)
    await give_file(
        ignacio, await ignacio.member(MEMBER), "plan.pdf", "The pilot costs 10,000 euros.", "page 2"
    )
    conversation = (await ignacio.client.post("/conversations", json={}, headers=headers)).json()
    fake.call_tool("search_my_files", {"query": "pilot cost"})
    fake.reply("The pilot costs **10,000 €** (plan.pdf, page 2).")

    response = await ignacio.client.post(
        f"/conversations/{conversation['id']}/messages",
        json={"content": "How much does the pilot cost?"},
        headers=headers,
    )

    assert response.status_code == 201, response.text
    reply = response.json()["reply"]
    assert reply["content"] == "The pilot costs **10,000 €** (plan.pdf, page 2)."
    searched = fake.requests[1]
    assert "plan.pdf, page 2" in next(iter(searched.tool_outputs.values()))
    async with ignacio.system.container.uow()() as uow:
        stored = await uow.messages.get(UUID(reply["id"]))
    assert stored is not None
    assert (stored.ai_model, stored.input_tokens, stored.output_tokens) == (
        MODEL,
        2 * DEFAULT_INPUT_TOKENS,
        2 * DEFAULT_OUTPUT_TOKENS,
    )


async def test_a_web_turn_the_model_cannot_answer_is_a_503_with_the_message_kept(
    ignacio: Ignacio, fake: FakeOpenAI
) -> None:
    headers = await ignacio.login(MEMBER)
    conversation = (await ignacio.client.post("/conversations", json={}, headers=headers)).json()
    fake.fail(503, retry_after=0.01, times=3)
    path = f"/conversations/{conversation['id']}/messages"

    failed = await ignacio.client.post(path, json={"content": "hello?"}, headers=headers)

    assert failed.status_code == 503
    assert "try again" in failed.json()["message"]
    listed = (await ignacio.client.get(path, headers=headers)).json()["items"]
    assert [m["content"] for m in listed] == ["hello?"]


async def test_a_whatsapp_turn_is_answered_in_whatsapp_formatting(
    ignacio: Ignacio, fake: FakeOpenAI
) -> None:
    fake.call_tool(
        "give_marketing_advice",
        {
            "advice": "Start with the **farmers** of your pilot.",
            "action_items": ["Call each of them", "Offer a launch price"],
            "resources": ["Your pilot survey"],
        },
    )

    await ignacio.webhook(inbound_text(MEMBER, "How do I launch?", profile_name="Lucía"))

    assert ignacio.graph.texts_to(MEMBER) == [
        "Start with the *farmers* of your pilot.\n\n"
        "*Action items*\n1. Call each of them\n2. Offer a launch price\n\n"
        "*Resources*\n• Your pilot survey"
    ]
    (request,) = fake.requests
    assert "You are talking with Lucía." in request.instructions
    assert "WhatsApp formatting only" in request.instructions


async def test_a_whatsapp_voice_note_is_transcribed_then_answered(
    ignacio: Ignacio, fake: FakeOpenAI
) -> None:
    voice = b"OggS\x00\x02" + bytes(200)
    media_id = ignacio.graph.add_media(voice, mime_type="audio/ogg; codecs=opus")
    fake.transcribe_as("¿Cuánto cobro por el curso?")
    fake.reply("Empieza en 49 €.")

    await ignacio.webhook(
        inbound_media(MEMBER, "audio", media_id, mime_type="audio/ogg; codecs=opus", voice=True)
    )

    assert ignacio.graph.texts_to(MEMBER) == ["Empieza en 49 €."]
    (transcription,) = fake.transcriptions
    assert transcription.audio == voice
    assert transcription.file_name.endswith(".ogg")
    assert fake.requests[0].messages[-1] == ("user", "[voice note] ¿Cuánto cobro por el curso?")
    member = await ignacio.member(MEMBER)
    async with ignacio.system.container.uow()() as uow:
        conversation = await uow.conversations.latest_for(
            (await default_workspace(uow)).id, member.id, Channel.WHATSAPP
        )
        assert conversation is not None
        voice_note, answer = await uow.messages.recent(conversation.id, 2)
    assert voice_note.transcript == "¿Cuánto cobro por el curso?"
    assert answer.ai_model == MODEL


async def test_a_whatsapp_photo_reaches_the_model_as_an_image(
    ignacio: Ignacio, fake: FakeOpenAI
) -> None:
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100)
    media_id = ignacio.graph.add_media(photo, mime_type="image/jpeg")
    fake.reply("A seedling tray.")

    await ignacio.webhook(
        inbound_media(MEMBER, "image", media_id, mime_type="image/jpeg", caption="¿Qué es?")
    )

    assert ignacio.graph.texts_to(MEMBER) == ["A seedling tray."]
    assert fake.requests[0].images == [("image/jpeg", photo)]
