"""The assistant on the OpenAI Agents SDK, conversation summaries, and transcription, on OpenAI
or any server speaking its API (Responses or Chat Completions), and the probe that checks the
model answers."""

from ignacio.adapters.openai_agents.assistant import AgentsAssistant
from ignacio.adapters.openai_agents.client import ApiStyle, agents_model, openai_client
from ignacio.adapters.openai_agents.health import ModelProbe
from ignacio.adapters.openai_agents.summarizer import AgentsSummarizer
from ignacio.adapters.openai_agents.transcriber import OpenAITranscriber

__all__ = [
    "AgentsAssistant",
    "AgentsSummarizer",
    "ApiStyle",
    "ModelProbe",
    "OpenAITranscriber",
    "agents_model",
    "openai_client",
]
