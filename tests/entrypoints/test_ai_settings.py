"""The assistant's configuration: offline by default, OpenAI with a key, any compatible server
with a base URL, and clear errors for what cannot work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ignacio.adapters.offline_assistant import OfflineAssistant, OfflineSummarizer
from ignacio.adapters.openai_agents import AgentsAssistant, AgentsSummarizer, OpenAITranscriber
from ignacio.entrypoints.config import AiApi, ConfigurationError, Settings
from ignacio.entrypoints.container import build_container
from tests.support.system import settings_for_tests


def test_without_a_model_the_offline_assistant_answers_and_nothing_transcribes() -> None:
    settings = Settings.from_env({})
    container = build_container(settings_for_tests())

    assert not settings.assistant.uses_model
    assert isinstance(container.assistant(), OfflineAssistant)
    assert isinstance(container.summarizer(), OfflineSummarizer)
    assert container.transcriber() is None


def test_an_openai_key_uses_the_responses_api_with_hosted_tools() -> None:
    settings = Settings.from_env(
        {
            "OPENAI_API_KEY": "sk-test",
            "IGNACIO_AI_MODEL": "gpt-4o",
            "IGNACIO_AI_TIMEOUT_SECONDS": "30",
            "IGNACIO_AI_MAX_RETRIES": "4",
            "IGNACIO_AI_WEB_SEARCH": "true",
            "IGNACIO_TRANSCRIPTION_MODEL": "gpt-4o-mini-transcribe",
        }
    )
    assert settings.assistant.effective_api is AiApi.RESPONSES
    assert (
        settings.assistant.model,
        settings.assistant.timeout,
        settings.assistant.max_retries,
    ) == (
        "gpt-4o",
        timedelta(seconds=30),
        4,
    )

    container = build_container(
        settings_for_tests(OPENAI_API_KEY="sk-test", IGNACIO_AI_WEB_SEARCH=True)
    )
    assert isinstance(container.assistant(), AgentsAssistant)
    assert isinstance(container.summarizer(), AgentsSummarizer)
    assert isinstance(container.transcriber(), OpenAITranscriber)
    assert str(container.ai_client().base_url) == "https://api.openai.com/v1/"


def test_a_compatible_server_needs_no_key_and_speaks_chat_completions() -> None:
    settings = Settings.from_env({"IGNACIO_AI_BASE_URL": "http://127.0.0.1:11434/v1"})
    assert settings.assistant.uses_model
    assert settings.assistant.effective_api is AiApi.CHAT_COMPLETIONS
    assert (
        Settings.from_env(
            {"IGNACIO_AI_BASE_URL": "http://gateway/v1", "IGNACIO_AI_API": "responses"}
        ).assistant.effective_api
        is AiApi.RESPONSES
    )

    container = build_container(settings_for_tests(IGNACIO_AI_BASE_URL="http://127.0.0.1:11434/v1"))
    assert isinstance(container.assistant(), AgentsAssistant)
    assert isinstance(container.summarizer(), AgentsSummarizer)
    assert str(container.ai_client().base_url) == "http://127.0.0.1:11434/v1/"


def test_the_history_window_has_the_seeds_name_and_a_size_bound() -> None:
    settings = Settings.from_env(
        {
            "IGNACIO_HISTORY_MESSAGES": "30",
            "MAX_CONVERSATION_HISTORY": "10",
            "IGNACIO_HISTORY_MAX_CHARS": "8000",
        }
    )
    assert (settings.assistant.history_messages, settings.assistant.history_chars) == (10, 8000)
    assert Settings.from_env({"IGNACIO_HISTORY_MESSAGES": "30"}).assistant.history_messages == 30


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"IGNACIO_AI_BASE_URL": "localhost:11434"}, "IGNACIO_AI_BASE_URL"),
        ({"IGNACIO_AI_API": "completions"}, "IGNACIO_AI_API"),
        ({"IGNACIO_AI_TIMEOUT_SECONDS": "0"}, "IGNACIO_AI_TIMEOUT_SECONDS"),
        (
            {"IGNACIO_AI_BASE_URL": "http://x/v1", "IGNACIO_AI_WEB_SEARCH": "on"},
            "IGNACIO_AI_WEB_SEARCH",
        ),
        ({"IGNACIO_AI_MAX_RETRIES": "-1"}, "IGNACIO_AI_MAX_RETRIES"),
        ({"MAX_CONVERSATION_HISTORY": "-5"}, "MAX_CONVERSATION_HISTORY"),
    ],
)
def test_settings_that_cannot_work_are_refused_by_name(
    environment: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        Settings.from_env(environment)
