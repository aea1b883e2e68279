"""The composition root: the one place that picks adapters and wires them into use cases.

Tests override providers (`container.channel.override(fake)`) instead of patching modules;
providers are resolved per request, so an override takes effect at once.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any, ClassVar
from uuid import UUID

import httpx
from dependency_injector import containers, providers

from ignacio.adapters import twilio, whatsapp_cloud, whatsapp_gateway
from ignacio.adapters.console import ConsoleChannel, ConsoleChannelProbe, ConsoleMediaFetcher
from ignacio.adapters.extraction import ContentTypeDetector, ExtractionLimits
from ignacio.adapters.extraction.limits import MB
from ignacio.adapters.inprocess_queue import InProcessJobQueue
from ignacio.adapters.live import InProcessEventSignal
from ignacio.adapters.local_storage import LocalFileStorage, LocalStorageProbe
from ignacio.adapters.memory import (
    InMemoryBacklogProbe,
    InMemoryBlobStorage,
    InMemoryDocumentIndex,
    InMemoryMemberSessions,
    InMemoryStore,
    InMemoryUnitOfWorkFactory,
    InMemoryWebhookInbox,
    InMemoryWorkspaceStatistics,
    MemoryHealthProbe,
    MemoryStorageProbe,
)
from ignacio.adapters.offline_assistant import (
    OfflineAssistant,
    OfflineAssistantProbe,
    OfflineSummarizer,
)
from ignacio.adapters.ratelimit import rate_limiter as limiter_for_storage
from ignacio.adapters.security import (
    AesGcmPhoneCipher,
    AesGcmSealer,
    HmacSecretHasher,
    JwtAccessTokens,
    KeyRing,
    SignedFileLinks,
    derive_key,
)
from ignacio.adapters.sql import (
    SqlBacklogProbe,
    SqlDocumentIndex,
    SqlHealthProbe,
    SqlMemberSessions,
    SqlUnitOfWorkFactory,
    SqlWebhookInbox,
    SqlWorkspaceStatistics,
    create_engine,
)
from ignacio.adapters.sql import (
    side_engine as side_engine_for,
)
from ignacio.adapters.sql.events import notify_channel
from ignacio.adapters.system import RandomIdGenerator, SystemClock
from ignacio.adapters.twilio import TwilioChannel, TwilioMediaFetcher
from ignacio.adapters.twilio.health import TwilioProbe
from ignacio.adapters.user_agents import UaParserDeviceNames
from ignacio.adapters.whatsapp_cloud import CloudApiChannel, CloudApiMediaFetcher
from ignacio.adapters.whatsapp_cloud.health import CloudApiProbe
from ignacio.application.auditing import Auditor
from ignacio.application.bursts import Bursts
from ignacio.application.commands import Commands
from ignacio.application.file_intake import FileIntake
from ignacio.application.health_cache import CachedProbe
from ignacio.application.live_feed import LiveFeed
from ignacio.application.login_messages import LoginMessages, MessageLoginLimits
from ignacio.application.merging import MemberMerges
from ignacio.application.pacing import Pacer
from ignacio.application.ports import RateLimit, WebhookParser
from ignacio.application.sessions import SessionIssuer
from ignacio.application.use_cases.accept_webhook import AcceptWebhook, DrainRequests
from ignacio.application.use_cases.add_to_allow_list import AddToAllowList
from ignacio.application.use_cases.admin_get_conversation import AdminGetConversation
from ignacio.application.use_cases.admin_list_conversations import AdminListConversations
from ignacio.application.use_cases.apply_identity_change import ApplyIdentityChange
from ignacio.application.use_cases.attach_file import AttachFile
from ignacio.application.use_cases.authenticate import Authenticate
from ignacio.application.use_cases.check_health import CheckHealth
from ignacio.application.use_cases.check_system_health import CheckSystemHealth
from ignacio.application.use_cases.create_conversation import CreateConversation
from ignacio.application.use_cases.create_user import CreateUser
from ignacio.application.use_cases.dashboard import GetDashboard
from ignacio.application.use_cases.delete_file import DeleteFile
from ignacio.application.use_cases.delete_user import DeleteUser
from ignacio.application.use_cases.drain_webhook_inbox import DrainWebhookInbox
from ignacio.application.use_cases.file_links import ReadLinkedFile
from ignacio.application.use_cases.gateway_links import (
    PairChannel,
    RecordConnectionUpdate,
    WatchGatewayLinks,
)
from ignacio.application.use_cases.get_file import DownloadFile, GetFile
from ignacio.application.use_cases.get_me import GetMe
from ignacio.application.use_cases.knowledge_base import (
    DeleteKnowledge,
    DownloadKnowledge,
    GetKnowledge,
    ListKnowledge,
    ResyncKnowledge,
    UploadKnowledge,
)
from ignacio.application.use_cases.list_allow_list import ListAllowList
from ignacio.application.use_cases.list_audit_log import ListAuditLog
from ignacio.application.use_cases.list_conversations import ListConversations
from ignacio.application.use_cases.list_failed_deliveries import ListFailedDeliveries
from ignacio.application.use_cases.list_files import ListFiles
from ignacio.application.use_cases.list_messages import ListMessages
from ignacio.application.use_cases.list_sessions import ListSessions
from ignacio.application.use_cases.list_set_aside_webhooks import ListSetAsideWebhooks
from ignacio.application.use_cases.list_users import ListUsers
from ignacio.application.use_cases.list_workspaces import GetWorkspace, ListWorkspaces
from ignacio.application.use_cases.live_events import OpenEventStream, PruneEnded
from ignacio.application.use_cases.logout import Logout
from ignacio.application.use_cases.make_admin import MakeAdmin
from ignacio.application.use_cases.manage_workspaces import CreateWorkspace, UpdateWorkspace
from ignacio.application.use_cases.member_conversation import (
    AskForAPerson,
    GetMemberConversation,
)
from ignacio.application.use_cases.poll_message_login import PollMessageLogin
from ignacio.application.use_cases.process_inbound import ProcessInbound
from ignacio.application.use_cases.receive_inbound import InboundLimits, ReceiveInbound
from ignacio.application.use_cases.receive_webhook import ReceiveWebhook
from ignacio.application.use_cases.record_delivery_update import RecordDeliveryUpdate
from ignacio.application.use_cases.records import (
    AddRecordType,
    AssistantRecords,
    ChangeRecordStatus,
    CommentOnRecord,
    ConfirmRecord,
    CreateRecord,
    EditRecord,
    GetRecord,
    ListRecords,
    ListRecordTypes,
    RecordLinks,
    RemoveRecordType,
)
from ignacio.application.use_cases.refresh_session import RefreshSession
from ignacio.application.use_cases.remove_from_allow_list import RemoveFromAllowList
from ignacio.application.use_cases.request_otp import OtpRequestLimits, RequestOtp
from ignacio.application.use_cases.resolve_workspace import ResolveWorkspace
from ignacio.application.use_cases.resume_processing import ResumeProcessing
from ignacio.application.use_cases.resync_files import ResyncFiles
from ignacio.application.use_cases.revise_inbound import ReviseInbound
from ignacio.application.use_cases.revoke_session import RevokeSession
from ignacio.application.use_cases.send_login_code import SendLoginCode
from ignacio.application.use_cases.send_message import SendMessage
from ignacio.application.use_cases.start_message_login import StartMessageLogin
from ignacio.application.use_cases.summaries import (
    GetSummary,
    SummarizeConversation,
    SummarizeHandedOver,
)
from ignacio.application.use_cases.sync_file import QueueFileSyncs, SyncFile
from ignacio.application.use_cases.team_inbox import (
    CloseConversation,
    GetInboxThread,
    HandBackConversation,
    ListInbox,
    MarkConversationRead,
    ReplyAsTeam,
    SendFileAsTeam,
    SendTemplate,
    TakeConversation,
    ThreadMessages,
)
from ignacio.application.use_cases.update_me import UpdateMe
from ignacio.application.use_cases.update_user import UpdateUser
from ignacio.application.use_cases.upload_file import UploadFile
from ignacio.application.use_cases.verify_otp import VerifyOtp
from ignacio.application.use_cases.workflow import (
    ClearAnswer,
    ExportAnswers,
    GetProgress,
    GetWorkflow,
    RecordStepAnswer,
    ReplaceWorkflow,
    SetAnswer,
)
from ignacio.application.use_cases.workspace_channels import (
    ConnectChannel,
    DisconnectChannel,
    FindNumberCredentials,
    ListChannels,
)
from ignacio.application.use_cases.workspace_members import (
    AddWorkspaceMember,
    ChangeMemberRole,
    ListWorkspaceMembers,
    RemoveWorkspaceMember,
)
from ignacio.domain import BacklogPolicy, OtpPolicy, Provider, RetryPolicy
from ignacio.domain.pacing import Pacing
from ignacio.entrypoints import lazy_adapters
from ignacio.entrypoints.channel_directory import (
    Line,
    SealedChannelDirectory,
    gateway_sessions,
    home_address,
    home_number,
    provider_lines,
    provider_probes,
)
from ignacio.entrypoints.config import Settings, reveal
from ignacio.entrypoints.keys import load_keys, whatsapp_app_secret


def _storage_kind(settings: Settings) -> str:
    return "memory" if settings.uses_memory else "sql"


def _session_store_kind(settings: Settings) -> str:
    """Members' sessions live in Redis when there is one, else beside everything else."""
    return "redis" if settings.limits.redis_url else _storage_kind(settings)


