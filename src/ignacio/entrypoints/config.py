"""Settings, read once from environment variables (and a `.env` file) at start-up.

Every variable is listed in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import msgspec

from ignacio.adapters.sql.engine import DEFAULT_SCHEMA, SCHEMA_PATTERN
from ignacio.domain import (
    AccessPolicy,
    InvalidInput,
    PhoneNumber,
    RegistrationPolicy,
    WhatsAppAccess,
)

MEMORY_DATABASE_URL = "memory://"
# A safe part of what Supabase accepts as a bucket name (under 64 characters).
_SUPABASE_BUCKET_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,63}")


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


class ChannelKind(StrEnum):
    CONSOLE = "console"
    WHATSAPP_CLOUD = "whatsapp_cloud"
    TWILIO = "twilio"


class QueueKind(StrEnum):
    INPROCESS = "inprocess"
    PROCRASTINATE = "procrastinate"


class BlobStorageKind(StrEnum):
    """Where members' files are kept: in memory (tests), on the local disk, in Supabase Storage."""

    MEMORY = "memory"
    LOCAL = "local"
    SUPABASE = "supabase"


class VectorStoreKind(StrEnum):
    """Whether members' files are also kept in an OpenAI vector store, for the hosted
    `file_search`: the database index is always there, so `none` still searches files."""

    NONE = "none"
    OPENAI = "openai"


class AiApi(StrEnum):
    """How Ignacio speaks to the model server: OpenAI's Responses API (which alone offers the
    hosted file and web search) or Chat Completions (what most compatible servers speak)."""

    RESPONSES = "responses"
    CHAT_COMPLETIONS = "chat_completions"


