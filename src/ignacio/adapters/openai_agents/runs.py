"""What the assistant and the summarizer share: the model a workspace asked for, and one Agents
SDK run bounded in time, its failures said as the UpstreamUnavailable the ports raise."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import openai
from agents import (
    Agent,
    AgentsException,
    MaxTurnsExceeded,
    Model,
    ModelBehaviorError,
    RunConfig,
    Runner,
    RunResult,
)
from agents.items import TResponseInputItem

from ignacio.adapters.openai_agents.failures import unavailable
from ignacio.domain import UpstreamUnavailable

log = logging.getLogger(__name__)

RUN_CONFIG = RunConfig(tracing_disabled=True, trace_include_sensitive_data=False)
"""Nothing of a run (the members' words) is sent to OpenAI's trace dashboard."""


class WorkspaceModels:
    """The deployment's model, and the others workspaces name (AssistantSettings.model), each
    made once."""

    def __init__(
        self, model: Model, model_name: str, other_model: Callable[[str], Model] | None = None
    ) -> None:
        self._name = model_name
        self._model = model
        self._other_model = other_model
        self._models: dict[str, Model] = {model_name: model}

    def for_workspace(self, wanted: str | None) -> tuple[str, Model]:
        """The model a workspace asked for, or the deployment's when it asked for none (or for
        one this adapter cannot make)."""
        if wanted is None or wanted == self._name or self._other_model is None:
            return self._name, self._model
        if wanted not in self._models:
            self._models[wanted] = self._other_model(wanted)
        return wanted, self._models[wanted]


async def run_agent(
    agent: Agent[Any],
    items: list[TResponseInputItem],
    *,
    timeout_seconds: float,
    max_turns: int,
    doing: str,
    context: Any = None,
) -> RunResult:
    """Run `agent` on `items`, the whole run (tools and the client's own retries included)
    within `timeout_seconds`; a timeout, a refusal or an unusable answer raises
    UpstreamUnavailable, saying what failed while `doing` it ("answering")."""
    try:
        async with asyncio.timeout(timeout_seconds):
            return await Runner.run(
                agent, items, context=context, max_turns=max_turns, run_config=RUN_CONFIG
            )
    except (TimeoutError, openai.OpenAIError) as error:
        failure = unavailable(error, doing)
        log.warning("the model failed", extra={"reason": failure.message})
        raise failure from error
    except (ModelBehaviorError, MaxTurnsExceeded) as error:
        log.warning("the model misbehaved", extra={"reason": str(error)})
        raise UpstreamUnavailable("The model answered with nothing usable.") from error
    except AgentsException as error:
        # Ours or the SDK's fault, not the member's: logged in full, and the caller still gets
        # an UpstreamUnavailable it knows how to handle (an apology, a 503, a retry).
        log.exception("the agent run failed")
        raise UpstreamUnavailable(f"The model run failed while {doing}.") from error
