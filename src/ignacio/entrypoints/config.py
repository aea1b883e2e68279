"""Settings, read once from environment variables (and a `.env` file) at start-up.

One group per concern (the process, the database, sign-in, each WhatsApp provider, the assistant,
storage, limits, ...). Each field names its variable and says in one line what it is: that is the
single list of variables, and a test checks the README's configuration table against it. pydantic
converts and validates the values (booleans, integers, enums, paths, secrets); a group's own rules
sit in its validator, rules that join groups in `Settings`'s. A value Ignacio cannot use raises
`ConfigurationError`, whose message names the variable and says what to do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo

from ignacio.adapters.sql.engine import DEFAULT_SCHEMA, SCHEMA_PATTERN
from ignacio.domain import (
    AccessPolicy,
    InvalidInput,
    PhoneNumber,
    RegistrationPolicy,
    WhatsAppAccess,
)
from ignacio.domain.bursts import BurstPolicy

MEMORY_DATABASE_URL = "memory://"
# A safe part of what Supabase accepts as a bucket name (under 64 characters).
_SUPABASE_BUCKET_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,63}")
MIN_GATEWAY_SECRET = 32
_TRUE_FALSE = {"1": True, "true": True, "yes": True, "on": True}
_TRUE_FALSE |= {"0": False, "false": False, "no": False, "off": False}


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


def _in_unit(unit: str) -> BeforeValidator:
    """A variable gives a whole number of `unit`; pydantic's own timedelta text is ISO 8601."""

    def parse(value: object) -> object:
        if isinstance(value, str | int) and not isinstance(value, bool):
            return timedelta(**{unit: int(value)})
        return value

    return BeforeValidator(parse)


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def _duration(value: object) -> object:
    """Whole seconds (`1800`) or a duration in days, hours, minutes and seconds (`30m`,
    `1h30m`, `90s`, `1d`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if text.isdigit():
        return timedelta(seconds=int(text))
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        raise ValueError("use whole seconds (1800) or a duration such as 30m, 1h30m or 90s")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _flag(value: object) -> object:
    # pydantic also takes t/f/y/n; the README promises these eight words, and only these.
    if isinstance(value, str):
        if value.lower() not in _TRUE_FALSE:
            raise ValueError("use true/false, yes/no, on/off or 1/0")
        return _TRUE_FALSE[value.lower()]
    return value


def _comma_separated(value: object) -> object:
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


Seconds = Annotated[timedelta, _in_unit("seconds"), Field(gt=timedelta(0))]
Days = Annotated[timedelta, _in_unit("days"), Field(gt=timedelta(0))]
Duration = Annotated[timedelta, BeforeValidator(_duration), Field(gt=timedelta(0))]
Flag = Annotated[bool, BeforeValidator(_flag)]
CommaSeparated = Annotated[tuple[str, ...], BeforeValidator(_comma_separated)]


def variable(name: str, default: Any, description: str, *older: str) -> Any:
    """A field read from the variable `name` (or, when it is unset, from an older name)."""
    alias: str | AliasChoices = AliasChoices(name, *older) if older else name
    # A URL may carry a password: keep it out of repr() as the secrets are (they are SecretStr).
    hidden = name in ("IGNACIO_DATABASE_URL", "IGNACIO_REDIS_URL")
    return Field(default, validation_alias=alias, description=description, repr=not hidden)


def reveal(secret: SecretStr | None) -> str | None:
    """The value of a secret, for the one adapter that needs it (providers call this)."""
    return None if secret is None else secret.get_secret_value()


def _require(choice: str, values: Mapping[str, object], why: str) -> None:
    """`choice` (a variable's value) cannot work without these variables: name those unset."""
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigurationError(f"{choice} needs {', '.join(missing)}: {why}")


class _Group(BaseModel):
    # Built from the whole environment: each group picks its own variables and ignores the rest.
    # By field name too, so that code (and tests) can build a group directly.
    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )


