"""Commands on WhatsApp (`/help`, `/new`, `/list`, `/switch N`, `/status`, `/files`, `/clear`,
`/human`) on the memory set: each answered once, stored like any message, never read by the
assistant; and the member's session, which expires after its idle time."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import msgspec
import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.application.workspaces import default_workspace
from ignacio.domain import (
    Author,
    Channel,
    Conversation,
    InboundMessage,
    Message,
    MessageType,
    PageRequest,
    PhoneNumber,
    Provider,
    Sender,
    User,
)
from ignacio.domain.commands import LIST_LENGTH
from ignacio.domain.handover import ConversationState
from ignacio.domain.knowledge import FileSource, UserFile
from ignacio.domain.workspaces import AssistantSettings
from tests.support.fakes import RecordingQueue
from tests.support.system import System, build_system, settings_for_tests

PHONE = "+34612345678"
HELP_LINE = "/switch N - go to conversation N of the list"


@pytest.fixture
def system() -> System:
    system = build_system(settings_for_tests(IGNACIO_SESSION_TTL="30m", RATE_LIMIT_MESSAGES=1000))
    system.container.job_queue.override(RecordingQueue())
    return system


class Chat:
    """One member writing to the default workspace's number, each message a minute later."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.sent = 0

    async def say(self, text: str, *, message_type: MessageType = MessageType.TEXT) -> Message:
        self.sent += 1
        self.system.clock.advance(minutes=1)
        result = await self.system.container.receive_inbound()(
            InboundMessage(
                provider=Provider.WHATSAPP_CLOUD,
                external_id=f"wamid.{self.sent}",
                sender=Sender(phone=PhoneNumber.parse(PHONE)),
                profile_name="Lucía",
                sent_at=datetime(2026, 11, 22, 8, 59, tzinfo=UTC),
                message_type=message_type,
                text=text,
            )
        )
        assert result.message_id is not None
        await self.system.container.process_inbound()(result.message_id)
        return await self.stored(result.message_id)

    async def answer(self, text: str) -> str:
        """What the member is sent back for `text` (exactly one message)."""
        before = len(self.system.channel.texts)
        await self.say(text)
        sent = self.system.channel.texts[before:]
        assert len(sent) == 1, sent
        return sent[0][1]

    @property
    def uow(self) -> UnitOfWorkFactory:
        factory: UnitOfWorkFactory = self.system.container.uow()
        return factory

    async def stored(self, message_id: UUID) -> Message:
        async with self.uow() as uow:
            message = await uow.messages.get(message_id)
        assert message is not None
        return message

    async def member(self) -> User:
        async with self.uow() as uow:
            user = await uow.users.get_by_phone(PhoneNumber.parse(PHONE))
        assert user is not None
        return user

    async def conversations(self) -> list[Conversation]:
        user = await self.member()
        async with self.uow() as uow:
            workspace = await default_workspace(uow)
            page = await uow.conversations.list(
                workspace.id, PageRequest(), user_id=user.id, channel=Channel.WHATSAPP
            )
        return page.items

    async def messages_of(self, conversation_id: UUID) -> list[Message]:
        async with self.uow() as uow:
            return await uow.messages.recent(conversation_id, 100)


@pytest.fixture
def chat(system: System) -> Chat:
    return Chat(system)


def assistant_saw(system: System) -> list[str]:
    """Every text the assistant was given, questions and history."""
    return [
        text
        for turn in system.assistant.turns
        for text in [turn.message.content, *(m.content for m in turn.history)]
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/help", ["I'm Ignacio, the assistant of Action Lab.", HELP_LINE]),
        ("  /HELP  ", ["I'm Ignacio, the assistant of Action Lab."]),
        ("/help me please", ["I'm Ignacio, the assistant of Action Lab."]),
        ("/foo", ["I don't know the command /foo.", HELP_LINE]),
        ("/Ayuda", ["I don't know the command /ayuda.", HELP_LINE]),
        ("/new", ["New conversation: “WhatsApp”."]),
        ("/new   Budget\n2027 ", ["New conversation: “Budget 2027”."]),
        ("/list", ["Your recent conversations:", "1. WhatsApp (2026-11-22) (current)"]),
        ("/switch", ["Which one? Send /switch N, with N a number from /list."]),
        ("/switch two", ["Which one? Send /switch N"]),
        ("/switch 0", ["Which one? Send /switch N"]),
        ("/switch 7", ["Your list has no conversation 7."]),
        ("/switch 1", ["Now in “WhatsApp”."]),
        ("/status", ["Workspace: Action Lab", "Answering: Ignacio, the assistant", "files: 0"]),
        ("/files", ["You have no files here yet."]),
        ("/clear", ["Done: I'll answer your next message without what we said before."]),
    ],
)
async def test_each_command_is_answered_by_the_system_never_by_the_assistant(
    system: System, chat: Chat, text: str, expected: list[str]
) -> None:
    await chat.say("Hello there, I need help with the budget")
    turns = len(system.assistant.turns)

    answer = await chat.answer(text)

    for part in expected:
        assert part in answer
    assert len(system.assistant.turns) == turns


