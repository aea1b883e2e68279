"""The settings are the one list of variables: the README's table says the same, secrets stay
out of a repr, and the environment's forms (booleans, lists, the older name) keep working."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import Enum
from pathlib import Path

import pytest

from ignacio.entrypoints.config import ConfigurationError, Settings, reveal

README = Path(__file__).parents[2] / "README.md"
# Variables only the test suite reads (tests/support/); the README lists them for contributors.
TESTS_ONLY = ("IGNACIO_TEST_",)


def readme_table() -> dict[str, str]:
    """The `| variable | default | meaning |` table under `## Configuration`: variable -> default."""
    section = README.read_text().split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| (.*?) \| .* \|$", section, flags=re.MULTILINE)
    return {name: default for name, default in rows if not name.startswith(TESTS_ONLY)}


def shown(name: str, default: object) -> str | None:
    """A default as the README writes it, or None when the README describes it in words."""
    if default is None or default in ("", ()):
        return None
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, timedelta):
        unit = default.days if name.endswith("_DAYS") else int(default.total_seconds())
        return str(unit)
    if isinstance(default, Path) and not default.is_absolute():
        return f"./{default}"
    if isinstance(default, Enum):
        return str(default.value)
    return str(default)


def test_the_readme_lists_exactly_the_settings_variables() -> None:
    table = readme_table()
    variables = Settings.variables()
    assert sorted(set(variables) - set(table)) == [], "variables missing from the README"
    assert sorted(set(table) - set(variables)) == [], "README rows no setting reads"


@pytest.mark.parametrize("name", sorted(Settings.variables()))
def test_the_readme_gives_each_variable_its_default(name: str) -> None:
    expected = shown(name, Settings.variables()[name].default)
    if expected is not None:
        assert readme_table()[name] == f"`{expected}`"


def test_every_variable_has_a_description() -> None:
    assert all(field.description for field in Settings.variables().values())


SECRETS = {
    "JWT_SECRET_KEY": "jwt-secret-that-is-long-enough-0123456789",
    "IGNACIO_PHONE_KEY": "cGhvbmUta2V5LXBob25lLWtleS1waG9uZS1rZXktMDA=",
    "OPENAI_API_KEY": "sk-openai-secret",
    "WHATSAPP_ACCESS_TOKEN": "whatsapp-access-secret",
    "WHATSAPP_APP_SECRET": "whatsapp-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "whatsapp-verify-secret",
    "TWILIO_AUTH_TOKEN": "twilio-auth-secret",
    "SUPABASE_SERVICE_KEY": "supabase-service-secret",
}


def test_no_secret_shows_in_a_repr() -> None:
    settings = Settings.from_env(
        {
            **SECRETS,
            "IGNACIO_DATABASE_URL": "postgresql://ignacio:db-password@db/ignacio",
            "IGNACIO_REDIS_URL": "redis://:redis-password@cache:6379/0",
            "IGNACIO_BLOB_STORAGE": "supabase",
            "SUPABASE_URL": "https://project.supabase.co",
        }
    )
    shown_text = repr(settings) + str(settings)
    for secret in [*SECRETS.values(), "db-password", "redis-password"]:
        assert secret not in shown_text
    assert reveal(settings.twilio.auth_token) == SECRETS["TWILIO_AUTH_TOKEN"]
    assert settings.effective_database_url.endswith("db-password@db/ignacio")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        *[("1", True), ("true", True), ("YES", True), ("on", True)],
        *[("0", False), ("False", False), ("no", False), (" off ", False)],
    ],
)
def test_booleans_take_the_usual_words(raw: str, value: bool) -> None:
    assert Settings.from_env({"IGNACIO_SECURE_COOKIES": raw}).server.secure_cookies is value


@pytest.mark.parametrize("raw", ["t", "y", "2", "maybe"])
def test_other_boolean_words_are_refused_by_name(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="IGNACIO_SECURE_COOKIES"):
        Settings.from_env({"IGNACIO_SECURE_COOKIES": raw})


@pytest.mark.parametrize("raw", ["1.5", "PT1M", "-1", "0"])
def test_seconds_are_positive_whole_numbers(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="IGNACIO_SWEEP_SECONDS"):
        Settings.from_env({"IGNACIO_SWEEP_SECONDS": raw})


def test_lists_are_comma_separated_and_empty_variables_unset() -> None:
    settings = Settings.from_env(
        {"WHITELISTED_USERS": " +34612345678, ,+34699999999 ", "IGNACIO_PORT": ""}
    )
    assert settings.channel.whitelisted_users == ("+34612345678", "+34699999999")
    assert settings.server.port == 8000


def test_the_seed_name_of_the_history_wins_over_the_older_one() -> None:
    both = {"MAX_CONVERSATION_HISTORY": "12", "IGNACIO_HISTORY_MESSAGES": "30"}
    assert Settings.from_env(both).assistant.history_messages == 12
    with pytest.raises(ConfigurationError, match="IGNACIO_HISTORY_MESSAGES"):
        Settings.from_env({"IGNACIO_HISTORY_MESSAGES": "many"})
