"""The offline assistant: what answers when no model is configured."""

from __future__ import annotations

from ignacio.application.ports import AssistantReply, AssistantTurn

OFFLINE_MODEL = "offline"


class OfflineAssistant:
    """Says plainly that no model is connected and how to connect one; never pretends to think."""

    async def answer(self, turn: AssistantTurn) -> AssistantReply:
        greeting = f"Hi {turn.user.name}! " if turn.user.name else "Hi! "
        return AssistantReply(
            text=(
                f"{greeting}I'm Ignacio, running without an AI model, so I can't answer your "
                "message yet. It is saved in this conversation.\n\n"
                "To connect a model, the operator sets `OPENAI_API_KEY` (and, for any "
                "OpenAI-compatible server, `IGNACIO_AI_BASE_URL` and `IGNACIO_AI_MODEL`) and "
                "restarts Ignacio."
            ),
            model=OFFLINE_MODEL,
        )


__all__ = ["OFFLINE_MODEL", "OfflineAssistant"]
