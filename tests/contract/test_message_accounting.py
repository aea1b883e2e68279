"""MessageRepository contract, for what the assistant adds to messages: a voice note's transcript,
and each answer's model, tokens and latency (seed 002)."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Author, Channel, MessageType, Order, PageRequest
from tests.contract.builders import conversation, message, store, user


async def test_transcripts_and_accounting_read_back_unchanged(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    voice = message(
        chat,
        content="",
        message_type=MessageType.AUDIO,
        channel=Channel.WHATSAPP,
        transcript="¿Cuánto cobro por el curso? 🎙️",
    )
    answer = message(
        chat,
        created=1,
        author=Author.ASSISTANT,
        content="Empieza en 49 €.",
        reply_to_id=voice.id,
        ai_model="gpt-4o-mini-2024-07-18",
        input_tokens=1_234,
        output_tokens=56,
        latency_ms=2_345,
    )
    await store(uow_factory, owner, chat, voice, answer)

    async with uow_factory() as uow:
        page = await uow.messages.list(home, chat.id, PageRequest(order=Order.OLDEST_FIRST))
    assert page.items == [voice, answer]


async def test_a_transcript_added_later_is_kept(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    voice = message(chat, content="", message_type=MessageType.AUDIO)
    await store(uow_factory, owner, chat, voice)

    heard = msgspec.structs.replace(voice, transcript="hola")
    async with uow_factory() as uow:
        await uow.messages.update(heard)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.messages.get(voice.id) == heard
