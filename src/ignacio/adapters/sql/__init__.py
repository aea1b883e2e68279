"""SQL persistence on SQLAlchemy Core: SQLite (embedded) and PostgreSQL (production)."""

from ignacio.adapters.sql.allow_list import SqlAllowList
from ignacio.adapters.sql.audit_log import SqlAuditLog
from ignacio.adapters.sql.channels import SqlChannelRepository
from ignacio.adapters.sql.conversations import SqlConversationRepository
from ignacio.adapters.sql.deliveries import SqlDeliveryRepository
from ignacio.adapters.sql.document_index import SqlDocumentIndex
from ignacio.adapters.sql.engine import (
    BUSY_RETRY_AFTER_SECONDS,
    DEFAULT_SCHEMA,
    create_engine,
    database_busy,
    normalise_url,
    search_path_option,
    side_engine,
)
from ignacio.adapters.sql.files import SqlFileRepository
from ignacio.adapters.sql.health import SqlBacklogProbe, SqlHealthProbe
from ignacio.adapters.sql.login_challenges import SqlLoginChallengeRepository
from ignacio.adapters.sql.member_sessions import SqlMemberSessions
from ignacio.adapters.sql.messages import SqlMessageRepository
from ignacio.adapters.sql.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    lock_down_schemas,
    upgrade_database,
)
from ignacio.adapters.sql.sessions import SqlSessionRepository
from ignacio.adapters.sql.statistics import SqlWorkspaceStatistics
from ignacio.adapters.sql.tables import metadata
from ignacio.adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from ignacio.adapters.sql.users import SqlUserRepository
from ignacio.adapters.sql.webhook_inbox import SqlWebhookInbox
from ignacio.adapters.sql.workspaces import SqlMembershipRepository, SqlWorkspaceRepository

__all__ = [
    "BUSY_RETRY_AFTER_SECONDS",
    "DEFAULT_SCHEMA",
    "SqlAllowList",
    "SqlAuditLog",
    "SqlBacklogProbe",
    "SqlChannelRepository",
    "SqlConversationRepository",
    "SqlDeliveryRepository",
    "SqlDocumentIndex",
    "SqlFileRepository",
    "SqlHealthProbe",
    "SqlLoginChallengeRepository",
    "SqlMemberSessions",
    "SqlMembershipRepository",
    "SqlMessageRepository",
    "SqlSessionRepository",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "SqlUserRepository",
    "SqlWebhookInbox",
    "SqlWorkspaceRepository",
    "SqlWorkspaceStatistics",
    "alembic_config",
    "create_engine",
    "current_revision",
    "database_busy",
    "head_revision",
    "lock_down_schemas",
    "metadata",
    "normalise_url",
    "search_path_option",
    "side_engine",
    "upgrade_database",
]