class ConfigurationError(Exception):
    """A variable has a value Ignacio cannot use; the message names the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    # Longer than the 60 s idle timeout of common load balancers and proxies, so that they close
    # idle connections, not Ignacio: a request sent just as the server closed would fail.
    keep_alive: timedelta = timedelta(seconds=75)
    database_url: str = ""
    # PostgreSQL only: never `public`, which Supabase serves to anyone with the anon key.
    database_schema: Annotated[str, msgspec.Meta(pattern=SCHEMA_PATTERN)] = DEFAULT_SCHEMA
    auto_migrate: bool | None = None
    jwt_secret_key: str | None = None
    phone_key: str | None = None
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=30)
    otp_ttl: timedelta = timedelta(minutes=5)
    otp_max_attempts: int = 5
    otp_requests_per_phone: int = 5
    otp_requests_per_client: int = 20
    otp_request_window: timedelta = timedelta(minutes=15)
    registration: RegistrationPolicy = RegistrationPolicy.OPEN
    history_messages: int = 20
    history_chars: int = 24_000
    rate_limit_storage: str = "async+memory://"
    log_format: LogFormat = LogFormat.CONSOLE
    log_level: str = "INFO"
    log_file: Path | None = None
    log_file_max_bytes: int = 10 * 1024 * 1024
    log_file_backups: int = 5
    secure_cookies: bool = False
    channel: ChannelKind = ChannelKind.CONSOLE
    whatsapp_access_token: str | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_api_version: str = "v23.0"
    whatsapp_api_base_url: str = "https://graph.facebook.com"
    whatsapp_login_template: str = "ignacio_login_code"
    whatsapp_login_template_language: str = "en_US"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_number: str | None = None
    twilio_public_url: str | None = None
    twilio_status_callback_url: str | None = None
    twilio_login_content_sid: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_messaging_base_url: str = "https://messaging.twilio.com"
    whatsapp_access: WhatsAppAccess = WhatsAppAccess.OPEN
    whitelisted_users: tuple[str, ...] = ()
    rate_limit_messages: int = 10
    rate_limit_window: timedelta = timedelta(seconds=60)
    api_rate_limit: int = 100
    redis_url: str | None = None
    redis_key_prefix: str = "ignacio"
    queue: QueueKind = QueueKind.INPROCESS
    run_worker: bool = True
    sweep_interval: timedelta = timedelta(seconds=60)
    worker_concurrency: int = 4
    send_max_attempts: int = 6
    openai_api_key: str | None = None
    ai_model: str = "gpt-4o-mini"
    ai_base_url: str | None = None
    ai_api: AiApi | None = None
    ai_timeout: timedelta = timedelta(seconds=60)
    ai_max_retries: int = 2
    ai_web_search: bool = False
    ai_vision: bool = True
    vector_store: VectorStoreKind | None = None
    vector_store_prefix: str = "ignacio"
    file_retention: timedelta = timedelta(days=7)
    transcription_model: str = "whisper-1"
    storage_dir: Path | None = None
    blob_storage: BlobStorageKind | None = None
    supabase_url: str | None = None
    supabase_service_key: str | None = None
    supabase_bucket: str = "ignacio-files"
    web_dir: Path | None = None
    extraction_max_mb: int = 64
    extraction_max_ratio: int = 100
    extraction_timeout: timedelta = timedelta(seconds=60)
    extraction_memory_mb: int = 1024
    extraction_workers: int | None = None

    def __post_init__(self) -> None:
        if self.channel is ChannelKind.WHATSAPP_CLOUD:
            missing = [
                variable
                for variable, value in [
                    ("WHATSAPP_APP_SECRET", self.whatsapp_app_secret),
                    ("WHATSAPP_ACCESS_TOKEN", self.whatsapp_access_token),
                    ("WHATSAPP_PHONE_NUMBER_ID", self.whatsapp_phone_number_id),
                ]
                if not value
            ]
            if missing:
                raise ConfigurationError(
                    f"IGNACIO_CHANNEL=whatsapp_cloud needs {', '.join(missing)}: without the app "
                    "secret no webhook can be authenticated, without the others nothing can be sent."
                )
        self._check_twilio()
        self._check_limits()
        self._check_extraction()
        self._check_blob_storage()
        self._check_ai()
        self.access_policy  # noqa: B018 - refuses to start with a number that cannot be read
        if self.queue is QueueKind.PROCRASTINATE and not self.uses_postgres:
            raise ConfigurationError(
                "IGNACIO_QUEUE=procrastinate keeps its jobs in PostgreSQL: set IGNACIO_DATABASE_URL "
                "to a PostgreSQL database (postgresql://...), or use IGNACIO_QUEUE=inprocess with "
                "SQLite or memory://."
            )
        if self.database_schema == "public":
            raise ConfigurationError(
                "IGNACIO_DATABASE_SCHEMA cannot be public: Supabase serves that schema to anyone "
                "holding the project's anon key. Keep the default (ignacio) or name another."
            )
        if self.log_file_max_bytes < 1024 or self.log_file_backups < 1:
            raise ConfigurationError(
                "IGNACIO_LOG_FILE_MAX_BYTES must be at least 1024 and IGNACIO_LOG_FILE_BACKUPS at "
                "least 1: the log file is rotated when it reaches that size, keeping that many."
            )
        if self.keep_alive.total_seconds() < 1:
            raise ConfigurationError("IGNACIO_KEEP_ALIVE_SECONDS must be at least 1.")
        if self.worker_concurrency < 1 or self.send_max_attempts < 1:
            raise ConfigurationError(
                "IGNACIO_WORKER_CONCURRENCY and IGNACIO_SEND_MAX_ATTEMPTS must be at least 1."
            )

    def _check_twilio(self) -> None:
        if self.channel is ChannelKind.TWILIO:
            missing = [
                variable
                for variable, value in [
                    ("TWILIO_ACCOUNT_SID", self.twilio_account_sid),
                    ("TWILIO_AUTH_TOKEN", self.twilio_auth_token),
                    ("TWILIO_WHATSAPP_NUMBER", self.twilio_whatsapp_number),
                ]
                if not value
            ]
            if missing:
                raise ConfigurationError(
                    f"IGNACIO_CHANNEL=twilio needs {', '.join(missing)}: without the auth token "
                    "no webhook can be authenticated, without the others nothing can be sent."
                )
            self.twilio_number  # noqa: B018 - refuses to start with a number it cannot read
        for variable, url in [
            ("TWILIO_PUBLIC_URL", self.twilio_public_url),
            ("TWILIO_STATUS_CALLBACK_URL", self.twilio_status_callback_url),
        ]:
            if url is not None and not url.startswith(("https://", "http://")):
                raise ConfigurationError(
                    f"{variable} must be a URL starting with https:// (the address Twilio uses)."
                )

    def _check_ai(self) -> None:
        if self.ai_base_url is not None and not self.ai_base_url.startswith(
            ("https://", "http://")
        ):
            raise ConfigurationError(
                "IGNACIO_AI_BASE_URL must be the server's API URL, e.g. http://127.0.0.1:11434/v1."
            )
        if self.ai_web_search and self.effective_ai_api is not AiApi.RESPONSES:
            raise ConfigurationError(
                "IGNACIO_AI_WEB_SEARCH needs IGNACIO_AI_API=responses: web search is a tool hosted "
                "by OpenAI's Responses API, which Chat Completions servers do not offer."
            )
        if self.vector_store is VectorStoreKind.OPENAI and not self.openai_api_key:
            raise ConfigurationError(
                "IGNACIO_VECTOR_STORE=openai keeps members' files at OpenAI: set OPENAI_API_KEY, "
                "or use IGNACIO_VECTOR_STORE=none (files are still searched in the database)."
            )
        if self.ai_max_retries < 0 or self.history_messages < 0 or self.history_chars < 0:
            raise ConfigurationError(
                "IGNACIO_AI_MAX_RETRIES, MAX_CONVERSATION_HISTORY and IGNACIO_HISTORY_MAX_CHARS "
                "cannot be negative."
            )

    @property
    def uses_model(self) -> bool:
        """A model is configured (an API key, or a compatible server that may need none); without
        one the offline assistant answers."""
        return bool(self.openai_api_key or self.ai_base_url)

    @property
    def effective_vector_store(self) -> VectorStoreKind:
        """IGNACIO_VECTOR_STORE, else OpenAI's when talking to OpenAI itself with a key (other
        compatible servers rarely offer vector stores), else none."""
        if self.vector_store is not None:
            return self.vector_store
        if self.openai_api_key and not self.ai_base_url:
            return VectorStoreKind.OPENAI
        return VectorStoreKind.NONE

    @property
    def effective_ai_api(self) -> AiApi:
        """IGNACIO_AI_API, else Responses on OpenAI and Chat Completions on any other server."""
        if self.ai_api is not None:
            return self.ai_api
        return AiApi.CHAT_COMPLETIONS if self.ai_base_url else AiApi.RESPONSES

    def _check_limits(self) -> None:
        if self.rate_limit_messages < 1 or self.api_rate_limit < 0:
            raise ConfigurationError(
                "RATE_LIMIT_MESSAGES must be at least 1, and IGNACIO_API_RATE_LIMIT at least 0 "
                "(0 turns the API limit off)."
            )
        if self.redis_url is not None and not self.redis_url.removeprefix("async+").startswith(
            ("redis://", "rediss://", "redis+unix://", "valkey://", "valkeys://")
        ):
            raise ConfigurationError(
                "IGNACIO_REDIS_URL must be a Redis URL: redis://[:password@]host:6379[/db] "
                "(or rediss:// for TLS)."
            )

    def _check_extraction(self) -> None:
        if self.extraction_max_mb < 1 or self.extraction_max_ratio < 2:
            raise ConfigurationError(
                "IGNACIO_EXTRACTION_MAX_MB must be at least 1, and IGNACIO_EXTRACTION_MAX_RATIO "
                "at least 2 (Office files expand 5 to 30 times; zip bombs about 1,000)."
            )
        if self.extraction_memory_mb < 256:
            raise ConfigurationError(
                "IGNACIO_EXTRACTION_MEMORY_MB must be at least 256: a worker needs about 150 MB "
                "before it opens a document."
            )
        if self.extraction_workers is not None and self.extraction_workers < 1:
            raise ConfigurationError("IGNACIO_EXTRACTION_WORKERS must be at least 1.")

    @property
    def twilio_number(self) -> PhoneNumber:
        """The Twilio WhatsApp sender, given as `whatsapp:+14155238886` or `+14155238886`."""
        raw = (self.twilio_whatsapp_number or "").strip()
        try:
            return PhoneNumber.from_provider(raw.removeprefix("whatsapp:"))
        except InvalidInput as error:
            raise ConfigurationError(
                f"TWILIO_WHATSAPP_NUMBER={raw!r} is not a phone number (e.g. whatsapp:+14155238886)."
            ) from error

    @property
    def twilio_status_callback(self) -> str | None:
        """Where Twilio reports delivery: TWILIO_STATUS_CALLBACK_URL, else the public URL's
        /webhooks/twilio/status, else nowhere (the number's own settings in Twilio's console)."""
        if self.twilio_status_callback_url:
            return self.twilio_status_callback_url
        if self.twilio_public_url:
            return self.twilio_public_url.rstrip("/") + "/webhooks/twilio/status"
        return None

    @property
    def access_policy(self) -> AccessPolicy:
        numbers = []
        for raw in self.whitelisted_users:
            try:
                numbers.append(PhoneNumber.from_provider(raw.removeprefix("whatsapp:")))
            except InvalidInput as error:
                raise ConfigurationError(
                    f"WHITELISTED_USERS: {raw!r} is not a phone number in international form "
                    "(+34612345678)."
                ) from error
        return AccessPolicy(mode=self.whatsapp_access, whitelist=frozenset(numbers))

    @property
    def effective_rate_limit_storage(self) -> str:
        """IGNACIO_REDIS_URL as a `limits` storage when set, else IGNACIO_RATE_LIMIT_STORAGE."""
        if self.redis_url:
            return (
                self.redis_url if self.redis_url.startswith("async+") else "async+" + self.redis_url
            )
        return self.rate_limit_storage

    @property
    def effective_storage_dir(self) -> Path:
        return self.storage_dir or self.data_dir / "files"

    @property
    def effective_blob_storage(self) -> BlobStorageKind:
        """IGNACIO_BLOB_STORAGE, else memory with the memory:// database and the disk otherwise."""
        if self.blob_storage is not None:
            return self.blob_storage
        return BlobStorageKind.MEMORY if self.uses_memory else BlobStorageKind.LOCAL

    def _check_blob_storage(self) -> None:
        if self.effective_blob_storage is not BlobStorageKind.SUPABASE:
            return
        missing = [
            variable
            for variable, value in [
                ("SUPABASE_URL", self.supabase_url),
                ("SUPABASE_SERVICE_KEY", self.supabase_service_key),
            ]
            if not value
        ]
        if missing:
            raise ConfigurationError(
                f"IGNACIO_BLOB_STORAGE=supabase needs {', '.join(missing)}: the project's API URL "
                "(https://<project>.supabase.co) and its service_role key, both under Project "
                "Settings, API, in Supabase."
            )
        if not (self.supabase_url or "").startswith(("https://", "http://")):
            raise ConfigurationError(
                "SUPABASE_URL must be the project's API URL, e.g. https://<project>.supabase.co."
            )
        if not _SUPABASE_BUCKET_NAME.fullmatch(self.supabase_bucket):
            raise ConfigurationError(
                "IGNACIO_SUPABASE_BUCKET must be a bucket name Supabase accepts: 1 to 63 ASCII "
                "letters, digits, '-', '_' or '.'."
            )

    @property
    def effective_database_url(self) -> str:
        return (
            self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'ignacio.db').resolve()}"
        )

    @property
    def uses_memory(self) -> bool:
        return self.effective_database_url.startswith(MEMORY_DATABASE_URL)

    @property
    def uses_postgres(self) -> bool:
        scheme = self.effective_database_url.strip().partition("://")[0]
        return scheme.partition("+")[0] in ("postgresql", "postgres")

    @property
    def is_embedded(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def should_migrate_on_start(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.is_embedded

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for variable, (field, kind) in _VARIABLES.items():
            raw = env.get(variable)
            if raw is None or raw == "":
                continue
            values[field] = _parse(variable, raw, kind)
        try:
            return msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as error:
            raise ConfigurationError(f"Invalid configuration: {_variable_named(error)}") from error


_SECONDS = "seconds"
_DAYS = "days"
_LIST = "comma-separated list"
_VARIABLES: dict[str, tuple[str, object]] = {
    "IGNACIO_DATA_DIR": ("data_dir", Path),
    "IGNACIO_HOST": ("host", str),
    "IGNACIO_PORT": ("port", int),
    "IGNACIO_KEEP_ALIVE_SECONDS": ("keep_alive", _SECONDS),
    "IGNACIO_DATABASE_URL": ("database_url", str),
    "IGNACIO_DATABASE_SCHEMA": ("database_schema", str),
    "IGNACIO_AUTO_MIGRATE": ("auto_migrate", bool),
    "JWT_SECRET_KEY": ("jwt_secret_key", str),
    "IGNACIO_PHONE_KEY": ("phone_key", str),
    "IGNACIO_ACCESS_TOKEN_TTL_SECONDS": ("access_token_ttl", _SECONDS),
    "IGNACIO_REFRESH_TOKEN_TTL_SECONDS": ("refresh_token_ttl", _SECONDS),
    "IGNACIO_OTP_TTL_SECONDS": ("otp_ttl", _SECONDS),
    "IGNACIO_OTP_MAX_ATTEMPTS": ("otp_max_attempts", int),
    "IGNACIO_OTP_REQUESTS_PER_PHONE": ("otp_requests_per_phone", int),
    "IGNACIO_OTP_REQUESTS_PER_CLIENT": ("otp_requests_per_client", int),
    "IGNACIO_OTP_REQUEST_WINDOW_SECONDS": ("otp_request_window", _SECONDS),
    "IGNACIO_REGISTRATION": ("registration", str),
    # The first name this setting had; MAX_CONVERSATION_HISTORY (seed 002) wins when both are set.
    "IGNACIO_HISTORY_MESSAGES": ("history_messages", int),
    "MAX_CONVERSATION_HISTORY": ("history_messages", int),
    "IGNACIO_HISTORY_MAX_CHARS": ("history_chars", int),
    "OPENAI_API_KEY": ("openai_api_key", str),
    "IGNACIO_AI_MODEL": ("ai_model", str),
    "IGNACIO_AI_BASE_URL": ("ai_base_url", str),
    "IGNACIO_AI_API": ("ai_api", str),
    "IGNACIO_AI_TIMEOUT_SECONDS": ("ai_timeout", _SECONDS),
    "IGNACIO_AI_MAX_RETRIES": ("ai_max_retries", int),
    "IGNACIO_AI_WEB_SEARCH": ("ai_web_search", bool),
    "IGNACIO_AI_VISION": ("ai_vision", bool),
    "IGNACIO_VECTOR_STORE": ("vector_store", str),
    "IGNACIO_VECTOR_STORE_PREFIX": ("vector_store_prefix", str),
    "IGNACIO_FILE_RETENTION_DAYS": ("file_retention", _DAYS),
    "IGNACIO_TRANSCRIPTION_MODEL": ("transcription_model", str),
    "IGNACIO_RATE_LIMIT_STORAGE": ("rate_limit_storage", str),
    "IGNACIO_LOG_FORMAT": ("log_format", str),
    "IGNACIO_LOG_LEVEL": ("log_level", str),
    "IGNACIO_LOG_FILE": ("log_file", Path),
    "IGNACIO_LOG_FILE_MAX_BYTES": ("log_file_max_bytes", int),
    "IGNACIO_LOG_FILE_BACKUPS": ("log_file_backups", int),
    "IGNACIO_SECURE_COOKIES": ("secure_cookies", bool),
    "IGNACIO_CHANNEL": ("channel", str),
    "WHATSAPP_ACCESS_TOKEN": ("whatsapp_access_token", str),
    "WHATSAPP_PHONE_NUMBER_ID": ("whatsapp_phone_number_id", str),
    "WHATSAPP_VERIFY_TOKEN": ("whatsapp_verify_token", str),
    "WHATSAPP_APP_SECRET": ("whatsapp_app_secret", str),
    "WHATSAPP_API_VERSION": ("whatsapp_api_version", str),
    "WHATSAPP_API_BASE_URL": ("whatsapp_api_base_url", str),
    "WHATSAPP_LOGIN_TEMPLATE": ("whatsapp_login_template", str),
    "WHATSAPP_LOGIN_TEMPLATE_LANGUAGE": ("whatsapp_login_template_language", str),
    "TWILIO_ACCOUNT_SID": ("twilio_account_sid", str),
    "TWILIO_AUTH_TOKEN": ("twilio_auth_token", str),
    "TWILIO_WHATSAPP_NUMBER": ("twilio_whatsapp_number", str),
    "TWILIO_PUBLIC_URL": ("twilio_public_url", str),
    "TWILIO_STATUS_CALLBACK_URL": ("twilio_status_callback_url", str),
    "TWILIO_LOGIN_CONTENT_SID": ("twilio_login_content_sid", str),
    "TWILIO_API_BASE_URL": ("twilio_api_base_url", str),
    "TWILIO_MESSAGING_BASE_URL": ("twilio_messaging_base_url", str),
    "IGNACIO_WHATSAPP_ACCESS": ("whatsapp_access", str),
    "WHITELISTED_USERS": ("whitelisted_users", _LIST),
    "RATE_LIMIT_MESSAGES": ("rate_limit_messages", int),
    "RATE_LIMIT_WINDOW_SECONDS": ("rate_limit_window", _SECONDS),
    "IGNACIO_API_RATE_LIMIT": ("api_rate_limit", int),
    "IGNACIO_REDIS_URL": ("redis_url", str),
    "IGNACIO_REDIS_KEY_PREFIX": ("redis_key_prefix", str),
    "IGNACIO_QUEUE": ("queue", str),
    "IGNACIO_RUN_WORKER": ("run_worker", bool),
    "IGNACIO_SWEEP_SECONDS": ("sweep_interval", _SECONDS),
    "IGNACIO_WORKER_CONCURRENCY": ("worker_concurrency", int),
    "IGNACIO_SEND_MAX_ATTEMPTS": ("send_max_attempts", int),
    "IGNACIO_STORAGE_DIR": ("storage_dir", Path),
    "IGNACIO_BLOB_STORAGE": ("blob_storage", str),
    "SUPABASE_URL": ("supabase_url", str),
    "SUPABASE_SERVICE_KEY": ("supabase_service_key", str),
    "IGNACIO_SUPABASE_BUCKET": ("supabase_bucket", str),
    "IGNACIO_WEB_DIR": ("web_dir", Path),
    "IGNACIO_EXTRACTION_MAX_MB": ("extraction_max_mb", int),
    "IGNACIO_EXTRACTION_MAX_RATIO": ("extraction_max_ratio", int),
    "IGNACIO_EXTRACTION_TIMEOUT_SECONDS": ("extraction_timeout", _SECONDS),
    "IGNACIO_EXTRACTION_MEMORY_MB": ("extraction_memory_mb", int),
    "IGNACIO_EXTRACTION_WORKERS": ("extraction_workers", int),
}


def _parse(variable: str, raw: str, kind: object) -> object:
    raw = raw.strip()
    try:
        if kind is bool:
            lowered = raw.lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if kind is Path:
            return Path(raw)
        if kind == _LIST:
            return [item.strip() for item in raw.split(",") if item.strip()]
        if kind == _SECONDS:
            seconds = int(raw)
            if seconds <= 0:
                raise ValueError(raw)
            return timedelta(seconds=seconds)
        if kind == _DAYS:
            days = int(raw)
            if days <= 0:
                raise ValueError(raw)
            return timedelta(days=days)
    except ValueError as error:
        raise ConfigurationError(f"{variable}={raw!r} is not a valid value.") from error
    return raw


def _variable_named(error: msgspec.ValidationError) -> str:
    """msgspec names the field (`$.registration`); say which variable that is."""
    message = str(error)
    for variable, (field, _) in _VARIABLES.items():
        if f"$.{field}" in message:
            return f"{variable}: {message.split(' - at ')[0]}"
    return message


def load_dotenv_file(path: Path = Path(".env")) -> None:
    """Read `.env` into the environment without overriding what is already set."""
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)
