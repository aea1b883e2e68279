"""The OpenAI vector-store index against a local fake of OpenAI's Files and Vector Stores API."""

from __future__ import annotations

import asyncio
import socket
from uuid import uuid4

import msgspec
import openai
import pytest
import structlog

from ignacio.adapters.openai_vector_store import METADATA_USER_KEY, OpenAIVectorStoreIndex
from ignacio.domain.errors import UpstreamUnavailable
from ignacio.domain.knowledge import Chunk
from tests.adapters.openai_vector_store.conftest import (
    WORKSPACE,
    ClientFactory,
    IndexFactory,
    a_file,
)
from tests.support.fake_openai_files import FAKE_API_KEY, FakeOpenAIFiles

STORE_FILES = r"/v1/vector_stores/[^/]+/files/[^/]+"


async def test_an_indexed_file_is_found_with_its_name(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    file = a_file(
        "The budget for the community garden is 4,000 euros.",
        "Volunteers meet on Saturdays.",
        file_name="garden plan.docx",
    )

    copy = await index.index(file)

    assert copy is not None
    [store] = fake.vector_stores.values()
    assert copy.store_id == store.id
    assert store.name == f"ignacio-user-{file.user_id}"
    assert store.metadata == {METADATA_USER_KEY: str(file.user_id)}
    uploaded = fake.files[copy.file_id]
    assert uploaded.purpose == "assistants"
    assert uploaded.filename == "garden plan.docx.md"
    assert "The budget for the community garden" in uploaded.text
    assert fake.store_files(store.id)[copy.file_id].attributes == {
        "ignacio_file_id": str(file.file_id),
        "file_name": "garden plan.docx",
        "user_id": str(file.user_id),
        "workspace_id": str(WORKSPACE),
    }
    assert copy.uploaded_at.timestamp() == uploaded.created_at

    [passage] = await index.search(WORKSPACE, file.user_id, "garden budget")

    assert passage.file_id == file.file_id
    assert passage.file_name == "garden plan.docx"
    assert "4,000 euros" in passage.text
    assert not passage.text.startswith("# ")
    assert 0 < passage.score <= 1


async def test_the_text_is_uploaded_as_markdown_with_locations_as_headings(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    file = a_file(file_name="budget.xlsx")
    file = type(file)(
        workspace_id=file.workspace_id,
        user_id=file.user_id,
        file_id=file.file_id,
        file_name=file.file_name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        chunks=[
            Chunk(ordinal=0, text="Rent | 1200", location="sheet Costs"),
            Chunk(ordinal=1, text="Power | 80", location="sheet Costs"),
            Chunk(ordinal=2, text="Grants | 5000", location="sheet Income"),
        ],
    )

    copy = await index.index(file)

    assert copy is not None
    assert fake.files[copy.file_id].text == (
        "# budget.xlsx\n\n## sheet Costs\n\nRent | 1200\n\nPower | 80\n\n"
        "## sheet Income\n\nGrants | 5000\n"
    )
    [passage] = await index.search(WORKSPACE, file.user_id, "rent")
    assert passage.location == "sheet Costs"
    assert passage.text.startswith("Rent | 1200")


async def test_members_are_isolated_in_stores_of_their_own(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    ana = a_file("Ana's secret recipe uses saffron.", file_name="ana.txt")
    ben = a_file("Ben's recipe uses saffron too.", file_name="ben.txt")

    await index.index(ana)
    await index.index(ben)

    assert len(fake.vector_stores) == 2
    assert [p.file_name for p in await index.search(WORKSPACE, ana.user_id, "saffron recipe")] == [
        "ana.txt"
    ]
    assert [p.file_name for p in await index.search(WORKSPACE, ben.user_id, "saffron recipe")] == [
        "ben.txt"
    ]


async def test_indexing_again_replaces_the_earlier_copy(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    first = a_file("The meeting is on Monday.")
    second = a_file("The meeting moved to Thursday.", user_id=first.user_id, file_id=first.file_id)

    old = await index.index(first)
    new = await index.index(second)

    assert old is not None and new is not None
    assert new.file_id != old.file_id
    assert new.store_id == old.store_id
    assert old.file_id in fake.deleted_file_ids
    assert list(fake.files) == [new.file_id]
    assert list(fake.store_files(new.store_id)) == [new.file_id]
    assert await index.search(WORKSPACE, first.user_id, "Monday") == []
    [passage] = await index.search(WORKSPACE, first.user_id, "Thursday")
    assert passage.file_id == first.file_id


async def test_a_copy_is_replaced_only_once_the_new_one_is_ready(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    fake.processing_polls = 3
    index = make_index()
    first = a_file("Version one.")
    old = await index.index(first)
    assert old is not None

    new = await index.index(a_file("Version two.", user_id=first.user_id, file_id=first.file_id))

    assert new is not None
    assert fake.count("GET", STORE_FILES) == 6
    requests = [(r.method, r.path) for r in fake.requests]
    last_poll = max(i for i, (m, p) in enumerate(requests) if m == "GET" and new.file_id in p)
    old_detached = requests.index(
        ("DELETE", f"/v1/vector_stores/{new.store_id}/files/{old.file_id}")
    )
    assert last_poll < old_detached


async def test_indexing_one_file_several_times_at_once_keeps_the_newest_copy(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    fake.processing_polls = 2
    fake.clock = lambda: 1_700_000_000.0  # one second for all: the ids alone order the copies
    index = make_index()
    owner, file_id = uuid4(), uuid4()
    await index.index(a_file("version zero", user_id=owner, file_id=file_id))

    copies = await asyncio.gather(
        *(index.index(a_file(f"version v{n}", user_id=owner, file_id=file_id)) for n in range(1, 6))
    )

    [store] = fake.vector_stores.values()
    [kept] = fake.store_files(store.id).values()
    assert list(fake.files) == [kept.id]
    assert kept.id == max([kept.id, *fake.deleted_file_ids])
    assert kept.id in {copy.file_id for copy in copies if copy}
    [passage] = await index.search(WORKSPACE, owner, "version")
    assert fake.files[kept.id].text.endswith(f"{passage.text}\n")


async def test_an_indexing_overtaken_by_a_newer_one_reports_the_newer_copy(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    index = make_index()
    owner, file_id = uuid4(), uuid4()
    await index.index(a_file("version zero", user_id=owner, file_id=file_id))
    fake.processing_polls = 1_000_000
    polls_before = fake.count("GET", STORE_FILES)
    slow = asyncio.create_task(index.index(a_file("slow", user_id=owner, file_id=file_id)))
    for _ in range(10_000):  # until the slow copy is attached and being waited for
        if fake.count("GET", STORE_FILES) > polls_before:
            break
        await asyncio.sleep(0)
    fake.processing_polls = 0

    fast = await index.index(a_file("fast", user_id=owner, file_id=file_id))
    overtaken = await slow

    assert overtaken == fast
    assert fast is not None
    assert list(fake.files) == [fast.file_id]
    assert [p.text for p in await index.search(WORKSPACE, owner, "slow fast zero")] == ["fast"]


async def test_removing_deletes_the_remote_file(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    file = a_file("Keys are under the mat.")
    kept = a_file("The shed is blue.", user_id=file.user_id)
    copy = await index.index(file)
    await index.index(kept)
    assert copy is not None

    await index.remove(file.workspace_id, file.user_id, file.file_id)

    assert copy.file_id in fake.deleted_file_ids
    assert copy.file_id not in fake.store_files(copy.store_id)
    assert len(fake.store_files(copy.store_id)) == 1
    assert await index.search(WORKSPACE, file.user_id, "keys mat") == []
    assert [p.file_id for p in await index.search(WORKSPACE, file.user_id, "shed")] == [
        kept.file_id
    ]


async def test_removing_what_is_not_there_is_fine_and_creates_nothing(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    file = a_file("Something.")
    await index.remove(file.workspace_id, file.user_id, file.file_id)
    await index.index(file)
    await index.remove(file.workspace_id, file.user_id, uuid4())
    await index.remove(file.workspace_id, file.user_id, file.file_id)
    await index.remove(file.workspace_id, file.user_id, file.file_id)

    assert len(fake.vector_stores) == 1
    assert fake.files == {}


async def test_forgetting_a_member_deletes_their_store_and_its_uploads(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    gone = a_file("Keys are under the mat.")
    stays = a_file("The shed is blue.")
    copy = await index.index(gone)
    await index.index(stays)
    assert copy is not None

    await index.forget_member(gone.user_id)

    assert copy.store_id not in fake.vector_stores
    assert copy.file_id in fake.deleted_file_ids
    assert [store.name for store in fake.vector_stores.values()] == [
        f"ignacio-user-{stays.user_id}"
    ]
    assert await index.search(WORKSPACE, gone.user_id, "keys mat") == []
    assert [p.file_id for p in await index.search(WORKSPACE, stays.user_id, "shed")] == [
        stays.file_id
    ]
    await index.forget_member(gone.user_id)  # nothing left: nothing to do


async def test_a_knowledge_document_lives_in_its_workspaces_own_store(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    """One store per workspace's knowledge base, beside each member's: every member's search
    reads it too, and forgetting a member leaves it."""
    ana = a_file("The shed is blue.")
    handbook = msgspec.structs.replace(
        a_file("The clinic opens on Saturdays.", file_name="handbook.pdf"), user_id=None
    )
    mine = await index.index(ana)
    shared = await index.index(handbook)
    assert mine is not None and shared is not None
    assert mine.store_id != shared.store_id
    store = fake.vector_stores[shared.store_id]
    assert store.name == f"ignacio-workspace-{WORKSPACE}"
    assert fake.stores_with_metadata("ignacio_workspace_id", str(WORKSPACE)) == [store]
    attributes = fake.store_files(shared.store_id)[shared.file_id].attributes
    assert "user_id" not in attributes
    assert attributes["workspace_id"] == str(WORKSPACE)

    found = await index.search(WORKSPACE, ana.user_id, "clinic Saturdays shed")
    assert {(p.file_id, p.knowledge) for p in found} == {
        (ana.file_id, False),
        (handbook.file_id, True),
    }
    assert [p.file_id for p in await index.search(WORKSPACE, uuid4(), "clinic")] == [
        handbook.file_id
    ]
    await index.forget_member(ana.user_id)
    assert shared.store_id in fake.vector_stores
    await index.remove(WORKSPACE, None, handbook.file_id)
    assert fake.store_files(shared.store_id) == {}


async def test_a_file_without_text_keeps_no_copy(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    file = a_file("Old text.")
    await index.index(file)

    copy = await index.index(a_file("  ", user_id=file.user_id, file_id=file.file_id))

    assert copy is None
    assert fake.files == {}
    assert await index.search(WORKSPACE, file.user_id, "old text") == []


async def test_searching_without_words_or_without_a_store_finds_nothing_and_asks_nothing(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    file = a_file("Anything at all.")
    await index.index(file)
    asked = len(fake.requests)

    assert await index.search(WORKSPACE, file.user_id, "") == []
    assert await index.search(WORKSPACE, file.user_id, "  ?! ") == []
    assert await index.search(WORKSPACE, file.user_id, "anything", limit=0) == []
    assert len(fake.requests) == asked

    assert await index.search(WORKSPACE, uuid4(), "anything") == []
    assert len(fake.vector_stores) == 1
    assert fake.searches == []


async def test_search_returns_the_best_passages_first_up_to_the_limit(
    index: OpenAIVectorStoreIndex,
) -> None:
    user_id = uuid4()
    best = a_file("Solar panels on the school roof.", user_id=user_id, file_name="best.txt")
    some = a_file("The school has a roof.", user_id=user_id, file_name="some.txt")
    least = a_file("The school opens at eight.", user_id=user_id, file_name="least.txt")
    for file in (least, some, best):
        await index.index(file)

    passages = await index.search(WORKSPACE, user_id, "solar roof school", limit=2)

    assert [p.file_name for p in passages] == ["best.txt", "some.txt"]
    assert passages[0].score > passages[1].score


async def test_a_minimum_score_is_passed_on(make_index: IndexFactory) -> None:
    index = make_index(min_score=0.5)
    user_id = uuid4()
    await index.index(a_file("apples and pears", user_id=user_id, file_name="both.txt"))
    await index.index(a_file("apples only", user_id=user_id, file_name="one.txt"))

    passages = await index.search(WORKSPACE, user_id, "apples pears")

    assert [p.file_name for p in passages] == ["both.txt"]


async def test_hits_without_our_attributes_are_ignored(
    index: OpenAIVectorStoreIndex, make_client: ClientFactory, fake: FakeOpenAIFiles
) -> None:
    file = a_file("Pumpkins grow in autumn.")
    copy = await index.index(file)
    assert copy is not None
    client = make_client()
    stray = await client.files.create(
        file=("stray.md", b"Pumpkins are orange."), purpose="assistants"
    )
    await client.vector_stores.files.create_and_poll(stray.id, vector_store_id=copy.store_id)

    passages = await index.search(WORKSPACE, file.user_id, "pumpkins")

    assert [p.file_id for p in passages] == [file.file_id]


async def test_a_new_instance_finds_the_members_existing_store(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    before = make_index()
    file = a_file("The bakery opens at six.")
    await before.index(file)

    after = make_index()

    [passage] = await after.search(WORKSPACE, file.user_id, "bakery")
    assert passage.file_id == file.file_id
    await after.index(a_file("The bakery closes at two.", user_id=file.user_id))
    assert len(fake.vector_stores) == 1
    await after.remove(file.workspace_id, file.user_id, file.file_id)
    assert await after.search(WORKSPACE, file.user_id, "six") == []


async def test_a_store_created_by_another_instance_is_found_after_a_first_look(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    web, worker = make_index(), make_index()
    for _ in range(3):
        await worker.index(a_file("Someone else's file."))
    member = uuid4()
    assert await web.search(WORKSPACE, member, "tomatoes") == []

    await worker.index(a_file("Tomatoes need sun.", user_id=member))

    [passage] = await web.search(WORKSPACE, member, "tomatoes")
    assert "sun" in passage.text


async def test_stores_are_matched_by_name_and_metadata(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    member = uuid4()
    existing = fake.add_vector_store(f"ignacio-user-{member}", {METADATA_USER_KEY: str(member)})
    fake.add_vector_store(f"staging-user-{member}", {METADATA_USER_KEY: str(member)})
    fake.add_vector_store(f"ignacio-user-{member}", {})
    fake.add_vector_store("unrelated", {METADATA_USER_KEY: "not-a-uuid"})

    copy = await make_index().index(a_file("Hello.", user_id=member))
    staging = await make_index(store_prefix="staging").search(WORKSPACE, member, "hello")

    assert copy is not None and copy.store_id == existing
    assert staging == []


async def test_instances_racing_to_create_a_store_settle_on_one(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    member = uuid4()
    one, two = make_index(), make_index()
    fake.hold_together(2, endpoint="vector_stores", method="GET")

    copies = await asyncio.gather(
        one.index(a_file("First file about goats.", user_id=member)),
        two.index(a_file("Second file about goats.", user_id=member)),
    )

    assert fake.count("POST", "/v1/vector_stores") == 2
    assert fake.count("DELETE", "/v1/vector_stores/[^/]+") == 1
    [store] = fake.vector_stores.values()
    assert {c.store_id for c in copies if c} == {store.id}
    assert len(fake.store_files(store.id)) == 2
    assert len(await make_index().search(WORKSPACE, member, "goats")) == 2


async def test_rate_limits_are_retried_by_the_sdk(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    index = make_index(max_retries=2)
    fake.fail_next(2, status=429, retry_after=0.01, endpoint="files")

    copy = await index.index(a_file("Retried upload."))

    assert copy is not None
    assert [r.status for r in fake.requests if r.path == "/v1/files"] == [429, 429, 200]


async def test_the_index_can_have_a_retry_budget_of_its_own(
    make_client: ClientFactory, fake: FakeOpenAIFiles
) -> None:
    index = OpenAIVectorStoreIndex(make_client(max_retries=0), max_retries=1, poll_interval=0.01)
    fake.fail_next(1, status=503, retry_after=0.01)

    copy = await index.index(a_file("Retried once."))

    assert copy is not None
    assert [r.status for r in fake.requests][:2] == [503, 200]


async def test_persistent_server_errors_make_it_unavailable(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    index = make_index(max_retries=2)
    fake.fail_next(50, status=500, retry_after=0.01)

    with pytest.raises(UpstreamUnavailable, match="HTTP 500"):
        await index.index(a_file("Never uploaded."))

    assert len(fake.requests) == 3
    assert fake.vector_stores == {}


async def test_rate_limits_that_outlast_the_retries_say_when_to_come_back(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    index = make_index(max_retries=0)
    file = a_file("Something to find.")
    await index.index(file)
    fake.fail_next(1, status=429, retry_after=20, endpoint="search")

    with pytest.raises(UpstreamUnavailable, match=r"limiting requests .*Retry after 20 s"):
        await index.search(WORKSPACE, file.user_id, "something")


async def test_a_bad_key_is_reported_for_the_operator_without_the_key(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    bad_key = "sk-wrong-key-1234567890"
    index = make_index(api_key=bad_key)

    with structlog.testing.capture_logs() as logs, pytest.raises(UpstreamUnavailable) as caught:
        await index.index(a_file("Anything."))

    assert "OPENAI_API_KEY" in caught.value.message
    assert "401" in caught.value.message
    assert bad_key not in caught.value.message and "7890" not in caught.value.message
    assert bad_key not in repr(index)
    assert all(bad_key not in str(entry) for entry in logs)
    assert [r.status for r in fake.requests] == [401]


async def test_an_unreachable_server_makes_it_unavailable() -> None:
    with socket.socket() as bound_not_listening:  # connections to it are refused
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        client = openai.AsyncOpenAI(
            api_key=FAKE_API_KEY, base_url=f"http://127.0.0.1:{port}/v1", max_retries=0
        )
        index = OpenAIVectorStoreIndex(client)
        try:
            with pytest.raises(UpstreamUnavailable, match="Could not reach OpenAI"):
                await index.search(WORKSPACE, uuid4(), "anything")
        finally:
            await client.close()


async def test_a_file_openai_fails_to_process_is_not_kept(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    first = a_file("Version one stays.")
    kept = await index.index(first)
    assert kept is not None
    fake.fail_processing(1, message="The file could not be parsed.")

    with pytest.raises(UpstreamUnavailable, match="could not be parsed"):
        await index.index(a_file("Version two.", user_id=first.user_id, file_id=first.file_id))

    assert list(fake.files) == [kept.file_id]
    assert list(fake.store_files(kept.store_id)) == [kept.file_id]


async def test_a_file_still_processing_after_the_wait_is_reported(
    make_index: IndexFactory, fake: FakeOpenAIFiles
) -> None:
    fake.processing_polls = 1_000_000
    index = make_index(poll_interval=0.01, max_processing_wait=0.05)

    with pytest.raises(UpstreamUnavailable, match="still processing"):
        await index.index(a_file("Slow file."))


async def test_it_works_over_a_real_socket(fake: FakeOpenAIFiles) -> None:
    with fake.serve() as base_url:
        client = openai.AsyncOpenAI(api_key=FAKE_API_KEY, base_url=base_url, max_retries=0)
        try:
            index = OpenAIVectorStoreIndex(client, poll_interval=0.01)
            file = a_file("Bees like lavender.", file_name="bees.txt")
            await index.index(file)
            [passage] = await index.search(WORKSPACE, file.user_id, "lavender")
            await index.remove(file.workspace_id, file.user_id, file.file_id)
        finally:
            await client.close()

    assert passage.file_name == "bees.txt"
    assert fake.files == {}


async def test_a_store_deleted_at_openai_is_forgotten_and_made_again(
    index: OpenAIVectorStoreIndex, make_client: ClientFactory, fake: FakeOpenAIFiles
) -> None:
    file = a_file("Lost and found.")
    first = await index.index(file)
    assert first is not None
    await make_client().vector_stores.delete(first.store_id)

    assert await index.search(WORKSPACE, file.user_id, "lost") == []
    await index.remove(file.workspace_id, file.user_id, file.file_id)
    again = await index.index(file)

    assert again is not None and again.store_id != first.store_id
    assert [p.file_id for p in await index.search(WORKSPACE, file.user_id, "lost")] == [
        file.file_id
    ]


async def test_very_long_queries_are_cut_at_a_word(
    index: OpenAIVectorStoreIndex, fake: FakeOpenAIFiles
) -> None:
    file = a_file("presupuesto anual")
    await index.index(file)

    found = await index.search(WORKSPACE, file.user_id, "presupuesto " * 3000)

    [(_, [sent])] = fake.searches
    assert len(sent) <= 4000
    assert set(sent.split(" ")) == {"presupuesto"}
    assert [p.file_id for p in found] == [file.file_id]
