"""In-memory persistence: every repository, the unit of work, blob storage and health probes."""

from ignacio.adapters.memory.allow_list import InMemoryAllowList
from ignacio.adapters.memory.audit_log import InMemoryAuditLog
from ignacio.adapters.memory.blob_storage import InMemoryBlobStorage
from ignacio.adapters.memory.channels import InMemoryChannelRepository
from ignacio.adapters.memory.conversations import InMemoryConversationRepository
from ignacio.adapters.memory.deliveries import InMemoryDeliveryRepository
from ignacio.adapters.memory.document_index import InMemoryDocumentIndex
from ignacio.adapters.memory.files import InMemoryFileRepository
from ignacio.adapters.memory.health import (
    InMemoryBacklogProbe,
    MemoryHealthProbe,
    MemoryStorageProbe,
)
from ignacio.adapters.memory.identities import InMemoryIdentityRepository
from ignacio.adapters.memory.login_challenges import InMemoryLoginChallengeRepository
from ignacio.adapters.memory.member_sessions import InMemoryMemberSessions
from ignacio.adapters.memory.messages import InMemoryMessageRepository
from ignacio.adapters.memory.rate_limiter import ClockedRateLimiter
from ignacio.adapters.memory.sessions import InMemorySessionRepository
from ignacio.adapters.memory.statistics import InMemoryWorkspaceStatistics
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.adapters.memory.unit_of_work import InMemoryUnitOfWork, InMemoryUnitOfWorkFactory
from ignacio.adapters.memory.users import InMemoryUserRepository
from ignacio.adapters.memory.webhook_inbox import InMemoryWebhookInbox

__all__ = [
    "ClockedRateLimiter",
    "InMemoryAllowList",
    "InMemoryAuditLog",
    "InMemoryBacklogProbe",
    "InMemoryBlobStorage",
    "InMemoryChannelRepository",
    "InMemoryConversationRepository",
    "InMemoryDeliveryRepository",
    "InMemoryDocumentIndex",
    "InMemoryFileRepository",
    "InMemoryIdentityRepository",
    "InMemoryLoginChallengeRepository",
    "InMemoryMemberSessions",
    "InMemoryMessageRepository",
    "InMemorySessionRepository",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "InMemoryUnitOfWorkFactory",
    "InMemoryUserRepository",
    "InMemoryWebhookInbox",
    "InMemoryWorkspaceStatistics",
    "MemoryHealthProbe",
    "MemoryStorageProbe",
]
