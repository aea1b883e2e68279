"""ModelProbe against the fake OpenAI server: the key and the model checked with one request
that costs no tokens, a server that only lists its models, and every failure a reason that names
the setting to check and never the key."""

from __future__ import annotations

import openai

from ignacio.adapters.openai_agents import ModelProbe, openai_client
from ignacio.domain import CheckName, HealthCheck
from tests.support.fake_openai import FakeOpenAI


async def test_a_known_model_with_a_good_key_is_ok(
    fake: FakeOpenAI, client: openai.AsyncOpenAI
) -> None:
    check = await ModelProbe(client, "gpt-4o-mini").check()
    assert check == HealthCheck(name=CheckName.MODEL, ok=True, detail="ok (gpt-4o-mini)")
    assert fake.model_lookups == ["models/gpt-4o-mini"]
    assert fake.requests == []  # no tokens spent


async def test_a_model_name_with_a_slash_is_looked_up_whole(
    fake: FakeOpenAI, client: openai.AsyncOpenAI
) -> None:
    fake.models.add("meta-llama/Llama-3.1-8B-Instruct")
    check = await ModelProbe(client, "meta-llama/Llama-3.1-8B-Instruct").check()
    assert check.ok, check.detail


async def test_a_refused_key_is_a_problem_that_does_not_repeat_it(
    fake: FakeOpenAI, base_url: str
) -> None:
    client = openai_client(api_key="sk-wrong-key-0123456789", base_url=base_url, max_retries=2)
    try:
        check = await ModelProbe(client, "gpt-4o-mini").check()
    finally:
        await client.close()
    assert not check.ok
    assert "OPENAI_API_KEY" in check.detail
    assert "sk-" not in check.detail
    assert fake.refusals == [401]  # once: a health check does not retry


async def test_an_unknown_model_is_a_problem_naming_the_setting(
    fake: FakeOpenAI, client: openai.AsyncOpenAI
) -> None:
    check = await ModelProbe(client, "gpt-9-imaginary").check()
    assert not check.ok
    assert check.detail == (
        "the model server has no model 'gpt-9-imaginary': check IGNACIO_AI_MODEL"
    )


async def test_a_server_that_only_lists_its_models_is_asked_for_the_list(
    fake: FakeOpenAI, client: openai.AsyncOpenAI
) -> None:
    fake.serves_model_lookup = False
    assert (await ModelProbe(client, "gpt-4o").check()).ok
    assert not (await ModelProbe(client, "gpt-9-imaginary").check()).ok
    assert fake.model_lookups == ["models", "models"]


async def test_a_failing_server_is_a_problem_asked_once(
    fake: FakeOpenAI, client: openai.AsyncOpenAI
) -> None:
    fake.fail_model_lookup(503, times=3)
    check = await ModelProbe(client, "gpt-4o-mini").check()
    assert check == HealthCheck(
        name=CheckName.MODEL, ok=False, detail="the model server answered HTTP 503; try again later"
    )
    assert fake.refusals == [503]


async def test_an_out_of_credit_account_is_a_problem(
    fake: FakeOpenAI, client: openai.AsyncOpenAI
) -> None:
    fake.fail_model_lookup(429)
    check = await ModelProbe(client, "gpt-4o-mini").check()
    assert not check.ok
    assert "billing" in check.detail


async def test_an_unreachable_server_is_a_problem_without_its_address() -> None:
    client = openai_client(api_key="sk-some-key", base_url="http://127.0.0.1:1/v1")
    try:
        check = await ModelProbe(client, "gpt-4o-mini").check()
    finally:
        await client.close()
    assert not check.ok
    assert check.detail.startswith("could not reach the model server (")
    assert "IGNACIO_AI_BASE_URL" in check.detail
    assert "127.0.0.1" not in check.detail
    assert "sk-some-key" not in check.detail