def _signal_kind(settings: Settings) -> str:
    """PostgreSQL may be shared by several processes: they hear each other's commits through
    it. SQLite and memory:// have one process writing, which hears its own."""
    return "postgres" if settings.uses_postgres else "inprocess"


def _pacing(settings: Settings) -> Pacing:
    pacing = settings.pacing
    return Pacing(
        pair_interval=pacing.pair_interval,
        pair_burst=pacing.pair_burst,
        throughput=pacing.throughput,
        deadline=pacing.deadline,
    )


def _otp_limits(settings: Settings) -> OtpRequestLimits:
    window = int(settings.auth.otp_request_window.total_seconds())
    return OtpRequestLimits(
        per_phone=RateLimit(amount=settings.auth.otp_requests_per_phone, seconds=window),
        per_client=RateLimit(amount=settings.auth.otp_requests_per_client, seconds=window),
    )


def _message_login_limits(settings: Settings) -> MessageLoginLimits:
    ten_minutes = 10 * 60
    return MessageLoginLimits(
        per_client=RateLimit(amount=settings.auth.message_logins_per_client, seconds=ten_minutes),
        per_member=RateLimit(
            amount=settings.auth.message_login_codes_per_member, seconds=ten_minutes
        ),
    )


def _inbound_limits(settings: Settings) -> InboundLimits:
    return InboundLimits(
        per_phone=RateLimit(
            amount=settings.limits.messages,
            seconds=int(settings.limits.window.total_seconds()),
        )
    )


