"""Choosing the WhatsApp provider, the access policy and the limits by configuration."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ignacio.adapters.console import ConsoleChannel, ConsoleMediaFetcher
from ignacio.adapters.ratelimit import LimitsRateLimiter
from ignacio.adapters.twilio import TwilioChannel, TwilioMediaFetcher
from ignacio.adapters.whatsapp_cloud import CloudApiChannel
from ignacio.application.ports import RateLimit
from ignacio.domain import PhoneNumber, WhatsAppAccess
from ignacio.entrypoints.config import ChannelKind, ConfigurationError, Settings
from ignacio.entrypoints.container import _inbound_limits, build_container

TWILIO = {
    "IGNACIO_CHANNEL": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
}


def test_by_default_whatsapp_is_the_console_open_to_anyone_and_limited_per_number() -> None:
    settings = Settings.from_env({})
    container = build_container(settings)

    assert isinstance(container.channel(), ConsoleChannel)
    assert isinstance(container.media_fetcher(), ConsoleMediaFetcher)
    assert settings.channel.access is WhatsAppAccess.OPEN
    assert _inbound_limits(settings).per_phone == RateLimit(amount=10, seconds=60)
    assert settings.limits.api_per_minute == 100
    assert settings.limits.effective_storage == "async+memory://"


def test_twilio_is_chosen_with_its_three_seed_variables() -> None:
    settings = Settings.from_env(TWILIO)
    container = build_container(settings)

    assert settings.channel.kind is ChannelKind.TWILIO
    assert settings.twilio.number == PhoneNumber.parse("+1 415 523 8886")
    assert isinstance(container.channel(), TwilioChannel)
    assert isinstance(container.media_fetcher(), TwilioMediaFetcher)
    assert container.channel().max_text_length == 1600
    assert settings.twilio.status_callback is None


def test_the_number_may_come_without_the_whatsapp_prefix() -> None:
    settings = Settings.from_env({**TWILIO, "TWILIO_WHATSAPP_NUMBER": "+14155238886"})
    assert settings.twilio.number.e164 == "+14155238886"


def test_meta_is_still_chosen_the_same_way() -> None:
    settings = Settings.from_env(
        {
            "IGNACIO_CHANNEL": "whatsapp_cloud",
            "WHATSAPP_APP_SECRET": "s",
            "WHATSAPP_ACCESS_TOKEN": "t",
            "WHATSAPP_PHONE_NUMBER_ID": "1",
        }
    )
    assert isinstance(build_container(settings).channel(), CloudApiChannel)


@pytest.mark.parametrize("missing", sorted(set(TWILIO) - {"IGNACIO_CHANNEL"}))
def test_twilio_refuses_to_start_without_each_seed_variable(missing: str) -> None:
    with pytest.raises(ConfigurationError, match=missing):
        Settings.from_env({k: v for k, v in TWILIO.items() if k != missing})


def test_twilio_refuses_a_number_it_cannot_read() -> None:
    with pytest.raises(ConfigurationError, match="TWILIO_WHATSAPP_NUMBER"):
        Settings.from_env({**TWILIO, "TWILIO_WHATSAPP_NUMBER": "whatsapp:our-number"})


def test_the_public_url_gives_the_status_callback_unless_one_is_set() -> None:
    public = Settings.from_env({**TWILIO, "TWILIO_PUBLIC_URL": "https://ignacio.example.org/"})
    explicit = Settings.from_env(
        {
            **TWILIO,
            "TWILIO_PUBLIC_URL": "https://ignacio.example.org",
            "TWILIO_STATUS_CALLBACK_URL": "https://hooks.example.org/status",
        }
    )

    assert public.twilio.status_callback == "https://ignacio.example.org/webhooks/twilio/status"
    assert explicit.twilio.status_callback == "https://hooks.example.org/status"


def test_a_public_url_must_be_a_url() -> None:
    with pytest.raises(ConfigurationError, match="TWILIO_PUBLIC_URL"):
        Settings.from_env({**TWILIO, "TWILIO_PUBLIC_URL": "ignacio.example.org"})


def test_access_and_the_seed_s_whitelist_are_read() -> None:
    settings = Settings.from_env(
        {
            "IGNACIO_WHATSAPP_ACCESS": "whitelist",
            "WHITELISTED_USERS": " +34612345678, whatsapp:+34699999999 ,,",
        }
    )

    policy = settings.channel.access_policy
    assert policy.mode is WhatsAppAccess.WHITELIST
    assert policy.whitelist == {
        PhoneNumber.parse("+34612345678"),
        PhoneNumber.parse("+34699999999"),
    }


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("IGNACIO_WHATSAPP_ACCESS", "everyone"),
        ("WHITELISTED_USERS", "+34612345678,not-a-number"),
        ("RATE_LIMIT_MESSAGES", "0"),
        ("RATE_LIMIT_WINDOW_SECONDS", "0"),
        ("IGNACIO_API_RATE_LIMIT", "-1"),
        ("IGNACIO_REDIS_URL", "http://127.0.0.1:6379"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env({variable: value})
    assert variable in str(error.value)


def test_the_seed_s_message_limit_is_read() -> None:
    settings = Settings.from_env({"RATE_LIMIT_MESSAGES": "20", "RATE_LIMIT_WINDOW_SECONDS": "30"})

    assert settings.limits.window == timedelta(seconds=30)
    assert _inbound_limits(settings).per_phone == RateLimit(amount=20, seconds=30)


@pytest.mark.parametrize(
    ("url", "storage"),
    [
        ("redis://127.0.0.1:6379/0", "async+redis://127.0.0.1:6379/0"),
        ("rediss://:secret@cache.example:6380", "async+rediss://:secret@cache.example:6380"),
        ("async+redis://127.0.0.1:6379", "async+redis://127.0.0.1:6379"),
    ],
)
def test_redis_is_where_limits_are_counted_when_set(url: str, storage: str) -> None:
    settings = Settings.from_env({"IGNACIO_REDIS_URL": url, "IGNACIO_REDIS_KEY_PREFIX": "acme"})

    assert settings.limits.effective_storage == storage
    limiter = build_container(settings).rate_limiter()
    assert isinstance(limiter, LimitsRateLimiter)
    assert type(limiter.storage).__name__ == "RedisStorage"


@pytest.mark.parametrize(
    ("value", "ttl"),
    [
        ("1800", timedelta(minutes=30)),
        (" 45 ", timedelta(seconds=45)),
        ("30m", timedelta(minutes=30)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("90s", timedelta(seconds=90)),
        ("1D", timedelta(days=1)),
    ],
)
def test_the_session_ttl_is_seconds_or_a_duration(value: str, ttl: timedelta) -> None:
    assert Settings.from_env({"IGNACIO_SESSION_TTL": value}).channel.session_ttl == ttl


@pytest.mark.parametrize("value", ["0", "0m", "-5", "abc", "1x", "m", "1.5h"])
def test_a_session_ttl_that_is_no_duration_is_refused_by_name(value: str) -> None:
    with pytest.raises(ConfigurationError, match="IGNACIO_SESSION_TTL"):
        Settings.from_env({"IGNACIO_SESSION_TTL": value})


def test_member_sessions_live_in_the_database_or_in_redis(tmp_path: Path) -> None:
    from ignacio.adapters.memory import InMemoryMemberSessions
    from ignacio.adapters.redis_sessions import RedisMemberSessions
    from ignacio.adapters.sql import SqlMemberSessions

    default = Settings.from_env({"IGNACIO_DATABASE_URL": f"sqlite:///{tmp_path / 'i.db'}"})
    assert default.channel.session_ttl == timedelta(minutes=30)
    assert isinstance(build_container(default).member_sessions(), SqlMemberSessions)
    memory = Settings.from_env({"IGNACIO_DATABASE_URL": "memory://"})
    assert isinstance(build_container(memory).member_sessions(), InMemoryMemberSessions)
    redis = Settings.from_env({"IGNACIO_REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert isinstance(build_container(redis).member_sessions(), RedisMemberSessions)
