"""The fake OpenAI server holds requests to what a strict server accepts, so that adapter tests
passing against it mean something."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.support.fake_openai import FakeOpenAI

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"advice": {"type": "string"}},
    "required": ["advice"],
    "additionalProperties": False,
}


async def test_structured_output_answers_must_be_json(
    served: tuple[FakeOpenAI, str], client: openai.AsyncOpenAI
) -> None:
    fake, _ = served
    fake.reset()
    fake.reply('{"advice": "Start local."}')
    fake.reply("Start local.")
    response_format: Any = {
        "type": "json_schema",
        "json_schema": {"name": "marketing", "schema": SCHEMA, "strict": True},
    }

    answer = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], response_format=response_format
    )
    with pytest.raises(openai.BadRequestError):
        await client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            response_format=response_format,
        )

    assert answer.choices[0].message.content == '{"advice": "Start local."}'
    assert fake.requests[0].output_schema == SCHEMA
    assert len(fake.problems) == 1
    fake.reset()


async def test_a_tool_result_must_answer_a_call_and_a_call_must_be_to_an_offered_tool(
    served: tuple[FakeOpenAI, str], client: openai.AsyncOpenAI
) -> None:
    fake, _ = served
    fake.reset()
    fake.call_tool("search_my_files", {"query": "x"})

    with pytest.raises(openai.BadRequestError):
        await client.responses.create(
            model="m",
            input=[{"type": "function_call_output", "call_id": "call_9", "output": "x"}],
        )
    with pytest.raises(openai.BadRequestError):
        await client.responses.create(model="m", input="hi")

    assert [problem.split(":")[0] for problem in fake.problems] == ["responses", "responses"]
    assert "does not offer" in fake.problems[1]
    fake.reset()


async def test_a_wrong_key_is_refused(served: tuple[FakeOpenAI, str]) -> None:
    fake, base_url = served
    fake.reset()
    client = openai.AsyncOpenAI(api_key="sk-wrong", base_url=base_url, max_retries=0)

    with pytest.raises(openai.AuthenticationError):
        await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )

    assert fake.refusals == [401]
    await client.close()