WEBHOOK_PARSERS: dict[Provider, WebhookParser] = {
    Provider.WHATSAPP_CLOUD: whatsapp_cloud.CloudApiWebhookParser(),
    Provider.TWILIO: twilio.TwilioWebhookParser(),
    Provider.WHATSAPP_GATEWAY: whatsapp_gateway.GatewayWebhookParser(),
}


def _drain_concurrency(settings: Settings) -> int:
    """Deliveries stored at once: a few, as many as the database serves side by side (turns
    in flight mostly wait on the model, so their number says nothing about the database's).
    Storing one holds up to two connections (the member's session is read on one of its own,
    see ReceiveInbound), so the engine's pool (10, and 10 more) must have twice as many.
    SQLite has one writer: stores side by side would only queue for its lock, so there one at
    a time is faster."""
    return 1 if settings.is_embedded else min(settings.worker_concurrency, DRAIN_CONCURRENCY)


def _queue_pool_size(settings: Settings) -> int:
    """procrastinate's connections: its worker fetches one job at a time and a running job
    holds none (only its start and end do), so a few serve any number of turns in flight."""
    return min(settings.worker_concurrency, QUEUE_POOL_SIZE - 4) + 4


def _extraction_limits(settings: Settings) -> ExtractionLimits:
    return ExtractionLimits(
        max_bytes=settings.extraction.max_mb * MB,
        max_ratio=settings.extraction.max_ratio,
        max_seconds=settings.extraction.timeout.total_seconds(),
    )


def _worker_preload() -> tuple[str, ...]:
    """The module the process's main script imports its entry point from (the `ignacio`
    command's script imports the CLI), which every extraction worker runs again."""
    entry = getattr(sys.modules.get("__main__"), "main", None)
    module = getattr(entry, "__module__", None)
    return (module,) if isinstance(module, str) and module.startswith("ignacio.") else ()


# How often the admin view may ask Meta, Twilio or the model's server whether the credentials
# work (per process): the page refreshes every 15 seconds, the providers need not hear of it.
PROVIDER_CHECK_PERIOD = timedelta(minutes=5)
# Sized for the database, not for the turns in flight (see `_drain_concurrency`,
# `_queue_pool_size`): PostgreSQL serves 100 connections to every process together.
DRAIN_CONCURRENCY = 4
QUEUE_POOL_SIZE = 12


def _cached(probe: providers.Provider[Any], clock: providers.Provider[Any]) -> Any:
    """A provider's health probe, asked at most once per PROVIDER_CHECK_PERIOD."""
    return providers.Singleton(CachedProbe, probe, clock, PROVIDER_CHECK_PERIOD)


def _hashing_key(keys: KeyRing) -> bytes:
    return derive_key(keys.jwt_secret, "ignacio secret hashing v1")


def _file_links_key(keys: KeyRing) -> bytes:
    return derive_key(keys.jwt_secret, "ignacio file links v1")