class ServerSettings(_Group):
    """The process: where it keeps its data and how it serves HTTP."""

    data_dir: Path = variable(
        "IGNACIO_DATA_DIR", Path("var"), "the SQLite database and generated keys"
    )
    host: str = variable("IGNACIO_HOST", "127.0.0.1", "address to listen on")
    port: int = variable("IGNACIO_PORT", 8000, "port to listen on")
    # Longer than the 60 s idle timeout of common load balancers and proxies, so that they close
    # idle connections, not Ignacio: a request sent just as the server closed would fail.
    keep_alive: Seconds = variable(
        "IGNACIO_KEEP_ALIVE_SECONDS", timedelta(seconds=75), "idle HTTP connection lifetime"
    )
    secure_cookies: Flag = variable(
        "IGNACIO_SECURE_COOKIES", False, "mark the refresh cookie Secure"
    )
    web_dir: Path | None = variable("IGNACIO_WEB_DIR", None, "the built web app under /app/")
    public_url: str | None = variable(
        "IGNACIO_PUBLIC_URL", None, "the web app's address, for links in messages"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.keep_alive.total_seconds() < 1:
            raise ConfigurationError("IGNACIO_KEEP_ALIVE_SECONDS must be at least 1.")
        if self.public_url is not None and not self.public_url.startswith(("https://", "http://")):
            raise ConfigurationError(
                "IGNACIO_PUBLIC_URL must be the web app's address, starting with https://."
            )
        return self


class DatabaseSettings(_Group):
    """Where Ignacio keeps its data: SQLite (the default), PostgreSQL or memory://."""

    url: str = variable("IGNACIO_DATABASE_URL", "", "SQLite, PostgreSQL or memory://")
    # PostgreSQL only: never `public`, which Supabase serves to anyone with the anon key.
    schema_name: Annotated[str, Field(pattern=SCHEMA_PATTERN)] = variable(
        "IGNACIO_DATABASE_SCHEMA", DEFAULT_SCHEMA, "PostgreSQL schema of Ignacio's tables"
    )
    auto_migrate: Flag | None = variable(
        "IGNACIO_AUTO_MIGRATE", None, "apply migrations when serve starts"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.schema_name == "public":
            raise ConfigurationError(
                "IGNACIO_DATABASE_SCHEMA cannot be public: Supabase serves that schema to anyone "
                "holding the project's anon key. Keep the default (ignacio) or name another."
            )
        return self


class AuthSettings(_Group):
    """Sign-in: keys, token lifetimes, login codes and who may register."""

    jwt_secret_key: SecretStr | None = variable("JWT_SECRET_KEY", None, "signs tokens, keys hashes")
    phone_key: SecretStr | None = variable(
        "IGNACIO_PHONE_KEY", None, "encrypts phone numbers at rest"
    )
    access_token_ttl: Seconds = variable(
        "IGNACIO_ACCESS_TOKEN_TTL_SECONDS", timedelta(minutes=15), "access token lifetime"
    )
    refresh_token_ttl: Seconds = variable(
        "IGNACIO_REFRESH_TOKEN_TTL_SECONDS", timedelta(days=30), "session lifetime"
    )
    otp_ttl: Seconds = variable("IGNACIO_OTP_TTL_SECONDS", timedelta(minutes=5), "code lifetime")
    otp_max_attempts: int = variable("IGNACIO_OTP_MAX_ATTEMPTS", 5, "attempts at one code")
    otp_requests_per_phone: int = variable(
        "IGNACIO_OTP_REQUESTS_PER_PHONE", 5, "code requests per number per window"
    )
    otp_requests_per_client: int = variable(
        "IGNACIO_OTP_REQUESTS_PER_CLIENT", 20, "code requests per client address per window"
    )
    otp_request_window: Seconds = variable(
        "IGNACIO_OTP_REQUEST_WINDOW_SECONDS", timedelta(minutes=15), "code request window"
    )
    registration: RegistrationPolicy = variable(
        "IGNACIO_REGISTRATION", RegistrationPolicy.OPEN, "open, or invite only"
    )
    message_login_ttl: Seconds = variable(
        "IGNACIO_MESSAGE_LOGIN_TTL_SECONDS",
        timedelta(minutes=10),
        "lifetime of a code sent from WhatsApp",
    )
    message_logins_per_client: int = variable(
        "IGNACIO_MESSAGE_LOGINS_PER_CLIENT", 10, "logins by message started per address per 10 min"
    )
    message_login_codes_per_member: int = variable(
        "IGNACIO_MESSAGE_LOGIN_CODES_PER_MEMBER", 5, "VERIFY messages per member per 10 min"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.message_logins_per_client < 1 or self.message_login_codes_per_member < 1:
            raise ConfigurationError(
                "IGNACIO_MESSAGE_LOGINS_PER_CLIENT and IGNACIO_MESSAGE_LOGIN_CODES_PER_MEMBER "
                "must be at least 1."
            )
        return self


class LogSettings(_Group):
    """What is logged, how, and where."""

    format: LogFormat = variable("IGNACIO_LOG_FORMAT", LogFormat.CONSOLE, "console or json")
    level: str = variable("IGNACIO_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING, ...")
    file: Path | None = variable("IGNACIO_LOG_FILE", None, "also log to this file, as JSON")
    file_max_bytes: int = variable(
        "IGNACIO_LOG_FILE_MAX_BYTES", 10 * 1024 * 1024, "log file size that rotates it"
    )
    file_backups: int = variable("IGNACIO_LOG_FILE_BACKUPS", 5, "rotated log files kept")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.file_max_bytes < 1024 or self.file_backups < 1:
            raise ConfigurationError(
                "IGNACIO_LOG_FILE_MAX_BYTES must be at least 1024 and IGNACIO_LOG_FILE_BACKUPS at "
                "least 1: the log file is rotated when it reaches that size, keeping that many."
            )
        return self


class ChannelSettings(_Group):
    """How Ignacio talks on WhatsApp, and who may talk to it, whichever the provider."""

    kind: ChannelKind = variable(
        "IGNACIO_CHANNEL", ChannelKind.CONSOLE, "console, whatsapp_cloud or twilio"
    )
    access: WhatsAppAccess = variable(
        "IGNACIO_WHATSAPP_ACCESS", WhatsAppAccess.OPEN, "open, registered or whitelist"
    )
    whitelisted_users: CommaSeparated = variable(
        "WHITELISTED_USERS", (), "numbers that may always talk to Ignacio"
    )
    session_ttl: Duration = variable(
        "IGNACIO_SESSION_TTL", timedelta(minutes=30), "how long a member's session lasts idle"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        self.access_policy  # noqa: B018 - refuses to start with a number that cannot be read
        return self

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
        return AccessPolicy(mode=self.access, whitelist=frozenset(numbers))


class WhatsAppCloudSettings(_Group):
    """Meta's WhatsApp Cloud API (IGNACIO_CHANNEL=whatsapp_cloud)."""

    access_token: SecretStr | None = variable(
        "WHATSAPP_ACCESS_TOKEN", None, "a system user's access token"
    )
    phone_number_id: str | None = variable(
        "WHATSAPP_PHONE_NUMBER_ID", None, "the business phone number's id"
    )
    verify_token: SecretStr | None = variable(
        "WHATSAPP_VERIFY_TOKEN", None, "the token typed in Meta's webhook settings"
    )
    app_secret: SecretStr | None = variable(
        "WHATSAPP_APP_SECRET", None, "the Meta app's secret, which signs webhooks"
    )
    api_version: str = variable("WHATSAPP_API_VERSION", "v23.0", "Graph API version")
    api_base_url: str = variable(
        "WHATSAPP_API_BASE_URL", "https://graph.facebook.com", "where the Graph API is"
    )
    login_template: str = variable(
        "WHATSAPP_LOGIN_TEMPLATE", "ignacio_login_code", "the template of login codes"
    )
    login_template_language: str = variable(
        "WHATSAPP_LOGIN_TEMPLATE_LANGUAGE", "en_US", "that template's language"
    )
    display_number: str | None = variable(
        "WHATSAPP_DISPLAY_NUMBER", None, "the number people write to, for wa.me links"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        self.number  # noqa: B018 - refuses to start with a number it cannot read
        return self

    @property
    def number(self) -> PhoneNumber | None:
        """The business number people write to (WHATSAPP_DISPLAY_NUMBER), if given."""
        if not self.display_number:
            return None
        try:
            return PhoneNumber.from_provider(self.display_number)
        except InvalidInput as error:
            raise ConfigurationError(
                f"WHATSAPP_DISPLAY_NUMBER={self.display_number!r} is not a phone number in "
                "international form (+34612345678)."
            ) from error

    def check_can_send(self) -> None:
        """What IGNACIO_CHANNEL=whatsapp_cloud needs."""
        _require(
            "IGNACIO_CHANNEL=whatsapp_cloud",
            {
                "WHATSAPP_APP_SECRET": self.app_secret,
                "WHATSAPP_ACCESS_TOKEN": self.access_token,
                "WHATSAPP_PHONE_NUMBER_ID": self.phone_number_id,
            },
            "without the app secret no webhook can be authenticated, without the others nothing "
            "can be sent.",
        )


class TwilioSettings(_Group):
    """Twilio's WhatsApp API (IGNACIO_CHANNEL=twilio)."""

    account_sid: str | None = variable("TWILIO_ACCOUNT_SID", None, "the account's SID (AC...)")
    auth_token: SecretStr | None = variable(
        "TWILIO_AUTH_TOKEN", None, "the account's Auth Token, which signs webhooks"
    )
    whatsapp_number: str | None = variable("TWILIO_WHATSAPP_NUMBER", None, "the WhatsApp sender")
    public_url: str | None = variable("TWILIO_PUBLIC_URL", None, "the base URL Twilio calls")
    status_callback_url: str | None = variable(
        "TWILIO_STATUS_CALLBACK_URL", None, "where Twilio reports delivery"
    )
    login_content_sid: str | None = variable(
        "TWILIO_LOGIN_CONTENT_SID", None, "the content template of login codes (HX...)"
    )
    api_base_url: str = variable(
        "TWILIO_API_BASE_URL", "https://api.twilio.com", "where Twilio's REST API is"
    )
    messaging_base_url: str = variable(
        "TWILIO_MESSAGING_BASE_URL",
        "https://messaging.twilio.com",
        "where Twilio's typing-indicator API is",
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name, url in [
            ("TWILIO_PUBLIC_URL", self.public_url),
            ("TWILIO_STATUS_CALLBACK_URL", self.status_callback_url),
        ]:
            if url is not None and not url.startswith(("https://", "http://")):
                raise ConfigurationError(
                    f"{name} must be a URL starting with https:// (the address Twilio uses)."
                )
        return self

    def check_can_send(self) -> None:
        """What IGNACIO_CHANNEL=twilio needs."""
        _require(
            "IGNACIO_CHANNEL=twilio",
            {
                "TWILIO_ACCOUNT_SID": self.account_sid,
                "TWILIO_AUTH_TOKEN": self.auth_token,
                "TWILIO_WHATSAPP_NUMBER": self.whatsapp_number,
            },
            "without the auth token no webhook can be authenticated, without the others nothing "
            "can be sent.",
        )
        self.number  # noqa: B018 - refuses to start with a number it cannot read

    @property
    def number(self) -> PhoneNumber:
        """The Twilio WhatsApp sender, given as `whatsapp:+14155238886` or `+14155238886`."""
        raw = (self.whatsapp_number or "").strip()
        try:
            return PhoneNumber.from_provider(raw.removeprefix("whatsapp:"))
        except InvalidInput as error:
            raise ConfigurationError(
                f"TWILIO_WHATSAPP_NUMBER={raw!r} is not a phone number (e.g. whatsapp:+14155238886)."
            ) from error

    @property
    def status_callback(self) -> str | None:
        """Where Twilio reports delivery: TWILIO_STATUS_CALLBACK_URL, else the public URL's
        /webhooks/twilio/status, else nowhere (the number's own settings in Twilio's console)."""
        if self.status_callback_url:
            return self.status_callback_url
        if self.public_url:
            return self.public_url.rstrip("/") + "/webhooks/twilio/status"
        return None


class GatewaySettings(_Group):
    """An unofficial WhatsApp-Web gateway speaking seed 001's protocol, whose numbers
    workspaces link by QR code; unset, no workspace can connect one."""

    url: str | None = variable(
        "WHATSAPP_GATEWAY_URL", None, "where the WhatsApp-Web gateway's API is"
    )
    secret: SecretStr | None = variable(
        "WHATSAPP_GATEWAY_SECRET", None, "the secret that signs calls both ways"
    )
    public_url: str | None = variable(
        "WHATSAPP_GATEWAY_PUBLIC_URL", None, "the base URL the gateway calls Ignacio at"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name, url in [
            ("WHATSAPP_GATEWAY_URL", self.url),
            ("WHATSAPP_GATEWAY_PUBLIC_URL", self.public_url),
        ]:
            if url is not None and not url.startswith(("https://", "http://")):
                raise ConfigurationError(f"{name} must be a URL starting with https:// or http://.")
        if self.url:
            _require(
                "WHATSAPP_GATEWAY_URL",
                {
                    "WHATSAPP_GATEWAY_SECRET": self.secret,
                    "WHATSAPP_GATEWAY_PUBLIC_URL": self.public_url,
                },
                "without the secret neither side can tell the other's calls from a forger's, "
                "without the public URL the gateway cannot post what arrives.",
            )
        secret = reveal(self.secret) or ""
        if secret and (len(secret) < MIN_GATEWAY_SECRET or any(c.isspace() for c in secret)):
            raise ConfigurationError(
                f"WHATSAPP_GATEWAY_SECRET must be at least {MIN_GATEWAY_SECRET} characters, "
                "without spaces (openssl rand -hex 32)."
            )
        return self

    @property
    def configured(self) -> bool:
        return bool(self.url)


class LimitSettings(_Group):
    """Rate limits, and where they are counted."""

    messages: int = variable("RATE_LIMIT_MESSAGES", 10, "WhatsApp messages per number per window")
    window: Seconds = variable("RATE_LIMIT_WINDOW_SECONDS", timedelta(seconds=60), "that window")
    api_per_minute: int = variable(
        "IGNACIO_API_RATE_LIMIT", 100, "API requests per client address per minute; 0 is off"
    )
    storage: str = variable("IGNACIO_RATE_LIMIT_STORAGE", "async+memory://", "a limits storage URI")
    redis_url: str | None = variable("IGNACIO_REDIS_URL", None, "count the limits in this Redis")
    redis_key_prefix: str = variable(
        "IGNACIO_REDIS_KEY_PREFIX", "ignacio", "prefix of Ignacio's keys in Redis"
    )
    channels_per_workspace: int = variable(
        "IGNACIO_MAX_CHANNELS_PER_WORKSPACE", 2, "WhatsApp numbers a workspace may connect"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.channels_per_workspace < 1:
            raise ConfigurationError("IGNACIO_MAX_CHANNELS_PER_WORKSPACE must be at least 1.")
        if self.messages < 1 or self.api_per_minute < 0:
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
        return self

    @property
    def effective_storage(self) -> str:
        """IGNACIO_REDIS_URL as a `limits` storage when set, else IGNACIO_RATE_LIMIT_STORAGE."""
        if self.redis_url:
            return (
                self.redis_url if self.redis_url.startswith("async+") else "async+" + self.redis_url
            )
        return self.storage


class QueueSettings(_Group):
    """Where inbound messages wait to be processed, and how they are worked off."""

    kind: QueueKind = variable("IGNACIO_QUEUE", QueueKind.INPROCESS, "inprocess or procrastinate")
    run_worker: Flag = variable("IGNACIO_RUN_WORKER", True, "serve also processes the queue")
    sweep_interval: Seconds = variable(
        "IGNACIO_SWEEP_SECONDS", timedelta(seconds=60), "how often lost work is requeued"
    )
    # High: a turn waiting on the model costs memory, not CPU nor a database connection; what
    # the model accepts is found by the model gate (adapters/openai_agents/gate.py).
    concurrency: int = variable(
        "IGNACIO_WORKER_CONCURRENCY", 256, "messages processed at once, at most"
    )
    send_max_attempts: int = variable(
        "IGNACIO_SEND_MAX_ATTEMPTS", 6, "attempts before a failing send gives up"
    )
    burst_quiet_seconds: float = variable(
        "IGNACIO_BURST_QUIET_SECONDS", 2, "quiet that ends a burst of messages (0: off)"
    )
    burst_max_wait_seconds: float = variable(
        "IGNACIO_BURST_MAX_WAIT_SECONDS", 8, "the longest a burst's first message waits"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.concurrency < 1 or self.send_max_attempts < 1:
            raise ConfigurationError(
                "IGNACIO_WORKER_CONCURRENCY and IGNACIO_SEND_MAX_ATTEMPTS must be at least 1."
            )
        if self.burst_quiet_seconds < 0 or (
            self.burst_quiet_seconds > 0 and self.burst_max_wait_seconds < self.burst_quiet_seconds
        ):
            raise ConfigurationError(
                "IGNACIO_BURST_QUIET_SECONDS cannot be negative (0 answers each message on its "
                "own), and IGNACIO_BURST_MAX_WAIT_SECONDS cannot be shorter than it."
            )
        return self

    @property
    def burst_policy(self) -> BurstPolicy:
        """How a member's burst of messages is answered at once (`domain.bursts`)."""
        if self.burst_quiet_seconds == 0:
            return BurstPolicy.off()
        return BurstPolicy(
            quiet_seconds=self.burst_quiet_seconds, max_wait_seconds=self.burst_max_wait_seconds
        )


class PacingSettings(_Group):
    """How fast one WhatsApp number writes: to one person (Meta's pair rate), and in all."""

    pair_interval: float = variable(
        "IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS", 6.0, "seconds per message to one person"
    )
    pair_burst: int = variable(
        "IGNACIO_WHATSAPP_PAIR_BURST", 5, "messages to one person that may go at once"
    )
    throughput: int = variable(
        "IGNACIO_WHATSAPP_THROUGHPUT", 80, "messages per second from one number"
    )
    deadline: Seconds = variable(
        "IGNACIO_WHATSAPP_PACING_DEADLINE_SECONDS",
        timedelta(seconds=600),
        "how long a message refused for a rate limit is retried uncounted",
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.pair_interval < 0 or self.pair_burst < 1 or self.throughput < 1:
            raise ConfigurationError(
                "IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS must be at least 0 (0 turns the spacing "
                "off), and IGNACIO_WHATSAPP_PAIR_BURST and IGNACIO_WHATSAPP_THROUGHPUT at least 1."
            )
        return self


class AssistantSettings(_Group):
    """The model that answers, what it reads, and the files it searches."""

    openai_api_key: SecretStr | None = variable(
        "OPENAI_API_KEY", None, "an OpenAI (or compatible server's) key"
    )
    model: str = variable("IGNACIO_AI_MODEL", "gpt-4o-mini", "the model that answers")
    base_url: str | None = variable(
        "IGNACIO_AI_BASE_URL", None, "an OpenAI-compatible server's API URL"
    )
    api: AiApi | None = variable("IGNACIO_AI_API", None, "responses or chat_completions")
    timeout: Seconds = variable(
        "IGNACIO_AI_TIMEOUT_SECONDS", timedelta(seconds=60), "the longest an answer may take"
    )
    max_retries: int = variable("IGNACIO_AI_MAX_RETRIES", 2, "quick retries of a model request")
    web_search: Flag = variable("IGNACIO_AI_WEB_SEARCH", False, "OpenAI's hosted web_search")
    vision: Flag = variable("IGNACIO_AI_VISION", True, "send photos to the model as images")
    # The first name of this setting is IGNACIO_HISTORY_MESSAGES; seed 002's name wins.
    history_messages: int = variable(
        "MAX_CONVERSATION_HISTORY",
        20,
        "earlier messages read with a new one",
        "IGNACIO_HISTORY_MESSAGES",
    )
    history_chars: int = variable(
        "IGNACIO_HISTORY_MAX_CHARS", 24_000, "and at most this many characters of them"
    )
    transcription_model: str = variable(
        "IGNACIO_TRANSCRIPTION_MODEL", "whisper-1", "the model that transcribes audio"
    )
    vector_store: VectorStoreKind | None = variable("IGNACIO_VECTOR_STORE", None, "openai or none")
    vector_store_prefix: str = variable(
        "IGNACIO_VECTOR_STORE_PREFIX", "ignacio", "names the members' vector stores"
    )
    file_retention: Days = variable(
        "IGNACIO_FILE_RETENTION_DAYS", timedelta(days=7), "age of a copy at OpenAI to renew"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.base_url is not None and not self.base_url.startswith(("https://", "http://")):
            raise ConfigurationError(
                "IGNACIO_AI_BASE_URL must be the server's API URL, e.g. http://127.0.0.1:11434/v1."
            )
        if self.web_search and self.effective_api is not AiApi.RESPONSES:
            raise ConfigurationError(
                "IGNACIO_AI_WEB_SEARCH needs IGNACIO_AI_API=responses: web search is a tool hosted "
                "by OpenAI's Responses API, which Chat Completions servers do not offer."
            )
        if self.vector_store is VectorStoreKind.OPENAI and not self.openai_api_key:
            raise ConfigurationError(
                "IGNACIO_VECTOR_STORE=openai keeps members' files at OpenAI: set OPENAI_API_KEY, "
                "or use IGNACIO_VECTOR_STORE=none (files are still searched in the database)."
            )
        if self.max_retries < 0 or self.history_messages < 0 or self.history_chars < 0:
            raise ConfigurationError(
                "IGNACIO_AI_MAX_RETRIES, MAX_CONVERSATION_HISTORY and IGNACIO_HISTORY_MAX_CHARS "
                "cannot be negative."
            )
        return self

    @property
    def uses_model(self) -> bool:
        """A model is configured (an API key, or a compatible server that may need none); without
        one the offline assistant answers."""
        return bool(self.openai_api_key or self.base_url)

    @property
    def effective_vector_store(self) -> VectorStoreKind:
        """IGNACIO_VECTOR_STORE, else OpenAI's when talking to OpenAI itself with a key (other
        compatible servers rarely offer vector stores), else none."""
        if self.vector_store is not None:
            return self.vector_store
        if self.openai_api_key and not self.base_url:
            return VectorStoreKind.OPENAI
        return VectorStoreKind.NONE

    @property
    def effective_api(self) -> AiApi:
        """IGNACIO_AI_API, else Responses on OpenAI and Chat Completions on any other server."""
        if self.api is not None:
            return self.api
        return AiApi.CHAT_COMPLETIONS if self.base_url else AiApi.RESPONSES


class StorageSettings(_Group):
    """Where received media and uploads are kept."""

    directory: Path | None = variable("IGNACIO_STORAGE_DIR", None, "the local files' directory")
    kind: BlobStorageKind | None = variable(
        "IGNACIO_BLOB_STORAGE", None, "local, supabase or memory"
    )
    supabase_url: str | None = variable("SUPABASE_URL", None, "the Supabase project's API URL")
    supabase_service_key: SecretStr | None = variable(
        "SUPABASE_SERVICE_KEY", None, "the project's service_role key"
    )
    supabase_bucket: str = variable(
        "IGNACIO_SUPABASE_BUCKET", "ignacio-files", "the private bucket"
    )

    def check_supabase(self) -> None:
        """What IGNACIO_BLOB_STORAGE=supabase needs."""
        _require(
            "IGNACIO_BLOB_STORAGE=supabase",
            {"SUPABASE_URL": self.supabase_url, "SUPABASE_SERVICE_KEY": self.supabase_service_key},
            "the project's API URL (https://<project>.supabase.co) and its service_role key, both "
            "under Project Settings, API, in Supabase.",
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


class ExtractionSettings(_Group):
    """Reading documents' text, within limits a hostile file cannot pass."""

    max_mb: int = variable("IGNACIO_EXTRACTION_MAX_MB", 64, "MB a zipped document may inflate to")
    max_ratio: int = variable("IGNACIO_EXTRACTION_MAX_RATIO", 100, "how far one part may expand")
    timeout: Seconds = variable(
        "IGNACIO_EXTRACTION_TIMEOUT_SECONDS", timedelta(seconds=60), "time to read one document"
    )
    memory_mb: int = variable(
        "IGNACIO_EXTRACTION_MEMORY_MB", 1024, "address space of a reading process"
    )
    workers: int | None = variable("IGNACIO_EXTRACTION_WORKERS", None, "documents read at once")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.max_mb < 1 or self.max_ratio < 2:
            raise ConfigurationError(
                "IGNACIO_EXTRACTION_MAX_MB must be at least 1, and IGNACIO_EXTRACTION_MAX_RATIO "
                "at least 2 (Office files expand 5 to 30 times; zip bombs about 1,000)."
            )
        if self.memory_mb < 256:
            raise ConfigurationError(
                "IGNACIO_EXTRACTION_MEMORY_MB must be at least 256: a worker needs about 150 MB "
                "before it opens a document."
            )
        if self.workers is not None and self.workers < 1:
            raise ConfigurationError("IGNACIO_EXTRACTION_WORKERS must be at least 1.")
        return self


class LiveSettings(_Group):
    """Live updates: the streams that tell the open web apps what changed."""

    max_streams: int = variable(
        "IGNACIO_EVENT_STREAMS", 1000, "live event streams one process holds open"
    )
    stream_lifetime: Seconds = variable(
        "IGNACIO_EVENT_STREAM_SECONDS", timedelta(seconds=900), "the longest a stream stays open"
    )
    retention: Days = variable(
        "IGNACIO_EVENT_RETENTION_DAYS", timedelta(days=7), "how long events are kept to catch up"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.max_streams < 1:
            raise ConfigurationError("IGNACIO_EVENT_STREAMS must be at least 1.")
        return self


class Settings(BaseModel):
    """Every group; what depends on two groups at once is decided here."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    channel: ChannelSettings = Field(default_factory=ChannelSettings)
    whatsapp_cloud: WhatsAppCloudSettings = Field(default_factory=WhatsAppCloudSettings)
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    pacing: PacingSettings = Field(default_factory=PacingSettings)
    assistant: AssistantSettings = Field(default_factory=AssistantSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    extraction: ExtractionSettings = Field(default_factory=ExtractionSettings)
    live: LiveSettings = Field(default_factory=LiveSettings)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.channel.kind is ChannelKind.WHATSAPP_CLOUD:
            self.whatsapp_cloud.check_can_send()
        if self.channel.kind is ChannelKind.TWILIO:
            self.twilio.check_can_send()
        if self.effective_blob_storage is BlobStorageKind.SUPABASE:
            self.storage.check_supabase()
        if self.queue.kind is QueueKind.PROCRASTINATE and not self.uses_postgres:
            raise ConfigurationError(
                "IGNACIO_QUEUE=procrastinate keeps its jobs in PostgreSQL: set IGNACIO_DATABASE_URL "
                "to a PostgreSQL database (postgresql://...), or use IGNACIO_QUEUE=inprocess with "
                "SQLite or memory://."
            )
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database.url or (
            f"sqlite+aiosqlite:///{(self.server.data_dir / 'ignacio.db').resolve()}"
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
    def worker_concurrency(self) -> int:
        """Messages one process answers at once (IGNACIO_WORKER_CONCURRENCY)."""
        return self.queue.concurrency

    @property
    def should_migrate_on_start(self) -> bool:
        if self.database.auto_migrate is not None:
            return self.database.auto_migrate
        return self.is_embedded

    @property
    def effective_storage_dir(self) -> Path:
        return self.storage.directory or self.server.data_dir / "files"

    @property
    def effective_blob_storage(self) -> BlobStorageKind:
        """IGNACIO_BLOB_STORAGE, else memory with the memory:// database and the disk otherwise."""
        if self.storage.kind is not None:
            return self.storage.kind
        return BlobStorageKind.MEMORY if self.uses_memory else BlobStorageKind.LOCAL

    @classmethod
    def variables(cls) -> dict[str, FieldInfo]:
        """Every variable, by its current name, with the field it sets (its default and its
        description): the list the README's configuration table is checked against."""
        found = {}
        for group in cls.model_fields.values():
            model = group.annotation
            if isinstance(model, type) and issubclass(model, _Group):
                for field in model.model_fields.values():
                    found[_name_of(field.validation_alias)] = field
        return found

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the environment (by default the process's); an empty variable counts as unset."""
        env = os.environ if environ is None else environ
        return cls.from_variables({name: raw.strip() for name, raw in env.items() if raw != ""})

    @classmethod
    def from_variables(cls, variables: Mapping[str, object]) -> Settings:
        """Settings from values keyed by variable name: strings as in the environment, or already
        typed values (tests pass paths, enums and numbers)."""
        given = dict(variables)
        try:
            return cls.model_validate(dict.fromkeys(cls.model_fields, given))
        except ValidationError as error:
            raise ConfigurationError(_explain(error, given)) from error


def _name_of(alias: object) -> str:
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return str(alias)


def _explain(error: ValidationError, given: Mapping[str, object]) -> str:
    """pydantic names the place (`server.IGNACIO_PORT`): say which variable, and why."""
    first = error.errors()[0]
    name = str(first["loc"][-1]) if first["loc"] else ""
    if name in given:
        return f"{name}={given[name]!r} is not a valid value: {first['msg']}."
    return f"Invalid configuration: {name}: {first['msg']}."


def load_dotenv_file(path: Path = Path(".env")) -> None:
    """Read `.env` into the environment without overriding what is already set."""
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)
