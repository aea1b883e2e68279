"""The Assistant port on the OpenAI Agents SDK: one agent per turn, over any `Model`."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any, cast

from agents import (
    Agent,
    FileSearchTool,
    Model,
    ModelSettings,
    Tool,
    WebSearchTool,
)
from agents.items import TResponseInputItem
from openai.types.shared_params import ComparisonFilter

from ignacio.adapters.openai_agents.instructions import instructions_for
from ignacio.adapters.openai_agents.record_tools import record_tools
from ignacio.adapters.openai_agents.runs import WorkspaceModels, run_agent
from ignacio.adapters.openai_agents.tools import (
    ANSWER_TOOLS,
    TurnContext,
    hand_to_team,
    record_step_answer,
    search_my_files,
)
from ignacio.application.ports import (
    AssistantReply,
    AssistantTurn,
    DocumentIndex,
    DocumentInput,
    ImageInput,
    RecordDesk,
    StepRecorder,
)
from ignacio.domain import Author, Message, UpstreamUnavailable
from ignacio.domain.answers import as_markdown
from ignacio.domain.handover import handoff_notice
from ignacio.domain.history import readable_text
from ignacio.domain.knowledge import SyncStatus

# A search or two, maybe a retry of a malformed call, then the answer: more means a loop.
MAX_TURNS = 6
HOSTED_SEARCH_RESULTS = 5
WORKSPACE_ID_ATTRIBUTE = "workspace_id"
"""The attribute the vector-store index gives each file it attaches (its
`WORKSPACE_ID_ATTRIBUTE`): a member's store holds their files of every workspace, and the hosted
`file_search` keeps to the turn's."""

SUMMARY_REQUEST = (
    "The member sent this document without a question. Summarise it for them: what it is, its "
    "key points, and anything in it they should act on or decide."
)
UNREADABLE_DOCUMENT = (
    "No text could be read from this document (it may be a scan or a picture of text); tell the "
    "member so and ask what they would like to do with it."
)
UNREADABLE_DOCUMENT_BECAUSE = (
    "No text could be read from this document: {note}. Tell the member so, in their words, and "
    "ask what they would like to do with it."
)
UNSEEN_PHOTO = "[photo: this model cannot see images]"


