"""CloudApiWebhookParser.count, what runs before the 200: it agrees with the full parse on what
a delivery carries, and refuses exactly the bodies the full parse refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ignacio.adapters.whatsapp_cloud import CloudApiWebhookParser
from ignacio.domain import InvalidInput

CONFORMANCE = (
    Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "whatsapp-cloud"
)
CASES = [
    pytest.param(json.dumps(body).encode(), id=f"{file.stem}-{name}")
    for file in sorted(CONFORMANCE.glob("*.json"))
    for name, body in json.loads(file.read_text()).items()
]
AT = datetime(2026, 11, 22, tzinfo=UTC)
parser = CloudApiWebhookParser()


@pytest.mark.parametrize("body", CASES)
def test_every_conformance_case_is_counted_as_the_parse_reads_it(body: bytes) -> None:
    counted = parser.count(body)
    batch = parser.parse(body, AT)
    # Counted as sent; the parse may still skip an item it cannot read (with a reason). Edits
    # and deletions of earlier messages, and notices that someone's number changed, come in
    # Meta's `messages` too.
    read = len(batch.messages) + len(batch.revisions) + len(batch.identity_changes)
    assert counted.messages >= read
    assert counted.updates >= len(batch.updates)
    skipped = counted.messages + counted.updates - read - len(batch.updates)
    assert skipped <= len(batch.ignored)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["object", "entry", "changes", "field", "value", "messages", "x"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=25,
)


def _outcome(call: Any) -> str:
    try:
        call()
    except InvalidInput:
        return "refused"
    return "accepted"


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_count_refuses_exactly_what_the_parse_refuses(value: Any) -> None:
    body = json.dumps(value).encode()
    assert _outcome(lambda: parser.count(body)) == _outcome(lambda: parser.parse(body, AT))


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=200))
def test_count_never_fails_otherwise_on_any_bytes(body: bytes) -> None:
    assert _outcome(lambda: parser.count(body)) == _outcome(lambda: parser.parse(body, AT))
