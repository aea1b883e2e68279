"""MessageRepository contract."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import (
    Author,
    Channel,
    Conflict,
    DeliveryStatus,
    MediaRef,
    Message,
    MessageType,
    NotFound,
    Order,
    Page,
    PageRequest,
    Position,
    ProcessingState,
)
from ignacio.domain.templates import TemplateUse
from tests.contract.builders import (
    concurrently,
    conversation,
    expected_order,
    home_of,
    message,
    phone_of,
    store,
    user,
    walk,
)
from tests.contract.conftest import Backend


def _key(item: Message) -> tuple[datetime, UUID]:
    return (item.created_at, item.id)


async def test_a_stored_message_reads_back_unchanged(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    voice = message(
        chat,
        author=Author.MEMBER,
        content="🎙️ transcripción: ¿qué tal?",
        message_type=MessageType.AUDIO,
        channel=Channel.WHATSAPP,
        file_path="users/1/files/voice.ogg",
        external_message_id="wamid.HBgLMzQ2MDAwMDAwMDEVAgASGBQzQTdF",
        delivery_status=DeliveryStatus.RECEIVED,
    )
    answer = message(
        chat,
        created=1,
        author=Author.ASSISTANT,
        content="x" * 32_000,
        delivery_status=DeliveryStatus.DELIVERED,
    )
    by_hand = message(
        chat,
        created=2,
        author=Author.STAFF,
        content="[template follow_up] Lucía",
        sent_by=uuid4(),
        template=TemplateUse(name="follow_up", language="es", parameters=("Lucía",)),
        delivery_status=DeliveryStatus.PENDING,
    )
    await store(uow_factory, owner, chat, voice, answer, by_hand)
    async with uow_factory() as uow:
        page = await uow.messages.list(home, chat.id, _oldest_first(10))
    assert page.items == [voice, answer, by_hand]
    assert page.next is None


async def test_a_provider_message_id_is_stored_once(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    first = message(chat, external_message_id="wamid.1")
    await store(uow_factory, owner, chat, first, message(chat), message(chat))
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.messages.add(message(chat, external_message_id="wamid.1"))
        await uow.messages.add(message(chat, external_message_id="wamid.2"))
        await uow.commit()
    async with uow_factory() as uow:
        stored = (await uow.messages.list(home, chat.id, _oldest_first(10))).items
    assert sorted(m.external_message_id or "" for m in stored) == ["", "", "wamid.1", "wamid.2"]


async def test_a_message_needs_an_existing_conversation(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    await store(uow_factory, owner)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.messages.add(message(conversation(owner, home)))


async def test_list_shows_only_that_conversation(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    one, other = conversation(owner, home), conversation(owner, home)
    mine = message(one)
    await store(uow_factory, owner, one, other, mine, message(other))
    async with uow_factory() as uow:
        assert (await uow.messages.list(home, one.id, _oldest_first(10))).items == [mine]


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("limit", [1, 3, 7])
async def test_list_pages_without_gaps_or_repeats(
    uow_factory: UnitOfWorkFactory, home: UUID, order: Order, limit: int
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    # Many messages in the same microsecond: the id orders them, on every page boundary.
    messages = [message(chat, created=n // 5) for n in range(21)]
    await store(uow_factory, owner, chat, *messages)
    async with uow_factory() as uow:
        pages = await walk(lambda page: uow.messages.list(home, chat.id, page), limit, order)
    assert [item for page in pages for item in page] == expected_order(messages, _key, order)


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("limit", [1, 3, 7])
async def test_list_owned_pages_like_list_for_the_owner(
    uow_factory: UnitOfWorkFactory, home: UUID, order: Order, limit: int
) -> None:
    owner = user(1)
    chat, other = conversation(owner, home), conversation(owner, home)
    messages = [message(chat, created=n // 5) for n in range(21)]
    await store(uow_factory, owner, chat, other, *messages, message(other))

    async def owned(page: PageRequest) -> Page[Message]:
        found = await uow.messages.list_owned(home, chat.id, owner.id, page)
        assert found is not None
        return found

    async with uow_factory(read_only=True) as uow:
        pages = await walk(owned, limit, order)
    assert [item for page in pages for item in page] == expected_order(messages, _key, order)


async def test_list_owned_tells_an_empty_conversation_from_someone_elses(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    ana, luis = user(1), user(2)
    hers, empty, his = conversation(ana, home), conversation(ana, home), conversation(luis, home)
    await store(uow_factory, ana, luis, hers, empty, his, message(hers), message(his))
    first = PageRequest(limit=10)
    async with uow_factory(read_only=True) as uow:
        assert await uow.messages.list_owned(home, his.id, ana.id, first) is None
        assert (
            await uow.messages.list_owned(home, conversation(ana, home).id, ana.id, first) is None
        )
        empty_page = await uow.messages.list_owned(home, empty.id, ana.id, first)
        mine = await uow.messages.list_owned(home, hers.id, ana.id, first)
        # Past the last message the page is empty, and still hers.
        assert mine is not None and mine.items
        last = mine.items[-1]
        beyond = PageRequest(limit=10, after=Position(at=last.created_at, id=last.id))
        after_the_last = await uow.messages.list_owned(home, hers.id, ana.id, beyond)
    assert empty_page == Page(items=[], next=None)
    assert after_the_last == Page(items=[], next=None)


async def test_recent_gives_the_last_messages_oldest_first(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    messages = [message(chat, created=n // 2) for n in range(7)]
    await store(uow_factory, owner, chat, *messages)
    in_order = expected_order(messages, _key, Order.OLDEST_FIRST)
    async with uow_factory() as uow:
        assert await uow.messages.recent(chat.id, 3) == in_order[-3:]
        assert await uow.messages.recent(chat.id, 50) == in_order
        assert await uow.messages.recent(chat.id, 0) == []
        assert await uow.messages.recent(conversation(owner, home).id, 5) == []


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    instants=st.lists(st.integers(min_value=0, max_value=4), max_size=25),
    limit=st.integers(min_value=1, max_value=6),
    order=st.sampled_from(list(Order)),
)
async def test_any_message_set_pages_in_the_oracle_order(
    uow_factory: UnitOfWorkFactory, home: UUID, instants: list[int], limit: int, order: Order
) -> None:
    # Each example gets its own conversation, so examples share the database without clashing.
    owner = user(1)
    async with uow_factory() as uow:
        if await uow.users.get_by_phone(phone_of(owner)) is None:
            await uow.users.add(owner)
            await uow.commit()
        existing = await uow.users.get_by_phone(phone_of(owner))
    assert existing is not None
    chat = conversation(existing, home)
    messages = [message(chat, created=instant) for instant in instants]
    await store(uow_factory, chat, *messages)
    async with uow_factory() as uow:
        pages = await walk(lambda page: uow.messages.list(home, chat.id, page), limit, order)
    assert [item for page in pages for item in page] == expected_order(messages, _key, order)
    assert len(pages) == max(1, -(-len(messages) // limit))


async def test_an_inbound_message_reads_back_unchanged(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home, channel=Channel.WHATSAPP)
    voice = message(
        chat,
        message_type=MessageType.AUDIO,
        channel=Channel.WHATSAPP,
        external_message_id="wamid.voice",
        media=MediaRef(
            provider_media_id="1234567890",
            url="https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&ext=2",
            mime_type="audio/ogg; codecs=opus",
            filename="nota de voz ñ 🎙️.ogg",
            sha256="kzUMmr6ReX2cP0vFYGLn6xkAYhAvVWb8h7JIhMJrRgQ=",
            is_voice=True,
        ),
        processing=ProcessingState.PENDING,
        processing_attempts=2,
    )
    sticker = message(
        chat,
        created=1,
        message_type=MessageType.UNSUPPORTED,
        media=MediaRef(),
        processing=ProcessingState.DONE,
    )
    answer = message(chat, created=2, author=Author.ASSISTANT, reply_to_id=voice.id)
    await store(uow_factory, owner, chat, voice, sticker, answer)
    async with uow_factory() as uow:
        assert await uow.messages.get(voice.id) == voice
        assert await uow.messages.get(sticker.id) == sticker
        assert await uow.messages.get(answer.id) == answer
        assert await uow.messages.get(message(chat).id) is None
        assert (await uow.messages.list(home, chat.id, _oldest_first(10))).items == [
            voice,
            sticker,
            answer,
        ]


async def test_media_is_a_json_document_and_no_media_is_null(sql_backend: Backend) -> None:
    owner = user(1)
    chat = conversation(owner, await home_of(sql_backend.uow))
    with_media = message(chat, media=MediaRef(mime_type="image/jpeg", is_voice=False))
    await store(sql_backend.uow, owner, chat, with_media, message(chat))
    assert sql_backend.engine is not None
    async with sql_backend.engine.connect() as connection:
        rows = await connection.execute(text("SELECT media FROM messages ORDER BY media IS NULL"))
        stored = [row[0] for row in rows]
    document = stored[0] if isinstance(stored[0], dict) else msgspec.json.decode(stored[0])
    assert document == msgspec.to_builtins(with_media.media)
    assert stored[1] is None  # SQL NULL, not the JSON document `null`


async def test_a_message_is_answered_once(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    question = message(chat)
    answer = message(chat, created=1, author=Author.ASSISTANT, reply_to_id=question.id)
    await store(uow_factory, owner, chat, question, answer)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.messages.add(
                message(chat, created=2, author=Author.ASSISTANT, reply_to_id=question.id)
            )
        # The clash does not spoil the transaction.
        await uow.messages.add(message(chat, created=3, author=Author.ASSISTANT))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.messages.reply_to(question.id) == answer
        assert await uow.messages.reply_to(answer.id) is None
        assert len((await uow.messages.list(home, chat.id, _oldest_first(10))).items) == 3


async def test_concurrent_answers_to_one_message_store_exactly_one(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    question = message(chat)
    await store(uow_factory, owner, chat, question)

    async def answer(index: int) -> bool:
        try:
            async with uow_factory() as uow:
                await uow.messages.add(
                    message(chat, created=1, content=f"answer {index}", reply_to_id=question.id)
                )
                await uow.commit()
        except Conflict:
            return False
        return True

    assert sorted(await concurrently(8, answer)) == [False] * 7 + [True]
    async with uow_factory() as uow:
        stored = await uow.messages.list(home, chat.id, _oldest_first(20))
    assert len(stored.items) == 2


async def test_concurrent_copies_of_one_provider_message_store_exactly_one(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    """How inbound de-duplication holds when the provider delivers a webhook twice at once."""
    owner = user(1)
    chat = conversation(owner, home)
    await store(uow_factory, owner, chat)

    async def receive(index: int) -> bool:
        try:
            async with uow_factory() as uow:
                await uow.messages.add(message(chat, external_message_id="wamid.same"))
                await uow.commit()
        except Conflict:
            return False
        return True

    assert sorted(await concurrently(8, receive)) == [False] * 7 + [True]


async def test_an_answer_needs_an_existing_message(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    await store(uow_factory, owner, chat)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.messages.add(message(chat, reply_to_id=message(chat).id))


async def test_update_replaces_the_message(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    inbound = message(chat, processing=ProcessingState.PENDING, external_message_id="wamid.1")
    await store(uow_factory, owner, chat, inbound)
    done = msgspec.structs.replace(
        inbound,
        transcript="hola",
        file_path="users/1/voice.ogg",
        media=MediaRef(provider_media_id="77", mime_type="audio/ogg"),
        processing=ProcessingState.DONE,
        processing_attempts=1,
        delivery_status=DeliveryStatus.READ,
    )
    async with uow_factory() as uow:
        await uow.messages.update(done)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.messages.get(inbound.id) == done
        cleared = msgspec.structs.replace(done, media=None, processing=None)
        await uow.messages.update(cleared)
        assert await uow.messages.get(inbound.id) == cleared


async def test_a_message_answered_with_its_burst_keeps_the_answer_it_was_answered_by(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    first = message(chat, processing=ProcessingState.PENDING, external_message_id="wamid.1")
    last = message(
        chat, created=1, processing=ProcessingState.PENDING, external_message_id="wamid.2"
    )
    answer = message(chat, created=2, author=Author.ASSISTANT, reply_to_id=last.id)
    await store(uow_factory, owner, chat, first, last)
    async with uow_factory() as uow:
        await uow.messages.add(answer)
        await uow.messages.update(first.answered_with(answer.id))
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.messages.get(first.id)
        assert stored == first.answered_with(answer.id)
        assert stored is not None and stored.processing is ProcessingState.DONE
        assert [m.answered_by_id for m in await uow.messages.recent(chat.id, 10)] == [
            answer.id,
            None,
            None,
        ]
        # Answered with another, it has no answer of its own.
        assert await uow.messages.reply_to(first.id) is None


async def test_update_of_a_missing_message_is_not_found(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    await store(uow_factory, owner, chat)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.messages.update(message(chat))


async def test_update_cannot_take_another_messages_keys(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    question = message(chat, external_message_id="wamid.1")
    answer = message(chat, created=1, reply_to_id=question.id)
    other = message(chat, created=2)
    await store(uow_factory, owner, chat, question, answer, other)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.messages.update(msgspec.structs.replace(other, external_message_id="wamid.1"))
        with pytest.raises(Conflict):
            await uow.messages.update(msgspec.structs.replace(other, reply_to_id=question.id))
        # Still usable, and a message keeps its own keys when updated.
        await uow.messages.update(msgspec.structs.replace(answer, ai_model="m"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.messages.get(other.id) == other
        replied = await uow.messages.reply_to(question.id)
    assert replied is not None
    assert replied.ai_model == "m"


async def test_update_gives_a_message_the_provider_id_it_was_sent_with(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    answer = message(chat)
    await store(uow_factory, owner, chat, answer)
    sent = msgspec.structs.replace(answer, external_message_id="wamid.sent")
    async with uow_factory() as uow:
        await uow.messages.update(sent)
        # The same id again, with the rest of the row changed: kept.
        await uow.messages.update(msgspec.structs.replace(sent, ai_model="m"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.messages.by_external_id("wamid.sent") == msgspec.structs.replace(
            sent, ai_model="m"
        )
        await uow.messages.update(msgspec.structs.replace(sent, external_message_id="wamid.new"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.messages.by_external_id("wamid.sent") is None
        stored = await uow.messages.get(answer.id)
    assert stored is not None
    assert stored.external_message_id == "wamid.new"


async def test_pending_processing_gives_unfinished_messages_oldest_first(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    owner = user(1)
    one, two = conversation(owner, home), conversation(owner, home)
    pending = [
        message(chat, created=n // 3, processing=ProcessingState.PENDING)
        for n, chat in zip(range(9), [one, two] * 5, strict=False)
    ]
    done = [message(one, created=0, processing=ProcessingState.DONE) for _ in range(3)]
    unprocessed = [message(two, created=0) for _ in range(3)]  # web messages: no pipeline
    await store(uow_factory, owner, one, two, *done, *pending, *unprocessed)
    oldest_first = [m.id for m in expected_order(pending, _key, Order.OLDEST_FIRST)]
    async with uow_factory() as uow:
        assert await uow.messages.pending_processing(100) == oldest_first
        assert await uow.messages.pending_processing(4) == oldest_first[:4]
        assert await uow.messages.pending_processing(0) == []
        first = await uow.messages.get(oldest_first[0])
        assert first is not None
        await uow.messages.update(msgspec.structs.replace(first, processing=ProcessingState.DONE))
        assert await uow.messages.pending_processing(100) == oldest_first[1:]


def _oldest_first(limit: int) -> PageRequest:
    return PageRequest(limit=limit, order=Order.OLDEST_FIRST)


async def test_a_message_is_found_by_its_provider_id(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    inbound = message(chat, channel=Channel.WHATSAPP, external_message_id="wamid.1")
    await store(uow_factory, owner, chat, inbound, message(chat, created=1))
    async with uow_factory(read_only=True) as uow:
        assert await uow.messages.by_external_id("wamid.1") == inbound
        assert await uow.messages.by_external_id("wamid.2") is None


async def test_update_never_undoes_what_revise_changed(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    """The pipeline saves its steps on a copy it read before the member edited or deleted the
    message: the edit and the deletion stay."""
    owner = user(1)
    chat = conversation(owner, home)
    inbound = message(
        chat, channel=Channel.WHATSAPP, processing=ProcessingState.PENDING, content="hola"
    )
    await store(uow_factory, owner, chat, inbound)
    revised = msgspec.structs.replace(
        inbound,
        content="hola, ¿qué tal?",
        original_text="hola",
        edited_at=datetime(2026, 1, 2, tzinfo=UTC),
        revoked_at=datetime(2026, 1, 3, tzinfo=UTC),
        revision=1,
    )
    async with uow_factory() as uow:
        await uow.messages.revise(msgspec.structs.replace(revised, transcript="ignored"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.messages.get(inbound.id, for_update=True) == revised
        await uow.messages.update(inbound.attempted().transcribed("hola"))
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.messages.get(inbound.id) == msgspec.structs.replace(
            revised, processing_attempts=1, transcript="hola"
        )


async def test_revise_of_a_missing_message_is_not_found(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    await store(uow_factory, owner, chat)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.messages.revise(message(chat))


async def test_a_message_has_one_answer_per_revision_and_reply_to_is_the_newest(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    question = message(chat)
    first = message(chat, created=1, author=Author.ASSISTANT, reply_to_id=question.id)
    second = message(chat, created=2, author=Author.ASSISTANT, reply_to_id=question.id, revision=1)
    await store(uow_factory, owner, chat, question, first)
    async with uow_factory() as uow:
        assert await uow.messages.reply_to(question.id) == first
        await uow.messages.add(second)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.messages.reply_to(question.id) == second
        with pytest.raises(Conflict):
            await uow.messages.add(msgspec.structs.replace(first, id=uuid4()))