async def test_not_commands_go_to_the_assistant(system: System, chat: Chat) -> None:
    for text in ["/usr/bin is full", "/ 2", "a/help", "/2"]:
        assert (await chat.answer(text)).startswith(f"echo: {text}")


async def test_commands_and_their_answers_are_stored_for_the_team_and_never_read_back(
    system: System, chat: Chat
) -> None:
    await chat.say("Hello there")
    command = await chat.say("/status")
    await chat.say("And the budget?")

    (conversation,) = await chat.conversations()
    stored = await chat.messages_of(conversation.id)
    assert [(m.author, m.content.split("\n")[0]) for m in stored] == [
        (Author.MEMBER, "Hello there"),
        (Author.ASSISTANT, "echo: Hello there (history 0)"),
        (Author.MEMBER, "/status"),
        (Author.ASSISTANT, "Workspace: Action Lab"),
        (Author.MEMBER, "And the budget?"),
        (Author.ASSISTANT, "echo: And the budget? (history 2)"),
    ]
    assert stored[3].reply_to_id == command.id
    assert not any("/status" in text or "Workspace:" in text for text in assistant_saw(system))


async def test_new_starts_a_conversation_where_what_follows_goes(
    system: System, chat: Chat
) -> None:
    await chat.say("First question")
    await chat.say("/new Budget 2027")
    after = await chat.say("What is the budget?")

    first, budget = sorted(await chat.conversations(), key=lambda c: c.created_at)
    assert budget.title == "Budget 2027"
    assert after.conversation_id == budget.id
    assert [m.content for m in await chat.messages_of(budget.id)] == [
        "What is the budget?",
        "echo: What is the budget? (history 0)",
    ]
    # The command and its answer stay where it was typed.
    assert [m.content.split(":")[0] for m in await chat.messages_of(first.id)][-2:] == [
        "/new Budget 2027",
        "New conversation",
    ]


async def test_a_new_conversation_keeps_the_member_after_the_session_expires(
    system: System, chat: Chat
) -> None:
    await chat.say("First question")
    await chat.say("/new Budget")
    system.clock.advance(hours=2)

    after = await chat.say("Back after lunch")

    budget = next(c for c in await chat.conversations() if c.title == "Budget")
    assert after.conversation_id == budget.id


async def test_list_and_switch_move_between_conversations(system: System, chat: Chat) -> None:
    await chat.say("About the trip")
    await chat.say("/new Budget")
    await chat.say("About money")

    listing = await chat.answer("/list")
    assert listing.splitlines() == [
        "Your recent conversations:",
        "1. Budget (2026-11-22) (current)",
        "2. WhatsApp (2026-11-22)",
        "Send /switch N to go to one.",
    ]
    assert await chat.answer("/switch 2") == ("Now in “WhatsApp”. What you write now goes there.")
    back = await chat.say("Back to the trip")

    trip = next(c for c in await chat.conversations() if c.title == "WhatsApp")
    assert back.conversation_id == trip.id
    assert "(history 2)" in system.channel.texts[-1][1]


async def test_switch_counts_in_the_list_the_member_saw(system: System, chat: Chat) -> None:
    await chat.say("one")
    await chat.say("/new Two")
    await chat.say("two")
    await chat.answer("/list")  # 1. Two, 2. WhatsApp
    await chat.say("/new Three")  # not in the list shown

    assert await chat.answer("/switch 1") == "Now in “Two”. What you write now goes there."
    assert "no conversation 3" in await chat.answer("/switch 3")


async def test_list_shows_at_most_a_phones_worth(chat: Chat) -> None:
    for n in range(LIST_LENGTH + 2):
        await chat.say(f"/new Topic {n}")

    lines = (await chat.answer("/list")).splitlines()

    assert len(lines) == LIST_LENGTH + 2
    assert lines[1].startswith(f"1. Topic {LIST_LENGTH + 1} ")


async def test_the_session_lives_while_the_member_writes_and_expires_when_idle(
    system: System, chat: Chat
) -> None:
    await chat.say("About the trip")
    await chat.say("/new Budget")
    await chat.say("About money")
    await chat.answer("/switch 2")  # the list as it stands: 1. Budget, 2. WhatsApp (the trip)
    trip, budget = sorted(await chat.conversations(), key=lambda c: c.created_at)

    # Each message renews it: 29 minutes apart, again and again, it holds.
    for _ in range(3):
        system.clock.advance(minutes=28)  # and `say` adds one
        assert (await chat.say("still the trip")).conversation_id == trip.id
    await chat.answer("/switch 1")  # Budget, of the list the member saw
    system.clock.advance(minutes=28)
    assert (await chat.say("in Budget")).conversation_id == budget.id

    # Back to the trip, typed (and answered) in Budget, which is the latest; then idle.
    await chat.answer("/switch 2")
    system.clock.advance(minutes=30)  # `say` adds one: 31 minutes idle, no longer alive
    assert (await chat.say("after a break")).conversation_id == budget.id