class Container(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(RandomIdGenerator)

    # The secrets' values, read out of their SecretStr only where an adapter takes them.
    whatsapp_access_token = providers.Callable(
        reveal, settings.provided.whatsapp_cloud.access_token
    )
    twilio_auth_token = providers.Callable(reveal, settings.provided.twilio.auth_token)
    supabase_service_key = providers.Callable(
        reveal, settings.provided.storage.supabase_service_key
    )
    openai_api_key = providers.Callable(reveal, settings.provided.assistant.openai_api_key)
    gateway_secret = providers.Callable(reveal, settings.provided.gateway.secret)

    keys = providers.Singleton(load_keys, settings)
    hasher = providers.Singleton(HmacSecretHasher, key=providers.Callable(_hashing_key, keys))
    phone_cipher = providers.Singleton(AesGcmPhoneCipher, key=keys.provided.phone_key)
    sealer = providers.Singleton(AesGcmSealer, key=keys.provided.phone_key)
    access_tokens = providers.Singleton(
        JwtAccessTokens,
        secret=keys.provided.jwt_secret,
        ttl=settings.provided.auth.access_token_ttl,
    )
    file_links = providers.Singleton(
        SignedFileLinks,
        secret=providers.Callable(_file_links_key, keys),
        base_url=settings.provided.twilio.public_url,
    )

    storage_kind = providers.Callable(_storage_kind, settings)
    engine = providers.Singleton(
        create_engine,
        settings.provided.effective_database_url,
        schema=settings.provided.database.schema_name,
    )
    side_engine = providers.Singleton(
        side_engine_for,
        engine,
        settings.provided.effective_database_url,
        schema=settings.provided.database.schema_name,
    )
    memory_store = providers.Singleton(InMemoryStore)
    event_signal = providers.Selector(
        providers.Callable(_signal_kind, settings),
        inprocess=providers.Singleton(InProcessEventSignal),
        postgres=providers.Singleton(
            lazy_adapters.postgres_event_signal,
            settings.provided.effective_database_url,
            channel=providers.Callable(notify_channel, settings.provided.database.schema_name),
        ),
    )
    uow = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryUnitOfWorkFactory, memory_store, event_signal),
        sql=providers.Singleton(SqlUnitOfWorkFactory, engine, phone_cipher, event_signal),
    )
    live_feed = providers.Singleton(
        LiveFeed,
        uow=uow,
        signal=event_signal,
        clock=clock,
        max_streams=settings.provided.live.max_streams,
    )
    # Tasks a process runs beside serving (the pruning of events where no worker sweeps).
    maintenance: providers.Singleton[set[Any]] = providers.Singleton(set)
    webhook_inbox = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryWebhookInbox),
        sql=providers.Singleton(SqlWebhookInbox, engine),
    )
    workspace_statistics = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryWorkspaceStatistics, memory_store),
        sql=providers.Singleton(SqlWorkspaceStatistics, engine),
    )
    database_probe = providers.Selector(
        storage_kind,
        memory=providers.Singleton(MemoryHealthProbe),
        sql=providers.Singleton(SqlHealthProbe, engine),
    )

    http_client = providers.Singleton(
        httpx.AsyncClient, timeout=httpx.Timeout(15.0, connect=5.0), follow_redirects=False
    )
    channel_kind = providers.Callable(lambda settings: settings.channel.kind.value, settings)
    channel = providers.Selector(
        channel_kind,
        console=providers.Singleton(ConsoleChannel),
        whatsapp_cloud=providers.Singleton(
            CloudApiChannel,
            client=http_client,
            base_url=settings.provided.whatsapp_cloud.api_base_url,
            api_version=settings.provided.whatsapp_cloud.api_version,
            phone_number_id=settings.provided.whatsapp_cloud.phone_number_id,
            access_token=whatsapp_access_token,
            login_template_name=settings.provided.whatsapp_cloud.login_template,
            login_template_language=settings.provided.whatsapp_cloud.login_template_language,
        ),
        twilio=providers.Singleton(
            TwilioChannel,
            client=http_client,
            account_sid=settings.provided.twilio.account_sid,
            auth_token=twilio_auth_token,
            from_number=settings.provided.twilio.number,
            api_base_url=settings.provided.twilio.api_base_url,
            messaging_base_url=settings.provided.twilio.messaging_base_url,
            status_callback_url=settings.provided.twilio.status_callback,
            login_content_sid=settings.provided.twilio.login_content_sid,
        ),
    )
    media_fetcher = providers.Selector(
        channel_kind,
        console=providers.Singleton(ConsoleMediaFetcher),
        whatsapp_cloud=providers.Singleton(
            CloudApiMediaFetcher,
            client=http_client,
            base_url=settings.provided.whatsapp_cloud.api_base_url,
            api_version=settings.provided.whatsapp_cloud.api_version,
            access_token=whatsapp_access_token,
        ),
        twilio=providers.Singleton(
            TwilioMediaFetcher,
            client=http_client,
            account_sid=settings.provided.twilio.account_sid,
            auth_token=twilio_auth_token,
            api_base_url=settings.provided.twilio.api_base_url,
        ),
    )
    built_channels: providers.Singleton[dict[UUID, tuple[bytes, Line]]] = providers.Singleton(dict)
    channel_directory = providers.Factory(
        SealedChannelDirectory,
        home_channel=channel,
        home_media=media_fetcher,
        sealer=sealer,
        factories=providers.Singleton(provider_lines, http_client, settings),
        built=built_channels,
        probes=providers.Singleton(provider_probes, http_client, settings),
    )
    webhook_secret = providers.Singleton(whatsapp_app_secret, settings)
    whatsapp_webhook_auth = providers.Singleton(
        whatsapp_cloud.CloudApiWebhookAuth,
        app_secret=webhook_secret,
        verify_token=providers.Callable(reveal, settings.provided.whatsapp_cloud.verify_token),
    )
    twilio_webhook_auth = providers.Singleton(
        twilio.TwilioWebhookAuth,
        auth_token=twilio_auth_token,
        public_url=settings.provided.twilio.public_url,
        status_callback_url=settings.provided.twilio.status_callback_url,
    )
    gateway_webhook_auth = providers.Singleton(
        whatsapp_gateway.GatewayWebhookAuth, secret=gateway_secret
    )
    number_sessions = providers.Singleton(gateway_sessions, http_client, settings)
    blob_storage_kind = providers.Callable(
        lambda settings: settings.effective_blob_storage.value, settings
    )
    blob_storage = providers.Selector(
        blob_storage_kind,
        memory=providers.Singleton(InMemoryBlobStorage),
        local=providers.Singleton(LocalFileStorage, settings.provided.effective_storage_dir),
        supabase=providers.Singleton(
            lazy_adapters.supabase_storage,
            url=settings.provided.storage.supabase_url,
            service_key=supabase_service_key,
            bucket=settings.provided.storage.supabase_bucket,
        ),
    )
    queue_kind = providers.Callable(lambda settings: settings.queue.kind.value, settings)
    job_queue = providers.Selector(
        queue_kind,
        inprocess=providers.Singleton(
            InProcessJobQueue, concurrency=settings.provided.worker_concurrency
        ),
        procrastinate=providers.Singleton(
            lazy_adapters.procrastinate_queue,
            settings.provided.effective_database_url,
            pool_size=providers.Callable(_queue_pool_size, settings),
        ),
    )
    retry_policy = providers.Singleton(
        RetryPolicy, max_attempts=settings.provided.queue.send_max_attempts
    )
    bursts = providers.Singleton(Bursts, policy=settings.provided.queue.burst_policy, clock=clock)
    document_index = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryDocumentIndex),
        sql=providers.Singleton(SqlDocumentIndex, engine),
    )
    ai_kind = providers.Callable(
        lambda settings: "openai" if settings.assistant.uses_model else "offline", settings
    )
    ai_timeout_seconds = providers.Callable(
        lambda settings: settings.assistant.timeout.total_seconds(), settings
    )
    ai_client = providers.Singleton(
        lazy_adapters.openai_client,
        api_key=openai_api_key,
        base_url=settings.provided.assistant.base_url,
        timeout_seconds=ai_timeout_seconds,
        max_retries=settings.provided.assistant.max_retries,
        max_in_flight=settings.provided.worker_concurrency,
    )
    ai_api = providers.Callable(lambda settings: settings.assistant.effective_api.value, settings)
    # What the assistant's tool keeps a member's answer to a workflow step through.
    step_recorder = providers.Factory(RecordStepAnswer, uow=uow, clock=clock)
    record_links = providers.Singleton(RecordLinks, settings.provided.server.public_url)
    # What the assistant's record tools do (an auditor of their own: the shared one comes later).
    assistant_records = providers.Singleton(
        AssistantRecords,
        uow=uow,
        clock=clock,
        ids=ids,
        auditor=providers.Singleton(Auditor, clock, ids),
        links=record_links,
    )
    assistant = providers.Selector(
        ai_kind,
        offline=providers.Singleton(OfflineAssistant, index=document_index),
        openai=providers.Singleton(
            lazy_adapters.agents_assistant,
            client=ai_client,
            steps=step_recorder,
            model_name=settings.provided.assistant.model,
            api=ai_api,
            index=document_index,
            timeout_seconds=ai_timeout_seconds,
            vision=settings.provided.assistant.vision,
            web_search=settings.provided.assistant.web_search,
            records=assistant_records,
        ),
    )
    # Summaries for the team: the same model and client as the assistant's, or, with no model,
    # an extractive summary that says it is one.
    summarizer = providers.Selector(
        ai_kind,
        offline=providers.Singleton(OfflineSummarizer),
        openai=providers.Singleton(
            lazy_adapters.agents_summarizer,
            client=ai_client,
            model_name=settings.provided.assistant.model,
            api=ai_api,
            timeout_seconds=ai_timeout_seconds,
        ),
    )
    transcriber = providers.Selector(
        ai_kind,
        offline=providers.Object(None),
        openai=providers.Singleton(
            lazy_adapters.openai_transcriber,
            client=ai_client,
            model=settings.provided.assistant.transcription_model,
            timeout_seconds=ai_timeout_seconds,
        ),
    )
    backlog_policy = providers.Singleton(BacklogPolicy)
    backlog_probe = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryBacklogProbe, memory_store, clock, backlog_policy),
        sql=providers.Singleton(SqlBacklogProbe, engine, clock, backlog_policy),
    )
    storage_probe = providers.Selector(
        blob_storage_kind,
        memory=providers.Singleton(MemoryStorageProbe),
        local=providers.Singleton(LocalStorageProbe, settings.provided.effective_storage_dir),
        supabase=providers.Singleton(lazy_adapters.supabase_storage_probe, blob_storage),
    )
    channel_probe = providers.Selector(
        channel_kind,
        console=providers.Singleton(ConsoleChannelProbe),
        whatsapp_cloud=_cached(
            providers.Singleton(
                CloudApiProbe,
                client=http_client,
                base_url=settings.provided.whatsapp_cloud.api_base_url,
                api_version=settings.provided.whatsapp_cloud.api_version,
                phone_number_id=settings.provided.whatsapp_cloud.phone_number_id,
                access_token=whatsapp_access_token,
            ),
            clock,
        ),
        twilio=_cached(
            providers.Singleton(
                TwilioProbe,
                client=http_client,
                account_sid=settings.provided.twilio.account_sid,
                auth_token=twilio_auth_token,
                api_base_url=settings.provided.twilio.api_base_url,
            ),
            clock,
        ),
    )
    model_probe = providers.Selector(
        ai_kind,
        offline=providers.Singleton(OfflineAssistantProbe),
        openai=_cached(
            providers.Singleton(
                lazy_adapters.model_probe, ai_client, settings.provided.assistant.model
            ),
            clock,
        ),
    )
    file_type_detector = providers.Singleton(ContentTypeDetector)
    # Tests on the memory set parse in threads; a server parses in worker processes, where a
    # hostile document cannot take its memory or its time.
    text_extractor = providers.Resource(
        lazy_adapters.text_extractor,
        isolated=providers.Callable(lambda settings: not settings.uses_memory, settings),
        limits=providers.Callable(_extraction_limits, settings),
        memory_bytes=providers.Callable(
            lambda settings: settings.extraction.memory_mb * MB, settings
        ),
        workers=settings.provided.extraction.workers,
        preload=providers.Callable(_worker_preload),
    )
    # The member's OpenAI vector store, when one is configured; None keeps files local.
    remote_document_index = providers.Selector(
        providers.Callable(
            lambda settings: settings.assistant.effective_vector_store.value, settings
        ),
        none=providers.Object(None),
        openai=providers.Singleton(
            lazy_adapters.vector_store_index,
            ai_client,
            store_prefix=settings.provided.assistant.vector_store_prefix,
            retention=settings.provided.assistant.file_retention,
        ),
    )
    document_indexes = providers.Callable(
        lambda local, remote: [local] if remote is None else [local, remote],
        document_index,
        remote_document_index,
    )
    file_intake = providers.Factory(
        FileIntake,
        storage=blob_storage,
        detector=file_type_detector,
        queue=job_queue,
        clock=clock,
    )
    rate_limiter = providers.Singleton(
        limiter_for_storage,
        settings.provided.limits.effective_storage,
        key_prefix=settings.provided.limits.redis_key_prefix,
    )

    # Every process counts the turns together when the limiter is in Redis.
    pacer = providers.Singleton(
        Pacer, limiter=rate_limiter, pacing=providers.Callable(_pacing, settings)
    )

    otp_policy = providers.Singleton(
        OtpPolicy,
        ttl=settings.provided.auth.otp_ttl,
        max_attempts=settings.provided.auth.otp_max_attempts,
    )
    auditor = providers.Singleton(Auditor, clock, ids)
    session_issuer = providers.Singleton(
        SessionIssuer,
        tokens=access_tokens,
        hasher=hasher,
        clock=clock,
        ids=ids,
        refresh_ttl=settings.provided.auth.refresh_token_ttl,
    )

    request_otp = providers.Factory(
        RequestOtp,
        uow=uow,
        queue=job_queue,
        limiter=rate_limiter,
        clock=clock,
        ids=ids,
        policy=otp_policy,
        limits=providers.Callable(_otp_limits, settings),
    )
    send_login_code = providers.Factory(
        SendLoginCode,
        uow=uow,
        channel=channel,
        hasher=hasher,
        clock=clock,
        registration=settings.provided.auth.registration,
    )
    verify_otp = providers.Factory(
        VerifyOtp,
        uow=uow,
        hasher=hasher,
        sessions=session_issuer,
        clock=clock,
        ids=ids,
        policy=otp_policy,
        registration=settings.provided.auth.registration,
    )
    refresh_session = providers.Factory(
        RefreshSession, uow=uow, hasher=hasher, sessions=session_issuer, clock=clock
    )
    logout = providers.Factory(Logout, uow=uow, auditor=auditor)
    device_names = providers.Singleton(UaParserDeviceNames)
    list_sessions = providers.Factory(ListSessions, uow=uow, clock=clock, devices=device_names)
    message_login_limits = providers.Callable(_message_login_limits, settings)
    start_message_login = providers.Factory(
        StartMessageLogin,
        uow=uow,
        hasher=hasher,
        limiter=rate_limiter,
        clock=clock,
        ids=ids,
        devices=device_names,
        limits=message_login_limits,
        home_number=providers.Callable(home_number, settings),
        ttl=settings.provided.auth.message_login_ttl,
    )
    poll_message_login = providers.Factory(
        PollMessageLogin, uow=uow, hasher=hasher, sessions=session_issuer, clock=clock
    )
    member_merges = providers.Factory(MemberMerges, queue=job_queue, indexes=document_indexes)
    member_sessions = providers.Selector(
        providers.Callable(_session_store_kind, settings),
        memory=providers.Singleton(InMemoryMemberSessions),
        sql=providers.Singleton(SqlMemberSessions, side_engine),
        redis=providers.Singleton(
            lazy_adapters.redis_member_sessions,
            settings.provided.limits.redis_url,
            key_prefix=settings.provided.limits.redis_key_prefix,
        ),
    )
    commands = providers.Factory(
        Commands,
        uow=uow,
        sessions=member_sessions,
        clock=clock,
        ids=ids,
        ttl=settings.provided.channel.session_ttl,
        record_links=record_links,
    )
    login_messages = providers.Factory(
        LoginMessages,
        uow=uow,
        hasher=hasher,
        limiter=rate_limiter,
        auditor=auditor,
        limits=message_login_limits,
        merges=member_merges,
    )
    revoke_session = providers.Factory(
        RevokeSession, uow=uow, auditor=auditor, devices=device_names
    )
    authenticate = providers.Factory(Authenticate, uow=uow, tokens=access_tokens, clock=clock)
    get_me = providers.Factory(GetMe, uow=uow)
    update_me = providers.Factory(UpdateMe, uow=uow, clock=clock)
    list_users = providers.Factory(ListUsers, uow=uow, auditor=auditor)
    create_user = providers.Factory(CreateUser, uow=uow, auditor=auditor, clock=clock, ids=ids)
    update_user = providers.Factory(UpdateUser, uow=uow, auditor=auditor, clock=clock)
    make_admin = providers.Factory(MakeAdmin, uow=uow, update_user=update_user)
    list_workspaces = providers.Factory(ListWorkspaces, uow=uow)
    get_workspace = providers.Factory(GetWorkspace, uow=uow)
    resolve_workspace = providers.Factory(ResolveWorkspace, uow=uow)
    create_workspace = providers.Factory(
        CreateWorkspace, uow=uow, auditor=auditor, clock=clock, ids=ids
    )
    update_workspace = providers.Factory(UpdateWorkspace, uow=uow, auditor=auditor, clock=clock)
    list_workspace_members = providers.Factory(ListWorkspaceMembers, uow=uow)
    add_workspace_member = providers.Factory(
        AddWorkspaceMember, uow=uow, auditor=auditor, clock=clock, ids=ids
    )
    change_member_role = providers.Factory(ChangeMemberRole, uow=uow, auditor=auditor, clock=clock)
    remove_workspace_member = providers.Factory(RemoveWorkspaceMember, uow=uow, auditor=auditor)
    delete_user = providers.Factory(
        DeleteUser, uow=uow, auditor=auditor, storage=blob_storage, indexes=document_indexes
    )
    create_conversation = providers.Factory(CreateConversation, uow=uow, clock=clock, ids=ids)
    list_conversations = providers.Factory(ListConversations, uow=uow)
    list_messages = providers.Factory(ListMessages, uow=uow)
    send_message = providers.Factory(
        SendMessage,
        uow=uow,
        assistant=assistant,
        clock=clock,
        ids=ids,
        auditor=auditor,
        queue=job_queue,
        history_limit=settings.provided.assistant.history_messages,
        history_chars=settings.provided.assistant.history_chars,
    )
    admin_list_conversations = providers.Factory(AdminListConversations, uow=uow, auditor=auditor)
    list_inbox = providers.Factory(ListInbox, uow=uow)
    get_workflow = providers.Factory(GetWorkflow, uow=uow)
    replace_workflow = providers.Factory(ReplaceWorkflow, uow=uow, auditor=auditor, clock=clock)
    get_progress = providers.Factory(GetProgress, uow=uow)
    set_step_answer = providers.Factory(SetAnswer, uow=uow, auditor=auditor, clock=clock)
    clear_step_answer = providers.Factory(ClearAnswer, uow=uow, auditor=auditor)
    export_answers = providers.Factory(ExportAnswers, uow=uow, auditor=auditor)
    get_inbox_thread = providers.Factory(GetInboxThread, uow=uow)
    thread_messages = providers.Factory(ThreadMessages, uow=uow)
    take_conversation = providers.Factory(
        TakeConversation, uow=uow, clock=clock, ids=ids, auditor=auditor
    )
    hand_back_conversation = providers.Factory(
        HandBackConversation, uow=uow, clock=clock, ids=ids, auditor=auditor
    )
    close_conversation = providers.Factory(
        CloseConversation, uow=uow, clock=clock, ids=ids, auditor=auditor
    )
    mark_conversation_read = providers.Factory(MarkConversationRead, uow=uow, clock=clock)
    # Records (issue 19): the use cases that write them are all built from the same parts; the
    # team's changes queue the notices they store for the record's owner.
    _record_parts: ClassVar[dict[str, Any]] = {
        "uow": uow,
        "clock": clock,
        "ids": ids,
        "auditor": auditor,
        "links": record_links,
    }
    list_record_types = providers.Factory(ListRecordTypes, uow=uow)
    add_record_type = providers.Factory(AddRecordType, **_record_parts)
    remove_record_type = providers.Factory(RemoveRecordType, **_record_parts)
    list_records = providers.Factory(ListRecords, uow=uow)
    get_record = providers.Factory(GetRecord, uow=uow, links=record_links)
    create_record = providers.Factory(CreateRecord, **_record_parts)
    edit_record = providers.Factory(EditRecord, **_record_parts)
    confirm_record = providers.Factory(ConfirmRecord, **_record_parts)
    comment_on_record = providers.Factory(CommentOnRecord, **_record_parts, queue=job_queue)
    change_record_status = providers.Factory(ChangeRecordStatus, **_record_parts, queue=job_queue)
    get_member_conversation = providers.Factory(GetMemberConversation, uow=uow)
    ask_for_a_person = providers.Factory(
        AskForAPerson, uow=uow, queue=job_queue, clock=clock, ids=ids, auditor=auditor
    )
    send_template = providers.Factory(
        SendTemplate, uow=uow, queue=job_queue, clock=clock, ids=ids, auditor=auditor
    )
    reply_as_team = providers.Factory(
        ReplyAsTeam, uow=uow, queue=job_queue, clock=clock, ids=ids, auditor=auditor
    )
    send_file_as_team = providers.Factory(
        SendFileAsTeam,
        uow=uow,
        intake=file_intake,
        storage=blob_storage,
        queue=job_queue,
        clock=clock,
        ids=ids,
        auditor=auditor,
    )
    summarize_conversation = providers.Factory(
        SummarizeConversation,
        uow=uow,
        summarizer=summarizer,
        clock=clock,
        ids=ids,
        auditor=auditor,
    )
    get_summary = providers.Factory(GetSummary, uow=uow)
    summarize_handed_over = providers.Factory(
        SummarizeHandedOver,
        uow=uow,
        summarizer=summarizer,
        clock=clock,
        ids=ids,
        retry=retry_policy,
    )
    admin_get_conversation = providers.Factory(AdminGetConversation, uow=uow, auditor=auditor)
    get_dashboard = providers.Factory(GetDashboard, statistics=workspace_statistics, clock=clock)
    list_audit_log = providers.Factory(ListAuditLog, uow=uow)
    list_allow_list = providers.Factory(ListAllowList, uow=uow, auditor=auditor)
    add_to_allow_list = providers.Factory(
        AddToAllowList, uow=uow, auditor=auditor, clock=clock, ids=ids
    )
    remove_from_allow_list = providers.Factory(RemoveFromAllowList, uow=uow, auditor=auditor)
    list_channels = providers.Factory(ListChannels, uow=uow)
    connect_channel = providers.Factory(
        ConnectChannel,
        uow=uow,
        auditor=auditor,
        sealer=sealer,
        channels=channel_directory,
        sessions=number_sessions,
        home=providers.Callable(home_address, settings),
        clock=clock,
        ids=ids,
        max_channels=settings.provided.limits.channels_per_workspace,
    )
    disconnect_channel = providers.Factory(
        DisconnectChannel, uow=uow, auditor=auditor, sessions=number_sessions
    )
    pair_channel = providers.Factory(
        PairChannel, uow=uow, auditor=auditor, sessions=number_sessions, clock=clock
    )
    record_connection_update = providers.Factory(RecordConnectionUpdate, uow=uow, auditor=auditor)
    watch_gateway_links = providers.Factory(
        WatchGatewayLinks, uow=uow, auditor=auditor, sessions=number_sessions, clock=clock
    )
    find_number_credentials = providers.Factory(FindNumberCredentials, uow=uow, sealer=sealer)
    receive_inbound = providers.Factory(
        ReceiveInbound,
        uow=uow,
        queue=job_queue,
        clock=clock,
        ids=ids,
        channels=channel_directory,
        limiter=rate_limiter,
        auditor=auditor,
        access=settings.provided.channel.access_policy,
        limits=providers.Callable(_inbound_limits, settings),
        home=providers.Callable(home_address, settings),
        merges=member_merges,
        sessions=member_sessions,
        session_ttl=settings.provided.channel.session_ttl,
        bursts=bursts,
    )
    revise_inbound = providers.Factory(
        ReviseInbound,
        uow=uow,
        queue=job_queue,
        clock=clock,
        limiter=rate_limiter,
        auditor=auditor,
        access=settings.provided.channel.access_policy,
        limits=providers.Callable(_inbound_limits, settings),
        home=providers.Callable(home_address, settings),
        storage=blob_storage,
        indexes=document_indexes,
    )
    record_delivery_update = providers.Factory(RecordDeliveryUpdate, uow=uow, clock=clock)
    apply_identity_change = providers.Factory(
        ApplyIdentityChange, uow=uow, clock=clock, ids=ids, auditor=auditor
    )
    receive_webhook = providers.Factory(
        ReceiveWebhook,
        receive=receive_inbound,
        revise=revise_inbound,
        record=record_delivery_update,
        connections=record_connection_update,
        apply_change=apply_identity_change,
    )
    webhook_parsers = providers.Object(WEBHOOK_PARSERS)
    drain_requests = providers.Singleton(DrainRequests, job_queue)
    accept_webhook = providers.Factory(
        AcceptWebhook,
        inbox=webhook_inbox,
        drains=drain_requests,
        parsers=webhook_parsers,
        clock=clock,
        ids=ids,
    )
    drain_webhook_inbox = providers.Factory(
        DrainWebhookInbox,
        inbox=webhook_inbox,
        parsers=webhook_parsers,
        receive=receive_webhook,
        sealer=sealer,
        clock=clock,
        concurrency=providers.Callable(_drain_concurrency, settings),
    )
    process_inbound = providers.Factory(
        ProcessInbound,
        uow=uow,
        channels=channel_directory,
        storage=blob_storage,
        intake=file_intake,
        assistant=assistant,
        clock=clock,
        ids=ids,
        retry=retry_policy,
        auditor=auditor,
        queue=job_queue,
        history_limit=settings.provided.assistant.history_messages,
        transcriber=transcriber,
        extractor=text_extractor,
        history_chars=settings.provided.assistant.history_chars,
        links=file_links,
        logins=login_messages,
        pacer=pacer,
        commands=commands,
        bursts=bursts,
    )
    read_linked_file = providers.Factory(
        ReadLinkedFile, links=file_links, storage=blob_storage, clock=clock
    )
    resume_processing = providers.Factory(ResumeProcessing, uow=uow, queue=job_queue)
    open_event_stream = providers.Factory(
        OpenEventStream,
        feed=live_feed,
        tokens=access_tokens,
        clock=clock,
        lifetime=settings.provided.live.stream_lifetime,
    )
    prune_ended = providers.Factory(
        PruneEnded, uow=uow, clock=clock, retention=settings.provided.live.retention
    )
    upload_file = providers.Factory(UploadFile, uow=uow, intake=file_intake, ids=ids)
    attach_file = providers.Factory(
        AttachFile,
        uow=uow,
        intake=file_intake,
        assistant=assistant,
        storage=blob_storage,
        clock=clock,
        ids=ids,
        auditor=auditor,
        queue=job_queue,
        history_limit=settings.provided.assistant.history_messages,
        extractor=text_extractor,
        history_chars=settings.provided.assistant.history_chars,
    )
    list_files = providers.Factory(ListFiles, uow=uow, auditor=auditor)
    get_file = providers.Factory(GetFile, uow=uow, auditor=auditor)
    download_file = providers.Factory(DownloadFile, uow=uow, storage=blob_storage, auditor=auditor)
    delete_file = providers.Factory(
        DeleteFile,
        uow=uow,
        storage=blob_storage,
        indexes=document_indexes,
        auditor=auditor,
    )
    upload_knowledge = providers.Factory(
        UploadKnowledge, uow=uow, intake=file_intake, ids=ids, auditor=auditor
    )
    list_knowledge = providers.Factory(ListKnowledge, uow=uow)
    get_knowledge = providers.Factory(GetKnowledge, uow=uow)
    download_knowledge = providers.Factory(DownloadKnowledge, uow=uow, storage=blob_storage)
    delete_knowledge = providers.Factory(
        DeleteKnowledge,
        uow=uow,
        storage=blob_storage,
        indexes=document_indexes,
        auditor=auditor,
    )
    resync_knowledge = providers.Factory(
        ResyncKnowledge, uow=uow, intake=file_intake, auditor=auditor
    )
    sync_file = providers.Factory(
        SyncFile,
        uow=uow,
        storage=blob_storage,
        extractor=text_extractor,
        index=document_index,
        remote=remote_document_index,
        clock=clock,
        retry=retry_policy,
    )
    queue_file_syncs = providers.Factory(
        QueueFileSyncs,
        uow=uow,
        queue=job_queue,
        clock=clock,
        remote=remote_document_index,
    )
    resync_files = providers.Factory(ResyncFiles, uow=uow, sync=sync_file)
    list_failed_deliveries = providers.Factory(ListFailedDeliveries, uow=uow)
    list_set_aside_webhooks = providers.Factory(ListSetAsideWebhooks, inbox=webhook_inbox)
    # /health: only what makes this instance unable to serve, so that a load balancer never
    # takes healthy instances out because WhatsApp or the model is down for everyone.
    check_health = providers.Factory(CheckHealth, probes=providers.List(database_probe))
    check_system_health = providers.Factory(
        CheckSystemHealth,
        check=providers.Factory(
            CheckHealth,
            probes=providers.List(
                database_probe,
                storage_probe,
                backlog_probe,
                channel_probe,
                model_probe,
            ),
        ),
    )


def build_container(settings: Settings) -> Container:
    return Container(settings=settings)