class AgentsAssistant:
    """Answers each turn with an Agents SDK run.

    - The run sees the conversation's window, the member's name and files, and the message with
      its photo (as image input when the model takes images) or its document's text.
    - The workspace's open workflow steps are in the instructions, and `record_step_answer`
      keeps each answer (through `steps`), checked against its step.
      its photo (as image input when the model takes images) or its document's text; a burst's
      earlier messages come before it, each as the member sent it, with its own.
    - Tools: `search_my_files` over the DocumentIndex, always; on the Responses API, the hosted
      `file_search` over the member's OpenAI vector store and the workspace's knowledge base
      store (filtered to the turn's workspace)
      and, when enabled, `web_search`.
    - A specialised answer comes back structured (`AssistantReply.answer`), with Markdown text.
    - The whole answer, tools and the client's own retries included, is bounded by `timeout`;
      a timeout, a refusal or an unusable answer raises UpstreamUnavailable.
    """

    def __init__(
        self,
        model: Model,
        *,
        model_name: str,
        index: DocumentIndex,
        timeout_seconds: float = 60.0,
        vision: bool = True,
        hosted_tools: bool = False,
        web_search: bool = False,
        model_settings: ModelSettings | None = None,
        other_model: Callable[[str], Model] | None = None,
        steps: StepRecorder | None = None,
        records: RecordDesk | None = None,
    ) -> None:
        """`hosted_tools`: the model is OpenAI's Responses API, where `file_search` and
        `web_search` run on OpenAI's side; `web_search` also needs it. `steps`: where the
        answers to workspaces' workflow steps are kept (without it, none are asked for)."""
        self._index = index
        self._steps = steps
        self._records = records
        self._timeout = timeout_seconds
        self._vision = vision
        self._hosted_tools = hosted_tools
        self._web_search = web_search and hosted_tools
        self._model_settings = model_settings or ModelSettings()
        # A workspace may name another model (AssistantSettings.model): made once per name.
        self._models = WorkspaceModels(model, model_name, other_model)

    async def answer(self, turn: AssistantTurn) -> AssistantReply:
        vector_stores = self._vector_stores(turn)
        settings = turn.workspace.assistant
        model_name, model = self._models.for_workspace(settings.model)
        web_search = self._hosted_tools and (
            self._web_search if settings.web_search is None else settings.web_search
        )
        agent = Agent[TurnContext](
            name=turn.workspace.assistant_name,
            instructions=instructions_for(
                turn,
                hosted_file_search=bool(vector_stores),
                web_search=web_search,
                steps=self._collects_steps(turn),
            ),
            model=model,
            model_settings=self._model_settings,
            tools=[
                *self._tools(turn, vector_stores, web_search=web_search),
                *await self._record_tools(turn),
            ],
            tool_use_behavior={"stop_at_tool_names": [tool.name for tool in ANSWER_TOOLS]},
        )
        context = TurnContext(
            workspace_id=turn.workspace.id,
            user_id=turn.user.id,
            index=self._index,
            steps=self._steps if self._collects_steps(turn) else None,
            conversation_id=turn.conversation.id,
            records=self._records,
        )
        started = time.perf_counter()
        result = await run_agent(
            agent,
            self._input(turn),
            timeout_seconds=self._timeout,
            max_turns=MAX_TURNS,
            doing="answering",
            context=context,
        )
        latency_ms = round((time.perf_counter() - started) * 1000)
        usage = result.context_wrapper.usage
        if context.answer is not None:
            text = as_markdown(context.answer)
        else:
            text = str(result.final_output or "").strip()
        if context.drafted is not None:
            # The member always sees what was recorded and where, whatever the model wrote.
            text = f"{text}\n\n{context.drafted.text}".strip()
        if not text and context.handoff is not None:
            # Handed over without a word: the member is still told what happens next.
            text = handoff_notice(turn.workspace.name)
        if not text:
            raise UpstreamUnavailable("The model answered with an empty message.")
        return AssistantReply(
            text=text,
            model=model_name,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            latency_ms=latency_ms,
            answer=context.answer,
            handoff=context.handoff,
        )

    def _collects_steps(self, turn: AssistantTurn) -> bool:
        return self._steps is not None and bool(turn.open_steps)

    async def _record_tools(self, turn: AssistantTurn) -> list[Tool]:
        if self._records is None:
            return []
        return list(record_tools(await self._records.types(turn.workspace.id)))

    def _vector_stores(self, turn: AssistantTurn) -> list[str]:
        if not self._hosted_tools:
            return []
        stores = {
            file.remote_store_id
            for file in (*turn.files, *turn.knowledge)
            if file.remote_store_id and file.sync_status is SyncStatus.SYNCED
        }
        return sorted(store for store in stores if store)

    def _tools(
        self, turn: AssistantTurn, vector_stores: list[str], *, web_search: bool
    ) -> list[Tool]:
        tools: list[Tool] = [search_my_files, hand_to_team, *ANSWER_TOOLS]
        if self._collects_steps(turn):
            tools.append(record_step_answer)
        if vector_stores:
            in_workspace: ComparisonFilter = {
                "type": "eq",
                "key": WORKSPACE_ID_ATTRIBUTE,
                "value": str(turn.workspace.id),
            }
            tools.append(
                FileSearchTool(
                    vector_store_ids=vector_stores,
                    max_num_results=HOSTED_SEARCH_RESULTS,
                    filters=in_workspace,
                )
            )
        if web_search:
            tools.append(WebSearchTool())
        return tools

    def _input(self, turn: AssistantTurn) -> list[TResponseInputItem]:
        items: list[TResponseInputItem] = []
        for message in turn.history:
            text = readable_text(message)
            if not text:
                continue
            role = "user" if message.author is Author.MEMBER else "assistant"
            items.append(_message(role, text))
        # A burst: each of the member's messages as they sent it, with what it carried.
        for part in turn.earlier:
            items.append(self._said(part.message, part.images, part.document, summary=False))
        items.append(
            self._said(turn.message, turn.images, turn.document, summary=turn.wants_summary)
        )
        return items

    def _said(
        self,
        message: Message,
        images: list[ImageInput],
        document: DocumentInput | None,
        *,
        summary: bool,
    ) -> TResponseInputItem:
        text = readable_text(message)
        if document is not None:
            request = SUMMARY_REQUEST if summary else ""
            if document.text.strip():
                cut = (
                    "\n[The document goes on; this is its beginning.]" if document.truncated else ""
                )
                body = f'<document name="{document.name}">\n{document.text}{cut}\n</document>'
            elif document.note:
                body = UNREADABLE_DOCUMENT_BECAUSE.format(note=document.note)
            else:
                body = UNREADABLE_DOCUMENT
            text = "\n\n".join(part for part in (text, request, body) if part)
        if not images:
            return _message("user", text)
        if not self._vision:
            return _message("user", f"{text}\n{UNSEEN_PHOTO}")
        content: list[dict[str, Any]] = [{"type": "input_text", "text": text}]
        for image in images:
            encoded = base64.b64encode(image.content).decode("ascii")
            content.append(
                {
                    "type": "input_image",
                    "image_url": f"data:{image.media_type};base64,{encoded}",
                    "detail": "auto",
                }
            )
        return cast("TResponseInputItem", {"role": "user", "content": content})


def _message(role: str, text: str) -> TResponseInputItem:
    return cast("TResponseInputItem", {"role": role, "content": text})