async def test_clear_hides_what_came_before_from_the_assistant_and_deletes_nothing(
    system: System, chat: Chat
) -> None:
    await chat.say("My secret project is called Falcon")
    await chat.say("/clear")
    await chat.say("What is my project called?")

    last = system.assistant.turns[-1]
    assert last.history == []
    assert system.channel.texts[-1][1] == "echo: What is my project called? (history 0)"
    (conversation,) = await chat.conversations()
    assert len(await chat.messages_of(conversation.id)) == 6
    await chat.say("And now?")
    assert [m.content for m in system.assistant.turns[-1].history] == [
        "What is my project called?",
        "echo: What is my project called? (history 0)",
    ]


async def test_status_names_the_person_of_the_team_who_has_the_conversation(
    system: System, chat: Chat
) -> None:
    await chat.say("Hello")
    (conversation,) = await chat.conversations()
    now = system.clock.now()
    agent = User(
        id=uuid4(),
        phone=PhoneNumber.parse("+34600000009"),
        name="Marta",
        created_at=now,
        updated_at=now,
    )
    async with system.container.uow()() as uow:
        await uow.users.add(agent)
        after, _ = conversation.taken(id=uuid4(), by=agent.id, assignee=agent.id, at=now)
        assert await uow.conversations.change_state(conversation, after)
        await uow.commit()
    turns = len(system.assistant.turns)

    status = await chat.answer("/status")
    assert "Answering: Marta, of the team" in status
    # Informational commands are answered while the team has it; the assistant stays quiet.
    assert "I'm Ignacio" in await chat.answer("/help")
    await chat.say("A question for Marta")
    assert len(system.assistant.turns) == turns
    assert not system.channel.texts[-1][1].startswith("echo: A question")


async def test_human_keeps_its_handover(system: System, chat: Chat) -> None:
    await chat.say("Hello")
    notice = await chat.answer("/human please")

    assert "asked the team of Action Lab to take over" in notice
    (conversation,) = await chat.conversations()
    assert conversation.state is ConversationState.WAITING
    assert "Answering: the team (waiting" in await chat.answer("/status")
    # Already with the team, /human is silent, as before.
    before = len(system.channel.texts)
    await chat.say("/human")
    assert len(system.channel.texts) == before


async def test_files_lists_the_members_newest_files(system: System, chat: Chat) -> None:
    await chat.say("Hello")
    user = await chat.member()
    async with system.container.uow()() as uow:
        workspace = await default_workspace(uow)
        for n, name in enumerate(["plan.pdf", "budget.xlsx"]):
            await uow.files.add(
                UserFile(
                    id=uuid4(),
                    workspace_id=workspace.id,
                    user_id=user.id,
                    file_name=name,
                    file_path=f"{user.id}/{name}",
                    file_type="application/pdf",
                    file_size=10,
                    source=FileSource.WHATSAPP,
                    created_at=datetime(2026, 11, 20 + n, tzinfo=UTC),
                )
            )
        await uow.commit()

    assert (await chat.answer("/files")).splitlines() == [
        "Your recent files:",
        "1. budget.xlsx (2026-11-21)",
        "2. plan.pdf (2026-11-20)",
    ]
    assert "Your files: 2" in await chat.answer("/status")


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("Hola, necesito ayuda con el presupuesto", "Soy Ignacio, el asistente de Action Lab."),
        ("Olá, preciso de ajuda com o orçamento", "Sou Ignacio, o assistente de Action Lab."),
        ("Hello, I need help with the budget", "I'm Ignacio, the assistant of Action Lab."),
    ],
)
async def test_answers_are_in_the_members_language(chat: Chat, first: str, expected: str) -> None:
    await chat.say(first)

    assert (await chat.answer("/help")).startswith(expected)


async def test_the_workspaces_language_wins_over_the_members(system: System, chat: Chat) -> None:
    async with system.container.uow()() as uow:
        workspace = await default_workspace(uow)
        await uow.workspaces.update(
            msgspec.structs.replace(workspace, assistant=AssistantSettings(language="pt-BR"))
        )
        await uow.commit()
    await chat.say("Hola, necesito ayuda con el presupuesto")

    assert (await chat.answer("/status")).startswith("Espaço: Action Lab")


async def test_a_run_that_lost_the_race_returns_the_first_answer_and_changes_nothing(
    system: System, chat: Chat
) -> None:
    command = await chat.say("/new Once")
    first = next(c for c in await chat.conversations() if c.title != "Once")
    async with chat.uow() as uow:
        answered = await uow.messages.reply_to(command.id)

    again = await system.container.commands().answer(await chat.member(), first, command)

    assert answered is not None and again is not None and again.id == answered.id
    assert len(await chat.conversations()) == 2


async def test_a_command_is_answered_once_however_often_it_is_processed(
    system: System, chat: Chat
) -> None:
    command = await chat.say("/new Once")
    for _ in range(2):
        await system.container.process_inbound()(command.id)

    assert len(await chat.conversations()) == 2
    assert sum("New conversation" in text for _, text in system.channel.texts) == 1
