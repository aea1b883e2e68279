"""The schema, as SQLAlchemy Core tables; Alembic migrations reproduce it on SQLite and PostgreSQL.

Names follow the specification's tables (users, conversations, messages, user_sessions, otp_codes)
with the columns our domain needs. Phone numbers are never stored in plain text: a row keeps the
number encrypted and a keyed hash (`phone_lookup`) to find it and keep it unique. Indexes match
the keyset paginations and lookups the repositories run, so reads stay fast with millions of rows.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
    literal_column,
    text,
    true,
)

from ignacio.adapters.sql.types import UtcDateTime, json_document

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Written out, not bound: a planner uses a partial index only for a query that repeats its
# condition literally (SQLite never matches a bound parameter against it).
PROCESSING_PENDING = text("processing = 'pending'")


def _created_at() -> Column[object]:
    return Column("created_at", UtcDateTime(), nullable=False, server_default=func.now())


def _workspace_id() -> Column[object]:
    """The workspace a row belongs to (migration 0012); its rows go with it."""
    return Column(
        "workspace_id", Uuid(), ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    )


users = Table(
    "users",
    metadata,
    Column("id", Uuid(), primary_key=True),
    # NULL for a member known only by their WhatsApp identities (migration 0026); unique where
    # set (a unique key lets any number of NULLs through, on both dialects).
    Column("phone_number_encrypted", LargeBinary()),
    Column("phone_lookup", String(64), unique=True),
    Column("name", String(255)),
    Column("is_admin", Boolean(), nullable=False, server_default=false()),
    Column("is_active", Boolean(), nullable=False, server_default=true()),
    _created_at(),
    Column("updated_at", UtcDateTime(), nullable=False, server_default=func.now()),
    Index("ix_users_created_at_id", "created_at", "id"),
)

# How members are known to the WhatsApp providers (migration 0026, see
# `ignacio.domain.identity`): a provider's user id (Meta's BSUID) under the account that scopes
# it, looked up on every webhook by that key; NULL `account` for ids kept before accounts were.
# Not personal data outside the provider (an id scoped to one business), so kept in the clear.
whatsapp_identities = Table(
    "whatsapp_identities",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("account", String(64)),
    Column("provider_user_id", String(160), nullable=False),
    Column("parent_user_id", String(160)),
    Column("username", String(100)),
    _created_at(),
    Column("updated_at", UtcDateTime(), nullable=False, server_default=func.now()),
    # Also the index of every lookup by key, those of ids kept without an account included.
    UniqueConstraint("provider", "account", "provider_user_id"),
    Index(
        "ix_whatsapp_identities_parent_user_id_created_at_id",
        "parent_user_id",
        "created_at",
        "id",
    ),
    Index("ix_whatsapp_identities_user_id", "user_id"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(255)),
    Column("channel", String(16), nullable=False, server_default="web"),
    # No foreign key to workspace_channels: see migration 0015.
    Column("number_id", Uuid()),
    _created_at(),
    Column("updated_at", UtcDateTime(), nullable=False, server_default=func.now()),
    # Who answers (migration 0018); no foreign key on the assignee: see that migration.
    Column("state", String(16), nullable=False, server_default="assistant"),
    Column("assignee_id", Uuid()),
    Column("state_since", UtcDateTime()),
    Column("last_member_message_at", UtcDateTime()),
    Index("ix_conversations_user_id_updated_at_id", "user_id", "updated_at", "id"),
    Index("ix_conversations_updated_at_id", "updated_at", "id"),
    Index("ix_conversations_workspace_id_updated_at_id", "workspace_id", "updated_at", "id"),
    Index(
        "ix_conversations_workspace_id_state_updated_at_id",
        "workspace_id",
        "state",
        "updated_at",
        "id",
    ),
    Index("ix_conversations_assignee_id_updated_at_id", "assignee_id", "updated_at", "id"),
)

conversation_state_changes = Table(
    "conversation_state_changes",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column(
        "conversation_id",
        Uuid(),
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("transition", String(16), nullable=False),
    Column("from_state", String(16), nullable=False),
    Column("to_state", String(16), nullable=False),
    Column("actor", String(16), nullable=False),
    Column("actor_id", Uuid()),
    Column("assignee_id", Uuid()),
    Column("reason", String(500)),
    _created_at(),
    Index(
        "ix_conversation_state_changes_conversation_id_created_at", "conversation_id", "created_at"
    ),
    Index("ix_conversation_state_changes_workspace_id_created_at", "workspace_id", "created_at"),
)

conversation_reads = Table(
    "conversation_reads",
    metadata,
    Column(
        "conversation_id",
        Uuid(),
        ForeignKey("conversations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("read_until", UtcDateTime(), nullable=False),
    Index("ix_conversation_reads_user_id", "user_id"),
)

# A member's short-lived WhatsApp session in a workspace (0028): one row per member and
# workspace, alive until `expires_at`; an expired row is as none and is replaced by the next.
# `conversation_id` has no foreign key: a session names a conversation the way Redis would, and
# one deleted meanwhile is looked for and not found.
member_sessions = Table(
    "member_sessions",
    metadata,
    Column(
        "workspace_id",
        Uuid(),
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("conversation_id", Uuid()),
    Column("listed", json_document(), nullable=False),
    Column("pending", Text()),
    Column("expires_at", UtcDateTime(), nullable=False),
    # The cascade from `users`.
    Index("ix_member_sessions_user_id", "user_id"),
)

conversation_summaries = Table(
    "conversation_summaries",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column(
        "conversation_id",
        Uuid(),
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("text", Text(), nullable=False),
    # What writing it cost, as an answer's accounting.
    Column("model", String(100)),
    Column("input_tokens", Integer()),
    Column("output_tokens", Integer()),
    Column("latency_ms", Integer()),
    # The newest message it read. No foreign key: a message goes only with its conversation.
    Column("last_message_id", Uuid(), nullable=False),
    Column("last_message_at", UtcDateTime(), nullable=False),
    Column("messages_read", Integer(), nullable=False),
    # The person of the team who asked for it (NULL: made at a handoff). No foreign key, as
    # `messages.sent_by`: it keeps saying a person asked after they leave.
    Column("requested_by", Uuid()),
    _created_at(),
    Index(
        "ix_conversation_summaries_conversation_id_created_at_id",
        "conversation_id",
        "created_at",
        "id",
    ),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column(
        "conversation_id",
        Uuid(),
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("author", String(16), nullable=False),
    Column("content", Text(), nullable=False),
    Column("message_type", String(16), nullable=False, server_default="text"),
    Column("channel", String(16), nullable=False, server_default="web"),
    Column("file_path", String(500)),
    # The domain's external_message_id; the name is the specification's.
    Column("whatsapp_message_id", String(255)),
    Column("delivery_status", String(16), nullable=False, server_default="received"),
    # Kept for tools written against the specification's schema; the database derives it.
    Column("is_from_user", Boolean(), Computed("author = 'member'", persisted=True)),
    _created_at(),
    # Inbound provider messages: the media to fetch, and how far the answering pipeline got.
    Column("media", json_document(none_as_null=True)),
    Column("processing", String(16)),
    Column("processing_attempts", Integer(), nullable=False, server_default=text("0")),
    # Answers: the message answered; unique, so that a message is answered once at most.
    Column("reply_to_id", Uuid(), ForeignKey("messages.id", ondelete="CASCADE")),
    # What a voice note said (migration 0006).
    Column("transcript", Text()),
    # Answers' accounting (seed 002); the model column has the seed's name, `ai_model_used`.
    Column("ai_model_used", String(100)),
    Column("input_tokens", Integer()),
    Column("output_tokens", Integer()),
    Column("latency_ms", Integer()),
    # A message written by hand by a person of the team (migration 0018).
    Column("sent_by", Uuid()),
    # A message sent as an approved template: which, with its values (migration 0019).
    Column("template", json_document(none_as_null=True)),
    # Edited or deleted by the member on WhatsApp; answers carry the revision they answer
    # (migration 0023).
    Column("original_text", Text()),
    Column("edited_at", UtcDateTime()),
    Column("revision", Integer(), nullable=False, server_default=text("0")),
    Column("revoked_at", UtcDateTime()),
    # A member's message answered with the later messages of its burst: that answer
    # (migration 0030). No foreign key: an answer goes only with its whole conversation.
    Column("answered_by_id", Uuid()),
    Index("ix_messages_conversation_id_created_at_id", "conversation_id", "created_at", "id"),
    # Deleting a user cascades to messages by user_id; without this, a full scan per deletion.
    Index("ix_messages_user_id", "user_id"),
    # The dashboard reads a workspace's messages over a period (migration 0020).
    Index("ix_messages_workspace_id_created_at", "workspace_id", "created_at"),
    Index(
        "ux_messages_whatsapp_message_id",
        "whatsapp_message_id",
        unique=True,
        sqlite_where=literal_column("whatsapp_message_id").isnot(None),
        postgresql_where=literal_column("whatsapp_message_id").isnot(None),
    ),
    Index(
        "ux_messages_reply_to_id_revision",
        "reply_to_id",
        "revision",
        unique=True,
        sqlite_where=literal_column("reply_to_id").isnot(None),
        postgresql_where=literal_column("reply_to_id").isnot(None),
    ),
    # The worker's queue of unfinished messages: small, whatever the size of the table.
    Index(
        "ix_messages_pending_created_at_id",
        "created_at",
        "id",
        sqlite_where=PROCESSING_PENDING,
        postgresql_where=PROCESSING_PENDING,
    ),
)

message_deliveries = Table(
    "message_deliveries",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column("message_id", Uuid(), ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("part", Integer(), nullable=False),
    Column("content", Text(), nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("sending", Boolean(), nullable=False, server_default=false()),
    Column("external_id", String(255)),
    Column("attempts", Integer(), nullable=False, server_default=text("0")),
    Column("error_code", Integer()),
    Column("error_title", String(500)),
    _created_at(),
    Column("updated_at", UtcDateTime(), nullable=False, server_default=func.now()),
    UniqueConstraint("message_id", "part"),
    Index(
        "ux_message_deliveries_external_id",
        "external_id",
        unique=True,
        sqlite_where=literal_column("external_id").isnot(None),
        postgresql_where=literal_column("external_id").isnot(None),
    ),
    Index("ix_message_deliveries_status_updated_at_id", "status", "updated_at", "id"),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # The specification's session_token, kept only as a hash of the refresh token.
    Column("token_hash", String(255), nullable=False, unique=True),
    Column("expires_at", UtcDateTime(), nullable=False),
    _created_at(),
    Column("last_used_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    Column("user_agent", String(255)),
    Column("client_address", String(255)),
    Index("ix_user_sessions_user_id", "user_id"),
    # The sweep forgets sessions long expired (migration 0027).
    Index("ix_user_sessions_expires_at", "expires_at"),
)

# The refresh tokens a session has rotated out, hashed like the current one: presenting one again
# is reuse (a stolen copy, or the thief's), which ends the session. They go with their session.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(255), primary_key=True),
    Column(
        "session_id",
        Uuid(),
        ForeignKey("user_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("rotated_at", UtcDateTime(), nullable=False),
    Index("ix_refresh_tokens_session_id", "session_id"),
)

otp_codes = Table(
    "otp_codes",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("phone_lookup", String(64), nullable=False),
    Column("phone_number_encrypted", LargeBinary(), nullable=False),
    # NULL from the request until the code is drawn and sent (after the answer, in a job).
    Column("code_hash", String(255)),
    Column("attempts", Integer(), nullable=False, server_default=text("0")),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("consumed_at", UtcDateTime()),
    # The specification's is_used, derived so that it can never disagree with consumed_at.
    Column("is_used", Boolean(), Computed("consumed_at IS NOT NULL", persisted=True)),
    _created_at(),
    Index("ix_otp_codes_phone_lookup_created_at_id", "phone_lookup", "created_at", "id"),
)

# Logins (and links) by a code sent from WhatsApp (migration 0023). The code is kept only as its
# keyed hash, and only while it may be claimed (NULL after): unique within its workspace, so the
# pipeline finds the one challenge a code names. The browser's secret is kept hashed too.
# `member_id` is whoever sent the code, `account_id` the account a link is for; both go with
# their person, and the challenge with its workspace.
message_logins = Table(
    "message_logins",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column("purpose", String(8), nullable=False),
    Column("code_hash", String(64)),
    Column("browser_token_hash", String(64), nullable=False),
    Column("device", String(120)),
    Column("account_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE")),
    Column("member_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE")),
    Column("state", String(16), nullable=False),
    _created_at(),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("claimed_at", UtcDateTime()),
    Column("decided_at", UtcDateTime()),
    Column("used_at", UtcDateTime()),
    UniqueConstraint("workspace_id", "code_hash"),
    # A member's open claims; the cascades from `users`; the workspace's expired ones.
    Index("ix_message_logins_member_id_state", "member_id", "state"),
    Index("ix_message_logins_account_id", "account_id"),
    Index("ix_message_logins_expires_at", "expires_at"),
    Index("ix_message_logins_workspace_id_expires_at", "workspace_id", "expires_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Uuid(), primary_key=True),
    # The workspace the action happened in; NULL for a platform-level one. No foreign key, as
    # for the actor: the log outlives the workspaces it mentions.
    Column("workspace_id", Uuid()),
    # No foreign key: the log outlives the users it mentions.
    Column("actor_id", Uuid()),
    Column("action", String(64), nullable=False),
    Column("target_type", String(64), nullable=False),
    Column("target_id", String(255)),
    Column("details", json_document(), nullable=False),
    _created_at(),
    Index("ix_audit_log_created_at_id", "created_at", "id"),
    Index("ix_audit_log_actor_id_created_at_id", "actor_id", "created_at", "id"),
    Index("ix_audit_log_target_id_created_at_id", "target_id", "created_at", "id"),
    Index("ix_audit_log_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
)

allowed_numbers = Table(
    "allowed_numbers",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column("phone_number_encrypted", LargeBinary(), nullable=False),
    # Unique per workspace: the same number may be on the lists of several (migration 0012).
    Column("phone_lookup", String(64), nullable=False),
    Column("note", String(255)),
    # No foreign key: an entry stays when the admin who added it is deleted.
    Column("added_by", Uuid()),
    _created_at(),
    UniqueConstraint("workspace_id", "phone_lookup"),
    # A workspace's list in the order numbers were added (migration 0013).
    Index("ix_allowed_numbers_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
)

# The organisations the assistant speaks for (migration 0011). `assistant` holds only the
# settings a workspace chose; a setting absent from it follows the deployment's default.
workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("slug", String(40), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("assistant", json_document(), nullable=False),
    # NULL follows the deployment's IGNACIO_WHATSAPP_ACCESS.
    Column("access", String(16)),
    _created_at(),
    Column("updated_at", UtcDateTime(), nullable=False, server_default=func.now()),
    # The approved template its team sends outside WhatsApp's window (migration 0019).
    Column("reply_template", json_document(none_as_null=True)),
    Index("ix_workspaces_created_at_id", "created_at", "id"),
)

workspace_members = Table(
    "workspace_members",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("workspace_id", Uuid(), ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    _created_at(),
    Column("updated_at", UtcDateTime(), nullable=False, server_default=func.now()),
    UniqueConstraint("workspace_id", "user_id"),
    Index("ix_workspace_members_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    # A person's workspaces, and the cascade when a user is deleted: without it, full scans.
    Index("ix_workspace_members_user_id", "user_id"),
)

# The steps each workspace's assistant finds out from every member (migration 0029): one row per
# workspace that has any, the ordered steps as one document (they are read and replaced whole).
workspace_workflows = Table(
    "workspace_workflows",
    metadata,
    Column(
        "workspace_id",
        Uuid(),
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("steps", json_document(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False, server_default=func.now()),
)

# Each member's answers to those steps, one row per key: answers written at the same moment to
# two keys never overwrite each other. `kind` is the type the value was checked against.
workflow_answers = Table(
    "workflow_answers",
    metadata,
    Column(
        "workspace_id",
        Uuid(),
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(40), primary_key=True),
    Column("value", Text(), nullable=False),
    Column("kind", String(16), nullable=False),
    # The person of the team who set it (NULL: the assistant). No foreign key, as
    # `messages.sent_by`: it keeps saying a person set it after they leave.
    Column("set_by", Uuid()),
    Column("set_at", UtcDateTime(), nullable=False),
    # The cascade when a user is deleted: without it, a full scan.
    Index("ix_workflow_answers_user_id", "user_id"),
)

# A workspace's own WhatsApp numbers (migration 0014). The webhooks find a number by the address
# its provider names it by, whichever workspace has it: unique across workspaces, since an
# address belongs to one workspace at most. The number people write to is the business's own,
# not a person's: plain E.164. The credentials are kept as the Sealer sealed them. `connection`
# (migration 0024): a gateway number's link to WhatsApp as last reported, a JSON document (its
# state, since when, the QR code to scan while pairing); NULL for the other providers.
workspace_channels = Table(
    "workspace_channels",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column("provider", String(16), nullable=False),
    Column("address", String(64), nullable=False),
    Column("display_number", String(16)),
    Column("label", String(255)),
    Column("sealed_credentials", LargeBinary(), nullable=False),
    _created_at(),
    Column("connection", json_document(none_as_null=True)),
    UniqueConstraint("provider", "address"),
    # A workspace's numbers, oldest first; and the cascade when a workspace is deleted.
    Index("ix_workspace_channels_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
)

# What changed in a workspace's conversations, for the open web apps (migration 0022): the outbox,
# written in the transaction of each change. `id` is the streams' cursor: increasing, and never
# given twice (AUTOINCREMENT on SQLite, so that pruning the newest rows cannot hand out their
# numbers again; a sequence on PostgreSQL). `member_id` is the conversation's member, whose own
# stream shows it; their events go with them. Rows are pruned after a few days.
workspace_events = Table(
    "workspace_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    _workspace_id(),
    Column("conversation_id", Uuid(), nullable=False),
    Column("member_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("data", json_document(), nullable=False),
    _created_at(),
    # A team's stream catching up; a member's (and the cascade from `users`); pruning.
    Index("ix_workspace_events_workspace_id_id", "workspace_id", "id"),
    Index("ix_workspace_events_member_id_id", "member_id", "id"),
    Index("ix_workspace_events_created_at", "created_at"),
    sqlite_autoincrement=True,
)

# Webhook deliveries acknowledged and not yet stored: the body as it arrived, so that a process
# that dies after the 200 loses nothing (the next drain stores it). Rows live for milliseconds,
# except those set aside after failing every attempt (migration 0009): their body is sealed,
# and `sender` keeps only the masked number, for admins.
webhook_inbox = Table(
    "webhook_inbox",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("provider", String(16), nullable=False),
    Column("body", LargeBinary(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default=text("0")),
    Column("last_error", Text()),
    Column("set_aside_at", UtcDateTime()),
    Column("sender", String(32)),
    Index("ix_webhook_inbox_received_at_id", "received_at", "id"),
)

SYNC_UNFINISHED = text("openai_sync_status IN ('pending', 'synced', 'expired')")

user_files = Table(
    "user_files",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    # NULL: a document of the workspace's knowledge base, which no member owns.
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE")),
    Column("file_name", String(255), nullable=False),
    Column("file_path", String(500), nullable=False),
    Column("file_type", String(100), nullable=False),
    Column("file_size", BigInteger(), nullable=False),
    Column("source", String(16), nullable=False, server_default="web"),
    Column("conversation_id", Uuid(), ForeignKey("conversations.id", ondelete="SET NULL")),
    Column("message_id", Uuid(), ForeignKey("messages.id", ondelete="SET NULL")),
    _created_at(),
    Column("extraction_status", String(16), nullable=False, server_default="pending"),
    Column("extraction_note", String(500)),
    Column("openai_file_id", String(255)),
    Column("openai_vector_store_id", String(255)),
    Column("openai_uploaded_at", UtcDateTime()),
    Column("openai_sync_status", String(20), nullable=False, server_default="pending"),
    Column("sync_attempts", Integer(), nullable=False, server_default=text("0")),
    Column("sync_error", String(500)),
    Column("synced_at", UtcDateTime()),
    # A knowledge document outlives the admin who uploaded it.
    Column("uploaded_by", Uuid(), ForeignKey("users.id", ondelete="SET NULL")),
    Index("ix_user_files_user_id_created_at_id", "user_id", "created_at", "id"),
    Index("ix_user_files_created_at_id", "created_at", "id"),
    Index("ix_user_files_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    # The sync sweep's work list: files not yet failed for good.
    Index(
        "ix_user_files_sync_created_at_id",
        "openai_sync_status",
        "created_at",
        "id",
        sqlite_where=SYNC_UNFINISHED,
        postgresql_where=SYNC_UNFINISHED,
    ),
)

# The DocumentIndex's passages. Only the columns both dialects share are declared here: the
# search structure differs by dialect and migration 0005 builds it beside this table (PostgreSQL:
# a generated tsvector column with a GIN index; SQLite: an FTS5 table over `search_text`, kept in
# step by triggers). SEARCH_STRUCTURES names those objects, which no metadata can describe.
document_chunks = Table(
    "document_chunks",
    metadata,
    # An INTEGER primary key on SQLite is the rowid, which the FTS5 table refers to.
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    # Whose collection the passage is in, and its workspace, repeated on every passage: every
    # search filters on both (a member's files in one workspace are never quoted in another).
    # `owner_id` is the member's id, or for the workspace's knowledge base the workspace's own:
    # a search reads `owner_id IN (member, workspace)` through one index. No foreign keys: the
    # file's own cascade from `users` and `workspaces`.
    Column("owner_id", Uuid(), nullable=False),
    Column("workspace_id", Uuid(), nullable=False),
    Column("file_id", Uuid(), ForeignKey("user_files.id", ondelete="CASCADE"), nullable=False),
    Column("file_name", Text(), nullable=False),
    Column("ordinal", Integer(), nullable=False),
    Column("location", Text()),
    Column("text", Text(), nullable=False),
    # The text folded (case, accents, compatibility forms) into space-separated words: what both
    # dialects index, so that they and the in-memory index agree on what a word is.
    Column("search_text", Text(), nullable=False),
    # A search reads the member's and the knowledge base's passages in one workspace;
    # forgetting a member, all of theirs.
    Index("ix_document_chunks_owner_id_workspace_id", "owner_id", "workspace_id"),
    # Deleting a file cascades here by file_id; without this, a full scan per deletion.
    Index("ix_document_chunks_file_id", "file_id"),
)

SEARCH_STRUCTURES = frozenset(
    {
        # PostgreSQL
        "search_vector",
        "ix_document_chunks_search_vector",
        # SQLite: the FTS5 table and the shadow tables it keeps its index in
        "document_chunks_fts",
        "document_chunks_fts_data",
        "document_chunks_fts_idx",
        "document_chunks_fts_docsize",
        "document_chunks_fts_config",
    }
)
"""Objects of the document index that migration 0005 creates outside `metadata`, by name."""

# Records (migration 0031): the structured things members ask for (reports, proposals...), the
# team's comments on them, and each workspace's own record types (the built-in ones live in the
# code). `record_values` holds the values as the type validated them. A record goes with its
# owner and its workspace; its conversation may go first (SET NULL keeps the record).
record_types = Table(
    "record_types",
    metadata,
    Column(
        "workspace_id",
        Uuid(),
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", String(40), primary_key=True),
    Column("definition", json_document(), nullable=False),
    _created_at(),
)

records = Table(
    "records",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("type_name", String(40), nullable=False),
    Column("title", String(200), nullable=False),
    Column("record_values", json_document(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("unfilled", json_document(), nullable=False),
    Column("conversation_id", Uuid(), ForeignKey("conversations.id", ondelete="SET NULL")),
    _created_at(),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("confirmed_at", UtcDateTime()),
    # The list's keyset, unfiltered or by status (the team's inbox); a member's own records
    # (and the cascade from users), in the same order.
    Index("ix_records_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    Index(
        "ix_records_workspace_id_status_created_at_id",
        "workspace_id",
        "status",
        "created_at",
        "id",
    ),
    Index(
        "ix_records_user_id_workspace_id_created_at_id",
        "user_id",
        "workspace_id",
        "created_at",
        "id",
    ),
    Index("ix_records_conversation_id", "conversation_id"),
)

record_comments = Table(
    "record_comments",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _workspace_id(),
    Column("record_id", Uuid(), ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    # No foreign key, as `messages.sent_by`: it keeps saying a person wrote it after they leave.
    Column("author_id", Uuid(), nullable=False),
    Column("text", Text(), nullable=False),
    Column("notice", String(16), nullable=False),
    _created_at(),
    Index("ix_record_comments_record_id_created_at", "record_id", "created_at"),
)
