"""Workspaces: the organisation behind the assistant, and the roles people hold in it.

Meta's WhatsApp terms (January 2026) allow an AI on WhatsApp only as a business's own assistant,
so the assistant always speaks for one workspace: its name, its instructions, its team. A person
is known once (by their number) and may belong to several workspaces with a role in each;
`User.is_admin` is the platform admin, who creates workspaces and may act in every one.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.access import AccessPolicy, WhatsAppAccess
from ignacio.domain.errors import InvalidInput, PermissionDenied
from ignacio.domain.records import check_timezone
from ignacio.domain.templates import MessageTemplate
from ignacio.domain.users import User

MAX_WORKSPACE_NAME = 120
MAX_ASSISTANT_NAME = 60
MAX_INSTRUCTIONS = 4_000
MAX_MODEL_NAME = 100
DEFAULT_SLUG = "default"
DEFAULT_WORKSPACE_NAME = "Action Lab"
"""The name of the workspace every database starts with: the organisation the assistant has
always introduced itself for. Admins rename it (`ignacio workspaces update default --name`)."""
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


class WorkspaceRole(StrEnum):
    """What a person does in one workspace."""

    ADMIN = "admin"  # its settings, numbers, team and knowledge, and every conversation in it
    AGENT = "agent"  # the team: reads and handles the workspace's conversations
    MEMBER = "member"  # talks to the assistant; sees only their own data

    @property
    def handles_conversations(self) -> bool:
        return self in (WorkspaceRole.ADMIN, WorkspaceRole.AGENT)


class AssistantSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How the workspace's assistant presents itself and answers. A setting left None follows
    the deployment's default (its environment variables), so an operator's change of a default
    reaches every workspace that never chose otherwise."""

    name: str | None = None  # what the assistant calls itself; None: "Ignacio"
    instructions: str | None = None  # the persona and house rules, added to the built-in ones
    language: str | None = None  # BCP 47 ("es", "pt-BR"); None: the member's language
    model: str | None = None
    web_search: bool | None = None
    timezone: str | None = None
    """An IANA name (`Europe/Madrid`): where "by Friday" is read; None: UTC."""

    def __post_init__(self) -> None:
        if self.name is not None:
            _bounded_line(self.name, MAX_ASSISTANT_NAME, "The assistant's name")
        if self.instructions is not None and len(self.instructions) > MAX_INSTRUCTIONS:
            raise InvalidInput(
                f"The assistant's instructions can have at most {MAX_INSTRUCTIONS} characters."
            )
        if self.language is not None and not _LANGUAGE.match(self.language):
            raise InvalidInput("The language must be a language tag such as 'en', 'es' or 'pt-BR'.")
        if self.model is not None:
            _bounded_line(self.model, MAX_MODEL_NAME, "The model's name")
        if self.timezone is not None:
            check_timezone(self.timezone)


