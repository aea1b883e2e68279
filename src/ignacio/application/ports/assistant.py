"""Assistant port: the agent that answers a member's turn."""

from __future__ import annotations

from typing import Protocol

import msgspec

from ignacio.domain import Conversation, Message, User
from ignacio.domain.answers import SpecialisedAnswer
from ignacio.domain.handover import HandoffRequest
from ignacio.domain.knowledge import UserFile
from ignacio.domain.workflow import Progress, Workflow, WorkflowStep
from ignacio.domain.workspaces import Workspace


class ImageInput(msgspec.Struct, frozen=True, kw_only=True):
    """A photo that came with the message, loaded from storage for the model to look at."""

    content: bytes
    media_type: str


class DocumentInput(msgspec.Struct, frozen=True, kw_only=True):
    """A document that came with the message: its name and extracted text, cut to a budget;
    without text, `note` says why, for the member (too large to read safely, a scan...)."""

    name: str
    text: str
    truncated: bool = False
    note: str | None = None


class TurnMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One of the member's messages a turn answers besides its last, with what it carried."""

    message: Message
    images: list[ImageInput] = []
    document: DocumentInput | None = None


class AssistantTurn(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the assistant may know to answer: who asks, where, and what was said before.

    `history` is the conversation's recent window, oldest first, without `message`. `files`
    are the member's files, newest first (their names, and where they are indexed);
    `knowledge`, the workspace's knowledge base documents, the same way. `images`
    and `document` came with `message`; a document with no question in the turn asks for
    a summary of it. A voice note's words are in `message.transcript`.

    `earlier` are the member's messages sent just before `message` in the same burst, oldest
    first, each with its photos and document: the turn answers all of them at once, with one
    answer (`domain.bursts`). They are not in `history`.
    """

    workspace: Workspace
    """Whose assistant answers: its name, its instructions, its language."""
    user: User
    conversation: Conversation
    history: list[Message]
    message: Message
    files: list[UserFile] = []
    knowledge: list[UserFile] = []
    images: list[ImageInput] = []
    document: DocumentInput | None = None
    workflow: Workflow = Workflow()
    """What the workspace finds out from every member (its workflow steps)."""
    progress: Progress | None = None
    """The member's answers to them so far; None: none."""
    earlier: list[TurnMessage] = []

    @property
    def wants_summary(self) -> bool:
        return self.document is not None and not any(
            message.content.strip() or message.transcript for message in self.messages
        )

    @property
    def messages(self) -> list[Message]:
        """What the member said in this turn, oldest first: `earlier`, then `message`."""
        return [part.message for part in self.earlier] + [self.message]

    @property
    def open_steps(self) -> list[WorkflowStep]:
        """The workflow's steps the member has not answered yet, in order."""
        if self.progress is None:
            return list(self.workflow.steps)
        return self.progress.open_steps(self.workflow)


class AssistantReply(msgspec.Struct, frozen=True, kw_only=True):
    """The answer, and what it cost (kept with it: seed 002's accounting).

    `text` always reads on its own (as Markdown); `answer` is the structured shape when the
    question called for one, which each channel renders its own way.
    """

    text: str
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: int | None = None
    answer: SpecialisedAnswer | None = None
    handoff: HandoffRequest | None = None
    """Set when the turn hands the conversation to the team (`text` tells the member)."""


class Assistant(Protocol):
    async def answer(self, turn: AssistantTurn) -> AssistantReply:
        """Answer the turn's message; raises UpstreamUnavailable when the model cannot be reached,
        is too slow, refuses the request or answers with nothing usable."""
        ...
