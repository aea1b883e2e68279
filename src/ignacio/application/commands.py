"""The WhatsApp side of the commands a member types (`/help`, `/new`, `/list`, `/switch N`,
`/status`, `/files`, `/clear`, `/report`, `/proposal`; see `ignacio.domain.commands`),
recognised before the assistant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.ports import (
    Clock,
    IdGenerator,
    MemberSessions,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.application.replies import store_reply
from ignacio.application.use_cases.records import RecordLinks, record_from_command
from ignacio.application.workspaces import workspace_of
from ignacio.domain import (
    Author,
    Conflict,
    Conversation,
    Message,
    MessageType,
    PageRequest,
    User,
)
from ignacio.domain import Channel as MessageChannel
from ignacio.domain.commands import (
    ENGLISH,
    LIST_LENGTH,
    Command,
    CommandAnswers,
    CommandName,
    Listed,
    catalogue_language,
    guess_language,
    is_command,
    parse_command,
)
from ignacio.domain.handover import ConversationState
from ignacio.domain.member_sessions import DEFAULT_SESSION_TTL, MemberSession
from ignacio.domain.pagination import MAX_PAGE_SIZE
from ignacio.domain.workspaces import Workspace

# How many of the conversation's latest messages tell the member's language.
_LANGUAGE_SAMPLE = 20
_TICK = timedelta(microseconds=1)


class Commands:
    """Answer a member's command on WhatsApp; None for any other message, and for `/human`,
    which stays the pipeline's handover (answered once, and silent while the team has the
    conversation, as before).

    - A command is a system function, like `VERIFY`: it is answered automatically whoever
      holds the conversation, the team included (which sees the command and its answer in the
      inbox, as any message). Informational commands change nothing; `/new`, `/switch` and
      `/clear` change only where the member's next messages go, or what the assistant reads
      back, never who answers.
    - Commands never reach the model: neither the command nor its answer is in the history
      the assistant reads (`ignacio.domain.history.assistant_reads`).
    - The answer is stored like the assistant's (one per message), which the pipeline sends
      exactly once; a new conversation is stored in the same transaction. The session is
      written after the commit: a rerun that finds the answer stored does nothing again (a
      crash between the two leaves the member where they were, and `/list` shows the new
      conversation).
    - The answer is in the workspace's language when the catalogue has it, else in the
      language of the member's recent messages in the conversation (`guess_language`), else
      in English.
    - `/new [title]`: a new WhatsApp conversation (on the number the member wrote to), titled
      (clipped to a title's length) or "WhatsApp", where their next messages go; it is their
      latest conversation too, so it keeps them once the session has expired.
    - `/list`: their latest WhatsApp conversations in the workspace, numbered, the current one
      marked; the session remembers them, so `/switch N` means what the member saw.
    - `/switch N`: conversation N of their last `/list` (or, the session gone, of the list as
      it stands) becomes the current one; a missing or wrong N is told how to choose.
    - `/status`: the workspace, the current conversation, who answers (the assistant, the
      team while nobody has taken it, or the named person who has it) and their files.
    - `/files`: their newest files in the workspace, with the date each came.
    - `/clear`: the message is the marker: the assistant reads nothing before it (nothing is
      deleted; the team sees it all).
    - `/report <text>`, `/proposal <text>`: the text kept as a record of that type, with the
      fields a model would fill left for the team (`record_from_command`); without text, how
      to write one.
    - Unknown commands get the help.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sessions: MemberSessions,
        clock: Clock,
        ids: IdGenerator,
        ttl: timedelta = DEFAULT_SESSION_TTL,
        record_links: RecordLinks | None = None,
    ) -> None:
        self._record_links = record_links or RecordLinks(None)
        self._auditor = Auditor(clock, ids)
        self._uow = uow
        self._sessions = sessions
        self._clock = clock
        self._ids = ids
        self._ttl = ttl

    async def answer(
        self, user: User, conversation: Conversation, inbound: Message
    ) -> Message | None:
        if inbound.message_type is not MessageType.TEXT or not user.is_active:
            return None
        command = parse_command(inbound.content)
        if command is None or command.name is CommandName.HUMAN:
            return None
        # When the answer is stored (it sorts after the command, see `Message.answer`).
        now = max(self._clock.now(), inbound.created_at + _TICK)
        session = await self._sessions.get(conversation.workspace_id, user.id, now)
        try:
            async with self._uow() as uow:
                workspace = await workspace_of(uow, conversation)
                answers = await self._answers(uow, workspace, conversation)
                turn = _Turn(uow, answers, user, conversation, session, now)
                text, after = await self._run(turn, command)
                reply = await self._store(uow, conversation, inbound, text, now)
                await uow.commit()
        except Conflict:
            async with self._uow(read_only=True) as uow:
                return await uow.messages.reply_to(inbound.id)
        if after is not None:
            await self._sessions.put(after, self._ttl)
        return reply

    async def _answers(
        self, uow: UnitOfWork, workspace: Workspace, conversation: Conversation
    ) -> CommandAnswers:
        language = catalogue_language(workspace.assistant.language)
        if language is None:
            recent = await uow.messages.recent(conversation.id, _LANGUAGE_SAMPLE)
            language = guess_language(
                [
                    message.content
                    for message in recent
                    if message.author is Author.MEMBER and not is_command(message.content)
                ]
            )
        return CommandAnswers(
            language=language or ENGLISH,
            assistant=workspace.assistant_name,
            workspace=workspace.name,
        )

    async def _run(self, turn: _Turn, command: Command) -> tuple[str, MemberSession | None]:
        """The answer's text, and the session to keep after it (None: unchanged)."""
        answers = turn.answers
        match command.name:
            case CommandName.NEW:
                return await self._new(turn, command)
            case CommandName.LIST:
                return await self._list(turn)
            case CommandName.SWITCH:
                return await self._switch(turn, command)
            case CommandName.STATUS:
                return await self._status(turn), None
            case CommandName.FILES:
                files = await turn.uow.files.list(
                    turn.conversation.workspace_id,
                    PageRequest(limit=LIST_LENGTH),
                    user_id=turn.user.id,
                )
                listed = [Listed(name=f.file_name, at=f.created_at) for f in files.items]
                return answers.files(listed), None
            case CommandName.CLEAR:
                return answers.cleared(), None
            case CommandName.REPORT | CommandName.PROPOSAL:
                return await self._record(turn, command), None
            case CommandName.UNKNOWN:
                return answers.unknown(command.word), None
            case _:
                return answers.help(), None

    async def _record(self, turn: _Turn, command: Command) -> str:
        if not command.argument:
            return turn.answers.record_empty(command.word)
        record = await record_from_command(
            turn.uow,
            self._ids,
            self._auditor,
            user=turn.user,
            conversation=turn.conversation,
            type_name=command.name.value,
            text=command.argument,
            at=turn.now,
        )
        return turn.answers.recorded(
            command.name.value, record.title, self._record_links.link(record.id)
        )

    async def _new(self, turn: _Turn, command: Command) -> tuple[str, MemberSession]:
        current = turn.conversation
        created = Conversation(
            id=self._ids.new_id(),
            workspace_id=current.workspace_id,
            user_id=turn.user.id,
            title=command.title,
            channel=MessageChannel.WHATSAPP,
            number_id=current.number_id,
            created_at=turn.now,
            # Active after the answer that announces it, which moves the conversation the
            # command was typed in: the new one is the member's latest, session or not.
            updated_at=turn.now + _TICK,
            # The member just wrote: WhatsApp's window is open in the new one as in this one.
            last_member_message_at=current.last_member_message_at,
        )
        await turn.uow.conversations.add(created)
        return turn.answers.new(command.title), turn.session_with(
            self._ttl, conversation_id=created.id
        )

    async def _list(self, turn: _Turn) -> tuple[str, MemberSession]:
        conversations = await self._conversations(turn)
        listed = [
            Listed(
                name=c.title or "WhatsApp",
                at=c.updated_at,
                current=c.id == turn.conversation.id,
            )
            for c in conversations
        ]
        return turn.answers.listing(listed), turn.session_with(
            self._ttl, listed=tuple(c.id for c in conversations)
        )

    async def _switch(self, turn: _Turn, command: Command) -> tuple[str, MemberSession | None]:
        answers = turn.answers
        number = command.choice
        if number is None:
            return answers.switch_which(), None
        listed = turn.session.listed if turn.session is not None else ()
        if not listed:
            listed = tuple(c.id for c in await self._conversations(turn))
        chosen = (
            await turn.uow.conversations.get(turn.conversation.workspace_id, listed[number - 1])
            if number <= len(listed)
            else None
        )
        if (
            chosen is None
            or chosen.user_id != turn.user.id
            or chosen.channel is not MessageChannel.WHATSAPP
        ):
            return answers.switch_missing(number), None
        return answers.switched(chosen.title or "WhatsApp"), turn.session_with(
            self._ttl, conversation_id=chosen.id, listed=listed
        )

    async def _status(self, turn: _Turn) -> str:
        answers = turn.answers
        conversation = (
            await turn.uow.conversations.get(turn.conversation.workspace_id, turn.conversation.id)
            or turn.conversation
        )
        if conversation.state is ConversationState.HUMAN and conversation.assignee_id:
            person = await turn.uow.users.get(conversation.assignee_id)
            who = answers.person_answers(person.name if person is not None else None)
        elif conversation.state is ConversationState.WAITING:
            who = answers.team_waiting()
        else:
            who = answers.assistant_answers()
        files = await turn.uow.files.list(
            conversation.workspace_id, PageRequest(limit=MAX_PAGE_SIZE), user_id=turn.user.id
        )
        count = f"{len(files.items)}+" if files.next is not None else str(len(files.items))
        return answers.status(title=conversation.title or "WhatsApp", who=who, files=count)

    async def _conversations(self, turn: _Turn) -> list[Conversation]:
        page = await turn.uow.conversations.list(
            turn.conversation.workspace_id,
            PageRequest(limit=LIST_LENGTH),
            user_id=turn.user.id,
            channel=MessageChannel.WHATSAPP,
        )
        return list(page.items)

    async def _store(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        inbound: Message,
        text: str,
        now: datetime,
    ) -> Message:
        return await store_reply(uow, conversation, inbound, text, id=self._ids.new_id(), at=now)


@dataclass(frozen=True)
class _Turn:
    """What answering one command works with."""

    uow: UnitOfWork
    answers: CommandAnswers
    user: User
    conversation: Conversation
    session: MemberSession | None
    now: datetime

    def session_with(
        self,
        ttl: timedelta,
        *,
        conversation_id: UUID | None = None,
        listed: tuple[UUID, ...] | None = None,
    ) -> MemberSession:
        """The member's session after the command: what is given replaced, the rest kept (a new
        session names no conversation: their latest one, as without a session)."""
        before = self.session
        return MemberSession(
            workspace_id=self.conversation.workspace_id,
            user_id=self.user.id,
            conversation_id=conversation_id
            if conversation_id is not None
            else (before.conversation_id if before is not None else None),
            listed=listed if listed is not None else (before.listed if before is not None else ()),
            pending=before.pending if before is not None else None,
            expires_at=self.now + ttl,
        )
