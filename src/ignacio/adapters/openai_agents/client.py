"""The OpenAI client and the Agents SDK model Ignacio talks through, built from settings.

One `AsyncOpenAI` serves the assistant and the transcriber: OpenAI itself, or any server that
speaks its API at a base URL (a local model server, a gateway). The SDK's own retries cover
429s, 5xx and network failures (honouring `Retry-After`), so a brief hiccup costs a second,
not a failed turn; what outlasts them becomes UpstreamUnavailable (see `failures`). Every
request goes through one `ModelGate` (see `gate`): a 429 holds back the whole process, and the
requests in flight settle at what the model accepts.
"""

from __future__ import annotations

from enum import StrEnum

import openai
from agents import Model, OpenAIChatCompletionsModel, OpenAIResponsesModel, set_tracing_disabled

from ignacio.adapters.openai_agents.gate import GatedTransport, ModelGate

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Local servers ignore the key, but the client refuses to start without one.
NO_KEY = "not-needed"


class ApiStyle(StrEnum):
    RESPONSES = "responses"
    CHAT_COMPLETIONS = "chat_completions"


def openai_client(
    *,
    api_key: str | None,
    base_url: str | None = None,
    timeout_seconds: float = 60.0,
    max_retries: int = 2,
    max_in_flight: int = 256,
    gate: ModelGate | None = None,
) -> openai.AsyncOpenAI:
    """A client for OpenAI, or for a compatible server at `base_url` (ending in `/v1`).

    Also turns off the Agents SDK's trace export, which would otherwise send every run to
    OpenAI's dashboard (with the members' words in it) from a background thread.
    `max_in_flight`: the most requests in flight at once, ever (see `ModelGate`); `gate`, one
    to share instead.
    """
    set_tracing_disabled(True)
    return openai.AsyncOpenAI(
        api_key=api_key or NO_KEY,
        base_url=base_url or OPENAI_BASE_URL,
        timeout=timeout_seconds,
        max_retries=max_retries,
        http_client=openai.DefaultAsyncHttpxClient(
            transport=GatedTransport(gate or ModelGate(max_in_flight))
        ),
    )


def agents_model(client: openai.AsyncOpenAI, name: str, api: ApiStyle) -> Model:
    """The SDK's model for `name`, spoken through `api`."""
    if api is ApiStyle.RESPONSES:
        return OpenAIResponsesModel(model=name, openai_client=client)
    return OpenAIChatCompletionsModel(model=name, openai_client=client)