class Workspace(msgspec.Struct, frozen=True, kw_only=True):
    """One organisation (or programme): the assistant speaks as `name`'s assistant.

    `slug` names it in URLs, headers and the command line; it never changes, so links and
    scripts keep working when the workspace is renamed. `access` None follows the deployment's
    IGNACIO_WHATSAPP_ACCESS."""

    id: UUID
    slug: str
    name: str
    assistant: AssistantSettings = AssistantSettings()
    access: WhatsAppAccess | None = None
    created_at: datetime
    updated_at: datetime
    reply_template: MessageTemplate | None = None
    """The approved template its team sends outside WhatsApp's 24-hour window; None: none."""

    def __post_init__(self) -> None:
        check_slug(self.slug)
        check_workspace_name(self.name)

    @property
    def assistant_name(self) -> str:
        return self.assistant.name or "Ignacio"

    def access_policy(self, deployment: AccessPolicy) -> AccessPolicy:
        """Who may talk to this workspace's assistant: its own mode, else the deployment's (the
        numbers the configuration lists count in every workspace)."""
        if self.access is None:
            return deployment
        return msgspec.structs.replace(deployment, mode=self.access)

    def refusal_notice(self) -> str:
        """What a number that may not talk to this assistant is told (once a day at most)."""
        return (
            f"Hello! This is {self.assistant_name}, the assistant of {self.name}. This number is "
            "not on its list, so I can't answer you here. If you think it should be, please ask "
            f"the people who run {self.name} to add it."
        )

    def configured(
        self,
        at: datetime,
        *,
        name: str | msgspec.UnsetType = msgspec.UNSET,
        assistant: AssistantSettings | msgspec.UnsetType = msgspec.UNSET,
        access: WhatsAppAccess | msgspec.UnsetType | None = msgspec.UNSET,
        reply_template: MessageTemplate | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> tuple[Workspace, dict[str, object]]:
        """The workspace after an edit, and what changed (for the audit log: names of the
        assistant settings that changed, never their text)."""
        changes: dict[str, object] = {}
        if not isinstance(name, msgspec.UnsetType) and check_workspace_name(name) != self.name:
            changes["name"] = check_workspace_name(name)
        if not isinstance(assistant, msgspec.UnsetType) and assistant != self.assistant:
            changes["assistant"] = assistant
        if access is not msgspec.UNSET and access != self.access:
            changes["access"] = access
        if reply_template is not msgspec.UNSET and reply_template != self.reply_template:
            changes["reply_template"] = reply_template
        if not changes:
            return self, {}
        audited = {
            key: sorted(
                field
                for field in AssistantSettings.__struct_fields__
                if getattr(value, field) != getattr(self.assistant, field)
            )
            if isinstance(value, AssistantSettings)
            else (value.name if isinstance(value, MessageTemplate) else value)
            for key, value in changes.items()
        }
        return msgspec.structs.replace(self, **changes, updated_at=at), audited


class Membership(msgspec.Struct, frozen=True, kw_only=True):
    """A person's role in one workspace."""

    id: UUID
    workspace_id: UUID
    user_id: UUID
    role: WorkspaceRole
    created_at: datetime
    updated_at: datetime

    def as_role(self, role: WorkspaceRole, at: datetime) -> Membership:
        return msgspec.structs.replace(self, role=role, updated_at=at)


class Joined(msgspec.Struct, frozen=True, kw_only=True):
    """A workspace a person belongs to, with their role in it."""

    workspace: Workspace
    role: WorkspaceRole

    def named(self, ref: str) -> bool:
        """Whether `ref` (an id or a short name, as a request gives it) names this workspace."""
        ref = ref.strip()
        try:
            return UUID(ref) == self.workspace.id
        except ValueError:
            return ref.lower() == self.workspace.slug


class WorkspaceAccess(msgspec.Struct, frozen=True, kw_only=True):
    """What one person may do in one workspace: their role there, or none; a platform admin
    may do everything a workspace admin may, in every workspace."""

    user: User
    workspace: Workspace
    role: WorkspaceRole | None

    @property
    def administers(self) -> bool:
        return self.user.is_admin or self.role is WorkspaceRole.ADMIN

    @property
    def handles_conversations(self) -> bool:
        return self.user.is_admin or (self.role is not None and self.role.handles_conversations)

    def require_admin(self) -> None:
        if not self.administers:
            raise PermissionDenied("Only an admin of this workspace can do this.")

    def require_team(self) -> None:
        if not self.handles_conversations:
            raise PermissionDenied("Only this workspace's team can do this.")


def check_slug(slug: str) -> str:
    """A workspace's short name: 1 to 40 lowercase letters, digits and inner hyphens."""
    if not _SLUG.match(slug):
        raise InvalidInput(
            "A workspace's short name has 1 to 40 lowercase letters, digits and hyphens, "
            "and starts and ends with a letter or digit (e.g. 'action-lab')."
        )
    return slug


def slug_from(name: str) -> str:
    """A short name drawn from a workspace's name: accents dropped, words joined by hyphens."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", folded)
    slug = "-".join(words)[:40].strip("-")
    return slug or "workspace"


def check_workspace_name(name: str) -> str:
    return _bounded_line(name, MAX_WORKSPACE_NAME, "A workspace's name")


def _bounded_line(value: str, limit: int, what: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput(f"{what} cannot be empty.")
    if len(cleaned) > limit:
        raise InvalidInput(f"{what} can have at most {limit} characters.")
    if any(ord(character) < 32 for character in cleaned):
        raise InvalidInput(f"{what} cannot contain control characters.")
    return cleaned


DEFAULT_WORKSPACE_INSTRUCTIONS = (
    "The Action Lab is an incubator where members develop their own projects (startups, social "
    "ventures, research and community initiatives)."
)


def first_workspace(id: UUID, at: datetime) -> Workspace:
    """The workspace a new database holds (migration 0011 makes the same one): where people land
    until a channel or an admin places them elsewhere. It speaks as the assistant always has."""
    return Workspace(
        id=id,
        slug=DEFAULT_SLUG,
        name=DEFAULT_WORKSPACE_NAME,
        assistant=AssistantSettings(instructions=DEFAULT_WORKSPACE_INSTRUCTIONS),
        created_at=at,
        updated_at=at,
    )
