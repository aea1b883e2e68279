"""Constructors of the adapters whose libraries are slow to import or large (the OpenAI SDK and
the Agents SDK, the document parsers, Supabase's client, Redis's client, PostgreSQL's driver and
procrastinate), imported on first use.

Most processes never need them (a test, `ignacio migrate`, a server on the offline assistant),
and importing them all would add seconds to every start.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


def openai_client(**options: Any) -> Any:
    from ignacio.adapters.openai_agents import openai_client as make_client

    return make_client(**options)


def agents_assistant(*, client: Any, model_name: str, api: str, **options: Any) -> Any:
    from ignacio.adapters.openai_agents import AgentsAssistant, ApiStyle, agents_model

    style = ApiStyle(api)
    return AgentsAssistant(
        model=agents_model(client, model_name, style),
        model_name=model_name,
        other_model=lambda name: agents_model(client, name, style),
        hosted_tools=style is ApiStyle.RESPONSES,
        **options,
    )


def agents_summarizer(*, client: Any, model_name: str, api: str, **options: Any) -> Any:
    from ignacio.adapters.openai_agents import AgentsSummarizer, ApiStyle, agents_model

    style = ApiStyle(api)
    return AgentsSummarizer(
        agents_model(client, model_name, style),
        model_name=model_name,
        other_model=lambda name: agents_model(client, name, style),
        **options,
    )


def openai_transcriber(**options: Any) -> Any:
    from ignacio.adapters.openai_agents import OpenAITranscriber

    return OpenAITranscriber(**options)


def vector_store_index(client: Any, **options: Any) -> Any:
    from ignacio.adapters.openai_vector_store import OpenAIVectorStoreIndex

    return OpenAIVectorStoreIndex(client, **options)


def text_extractor(
    *, isolated: bool, limits: Any, memory_bytes: int, workers: int | None, preload: Sequence[str]
) -> Iterator[Any]:
    """The extractor, for the container's Resource provider: isolated in worker processes
    (stopped when the container closes), or in this process's threads (the memory set)."""
    if not isolated:
        from ignacio.adapters.extraction import DocumentTextExtractor

        yield DocumentTextExtractor(limits)
        return
    from ignacio.adapters.extraction.isolated import IsolatedTextExtractor

    extractor = IsolatedTextExtractor(
        limits, memory_bytes=memory_bytes, workers=workers, preload=preload
    )
    try:
        yield extractor
    finally:
        extractor.close()


def supabase_storage(**options: Any) -> Any:
    from ignacio.adapters.supabase_storage import SupabaseBlobStorage

    return SupabaseBlobStorage(**options)


def model_probe(client: Any, model: str) -> Any:
    from ignacio.adapters.openai_agents import ModelProbe

    return ModelProbe(client, model)


def supabase_storage_probe(storage: Any) -> Any:
    from ignacio.adapters.supabase_storage import SupabaseStorageProbe

    return SupabaseStorageProbe(storage)


def redis_member_sessions(url: str, **options: Any) -> Any:
    # coredis and what it imports (beartype, pympler) take ~17 MB of every process's memory.
    from ignacio.adapters.redis_sessions import RedisMemberSessions

    return RedisMemberSessions(url, **options)


def procrastinate_queue(database_url: str, **options: Any) -> Any:
    # procrastinate and psycopg take ~12 MB of a process that never needs them (the embedded
    # server on SQLite); a queue of this kind exists only once this has run.
    from ignacio.adapters.procrastinate_queue import ProcrastinateJobQueue, conninfo_from_url

    return ProcrastinateJobQueue(conninfo_from_url(database_url), **options)


def postgres_event_signal(database_url: str, **options: Any) -> Any:
    from ignacio.adapters.live.postgres import PostgresEventSignal
    from ignacio.adapters.procrastinate_queue.schema import conninfo_from_url

    return PostgresEventSignal(conninfo_from_url(database_url), **options)
