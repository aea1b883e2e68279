"""The ports: what the use cases need from the world, each a Protocol with its contract."""

from ignacio.application.ports.access_tokens import AccessTokens
from ignacio.application.ports.allow_list import AllowList
from ignacio.application.ports.assistant import (
    Assistant,
    AssistantReply,
    AssistantTurn,
    DocumentInput,
    ImageInput,
    TurnMessage,
)
from ignacio.application.ports.audit_log import AuditLog
from ignacio.application.ports.blob_storage import BlobStorage
from ignacio.application.ports.channel import Channel, OutgoingFile, SendFailure, SentMessage
from ignacio.application.ports.channel_directory import ChannelDirectory
from ignacio.application.ports.channels import ChannelRepository
from ignacio.application.ports.clock import Clock
from ignacio.application.ports.conversations import ConversationRepository
from ignacio.application.ports.deliveries import DeliveryRepository
from ignacio.application.ports.device_names import DeviceNames
from ignacio.application.ports.document_index import DocumentIndex, IndexedFile, RemoteCopy
from ignacio.application.ports.events import EventLog, EventSignal, Wake
from ignacio.application.ports.file_links import FileLinks, LinkedFile
from ignacio.application.ports.file_types import FileTypeDetector
from ignacio.application.ports.files import FileRepository
from ignacio.application.ports.health import HealthProbe
from ignacio.application.ports.identities import IdentityRepository
from ignacio.application.ports.ids import IdGenerator
from ignacio.application.ports.job_queue import JobQueue
from ignacio.application.ports.login_challenges import LoginChallengeRepository
from ignacio.application.ports.media_fetcher import FetchedMedia, MediaFetcher
from ignacio.application.ports.member_sessions import MemberSessions
from ignacio.application.ports.memberships import MembershipRepository
from ignacio.application.ports.message_logins import MessageLoginRepository
from ignacio.application.ports.messages import MessageRepository
from ignacio.application.ports.number_sessions import NumberSessions, SessionFailure
from ignacio.application.ports.phone_cipher import PhoneCipher
from ignacio.application.ports.rate_limiter import RateLimit, RateLimiter
from ignacio.application.ports.record_desk import Drafted, RecordDesk
from ignacio.application.ports.records import RecordFilter, RecordRepository
from ignacio.application.ports.sealer import Sealer
from ignacio.application.ports.secret_hasher import SecretHasher
from ignacio.application.ports.sessions import SessionRepository
from ignacio.application.ports.statistics import WorkspaceStatistics
from ignacio.application.ports.step_recorder import StepRecorder
from ignacio.application.ports.summaries import SummaryRepository
from ignacio.application.ports.summarizer import Summarizer, SummaryDraft, SummarySource
from ignacio.application.ports.text_extractor import TextExtractor
from ignacio.application.ports.transcriber import Transcriber
from ignacio.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from ignacio.application.ports.users import UserRepository
from ignacio.application.ports.webhook_inbox import (
    CollectedInboxBatch,
    DeliveryItems,
    InboxBatch,
    WebhookInbox,
    WebhookParser,
)
from ignacio.application.ports.workflows import WorkflowRepository
from ignacio.application.ports.workspaces import WorkspaceRepository

__all__ = [
    "AccessTokens",
    "AllowList",
    "Assistant",
    "AssistantReply",
    "AssistantTurn",
    "AuditLog",
    "BlobStorage",
    "Channel",
    "ChannelDirectory",
    "ChannelRepository",
    "Clock",
    "CollectedInboxBatch",
    "ConversationRepository",
    "DeliveryItems",
    "DeliveryRepository",
    "DeviceNames",
    "DocumentIndex",
    "DocumentInput",
    "Drafted",
    "EventLog",
    "EventSignal",
    "FetchedMedia",
    "FileLinks",
    "FileRepository",
    "FileTypeDetector",
    "HealthProbe",
    "IdGenerator",
    "IdentityRepository",
    "ImageInput",
    "InboxBatch",
    "IndexedFile",
    "JobQueue",
    "LinkedFile",
    "LoginChallengeRepository",
    "MediaFetcher",
    "MemberSessions",
    "MembershipRepository",
    "MessageLoginRepository",
    "MessageRepository",
    "NumberSessions",
    "OutgoingFile",
    "PhoneCipher",
    "RateLimit",
    "RateLimiter",
    "RecordDesk",
    "RecordFilter",
    "RecordRepository",
    "RemoteCopy",
    "Sealer",
    "SecretHasher",
    "SendFailure",
    "SentMessage",
    "SessionFailure",
    "SessionRepository",
    "StepRecorder",
    "Summarizer",
    "SummaryDraft",
    "SummaryRepository",
    "SummarySource",
    "TextExtractor",
    "Transcriber",
    "TurnMessage",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserRepository",
    "Wake",
    "WebhookInbox",
    "WebhookParser",
    "WorkflowRepository",
    "WorkspaceRepository",
    "WorkspaceStatistics",
]
