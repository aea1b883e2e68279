"""Bad or hostile content ends as a recorded result, never as an exception or a runaway job."""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Callable
from types import SimpleNamespace

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignacio.adapters.extraction import DocumentTextExtractor, ExtractionLimits
from ignacio.adapters.extraction import limits as limits_module
from ignacio.adapters.extraction.limits import (
    MB,
    RATIO_FLOOR,
    LimitExceeded,
    bounded_reading,
)
from ignacio.adapters.extraction.sections import SectionSink
from ignacio.adapters.extraction.spreadsheet import read_xlsx
from ignacio.domain.knowledge import DOCX, PPTX, XLSX, ExtractionStatus
from tests.adapters.extraction import bombs, legacy_files, samples

DOC, PPT, XLS = "application/msword", "application/vnd.ms-powerpoint", "application/vnd.ms-excel"

SAMPLES: dict[str, bytes] = {
    "application/pdf": samples.pdf("Some text on a page.", "Another page."),
    DOCX: samples.docx_file(),
    PPTX: samples.pptx_file(),
    XLSX: samples.xlsx_file([["a", 1], ["b", 2]]),
    DOC: legacy_files.word_document("Hello there.\rSecond paragraph.\r"),
    XLS: legacy_files.excel_workbook({"Sheet1": [["a", 1.0]]}),
    PPT: legacy_files.powerpoint_presentation([("Title", "Body", "Box")]),
    "application/rtf": samples.RTF,
    "text/plain": b"Plain text.\n\nMore.",
    "text/csv": b"a,b\n1,2\n",
    "text/markdown": b"# Title\n\nText.",
}
SETTLED = {ExtractionStatus.EXTRACTED, ExtractionStatus.NO_TEXT, ExtractionStatus.FAILED}


def _with_member(package: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO(package)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("media_type", "bomb"),
    [(DOCX, bombs.docx_bomb), (XLSX, bombs.xlsx_bomb)],
    ids=["docx", "xlsx"],
)
async def test_a_zip_bomb_is_refused_as_it_inflates(
    media_type: str, bomb: Callable[[int], bytes]
) -> None:
    content = bomb(200 * bombs.MB)
    assert len(content) < 2 * bombs.MB
    extraction = await DocumentTextExtractor().extract(content, media_type)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note is not None
    assert extraction.note.startswith(("this Word document has a part", "this workbook has a part"))
    assert extraction.note.endswith(
        "expands more than 100 times over once uncompressed, as zip bombs do"
    )


async def test_a_document_inflating_past_the_byte_budget_is_refused() -> None:
    # Pictures barely compress: no ratio to catch, only the bytes it inflates to.
    picture = samples.noisy_png(700)
    assert len(picture) > 1 * bombs.MB
    document = docx.Document()
    document.add_paragraph("A photo of the site.")
    document.add_picture(io.BytesIO(picture))
    out = io.BytesIO()
    document.save(out)
    content = out.getvalue()
    extractor = DocumentTextExtractor(ExtractionLimits(max_bytes=1 * bombs.MB))
    extraction = await extractor.extract(content, DOCX)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note == "this Word document expands to more than 1 MB once uncompressed"


async def test_a_bomb_that_only_a_stream_reveals_is_stopped_early() -> None:
    """openpyxl streams a sheet: the bomb is stopped a step past the budget, not read whole."""
    content = bombs.xlsx_bomb(40 * bombs.MB)
    limits = ExtractionLimits(max_bytes=4 * bombs.MB, max_ratio=10_000)
    with bounded_reading(limits) as budget, pytest.raises(LimitExceeded):
        read_xlsx(content, SectionSink(limits.max_text_chars, budget))
    assert 4 * bombs.MB < budget.inflated <= 5 * bombs.MB


async def test_a_zip_of_too_many_parts_is_refused() -> None:
    extractor = DocumentTextExtractor(ExtractionLimits(max_parts=10))
    extraction = await extractor.extract(samples.pptx_file(), PPTX)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note is not None
    assert extraction.note.startswith("this presentation has more than 10 parts")


async def test_past_its_time_what_was_read_is_kept_and_the_rest_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The budget's clock moves 10 ms at every look, whatever the machine's speed or load: the
    # limit trips after a few pages, the same ones on every run.
    ticks = itertools.count()
    monkeypatch.setattr(limits_module, "time", SimpleNamespace(monotonic=lambda: next(ticks) / 100))
    content = samples.pdf(*[samples.PARAGRAPH * 3] * 60)
    extractor = DocumentTextExtractor(ExtractionLimits(max_seconds=0.05))
    extraction = await extractor.extract(content, "application/pdf")
    assert extraction.note == (
        "only part of the PDF could be read: it took longer than 0.05 s to read"
    )
    assert extraction.status is ExtractionStatus.EXTRACTED
    assert 0 < len(extraction.sections) < 60


@settings(max_examples=30, deadline=None)
@given(
    pattern=st.binary(min_size=1, max_size=64),
    repeats=st.integers(min_value=1, max_value=200_000),
    noise=st.binary(max_size=4096),
    max_bytes=st.integers(min_value=1, max_value=3 * bombs.MB),
    max_ratio=st.integers(min_value=2, max_value=2_000),
)
def test_no_part_inflates_past_its_bounds(
    pattern: bytes, repeats: int, noise: bytes, max_bytes: int, max_ratio: int
) -> None:
    """Whatever a part holds, reading it under a budget gives it whole within the bounds, or
    stops within a step of the first bound passed."""
    data = noise + pattern * repeats
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("part.xml", data)
    limits = ExtractionLimits(max_bytes=max_bytes, max_ratio=max_ratio)
    with zipfile.ZipFile(out) as archive, bounded_reading(limits) as budget:
        compressed = archive.getinfo("part.xml").compress_size
        try:
            read = archive.read("part.xml")
        except LimitExceeded:
            assert budget.inflated <= max(max_bytes, RATIO_FLOOR, max_ratio * compressed) + MB
            assert budget.inflated > max_bytes or budget.inflated > max_ratio * compressed
        else:
            assert read == data
            assert len(data) <= max_bytes


@pytest.mark.parametrize(
    ("media_type", "content"),
    [
        ("text/plain", ("A sentence of some words. " * 20 + "\n\n") * 200),
        ("text/csv", "name,amount\n" + "rent,1200\n" * 5_000),
        ("application/pdf", None),
    ],
)
async def test_text_beyond_the_budget_is_left_out_and_said(
    media_type: str, content: str | None
) -> None:
    data = content.encode() if content else samples.pdf(*[samples.PARAGRAPH * 4] * 12)
    extractor = DocumentTextExtractor(ExtractionLimits(max_text_chars=2_000))
    extraction = await extractor.extract(data, media_type)
    assert extraction.status is ExtractionStatus.EXTRACTED
    assert extraction.note == "text cut at 2,000 characters; the rest was left out"
    total = sum(len(section.text) for section in extraction.sections)
    assert 1_000 < total <= 2_000


async def test_a_big_sheet_is_cut_at_the_budget(big_xlsx: bytes) -> None:
    extraction = await DocumentTextExtractor(ExtractionLimits(max_text_chars=10_000)).extract(
        big_xlsx, XLSX
    )
    (sheet,) = extraction.sections
    assert len(sheet.text) <= 10_000
    assert sheet.text.startswith("Column 0 | Column 1")
    assert extraction.note == "text cut at 10,000 characters; the rest was left out"


async def test_what_was_read_before_damage_is_kept_with_a_note() -> None:
    workbook = samples.xlsx_file([["first sheet", 1]])
    with zipfile.ZipFile(io.BytesIO(workbook)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    # The second sheet starts well (openpyxl reads its dimension when opening the workbook)
    # and breaks in its rows, read only once the first sheet is done.
    parts["xl/worksheets/sheet2.xml"] = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:A2"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    extraction = await DocumentTextExtractor().extract(out.getvalue(), XLSX)
    assert extraction.status is ExtractionStatus.EXTRACTED
    assert [section.location for section in extraction.sections] == ["sheet Budget"]
    assert extraction.note is not None
    assert extraction.note.startswith("only part of the workbook could be read:")


@pytest.mark.parametrize("media_type", list(SAMPLES))
@pytest.mark.parametrize("damage", ["empty", "half", "garbage", "flipped"])
async def test_damaged_content_never_raises(
    extractor: DocumentTextExtractor, media_type: str, damage: str
) -> None:
    original = SAMPLES[media_type]
    content = {
        "empty": b"",
        "half": original[: len(original) // 2],
        "garbage": bytes(range(256)) * 16,
        "flipped": bytes(
            byte ^ 0x5A if index % 97 == 13 else byte for index, byte in enumerate(original)
        ),
    }[damage]
    extraction = await extractor.extract(content, media_type)
    assert extraction.status in SETTLED
    if extraction.status is not ExtractionStatus.EXTRACTED:
        assert extraction.note


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    media_type=st.sampled_from(list(SAMPLES)),
    cut=st.integers(min_value=0, max_value=40_000),
    noise=st.binary(max_size=64),
    at=st.integers(min_value=0, max_value=40_000),
)
def test_cut_and_patched_samples_never_raise(
    extractor: DocumentTextExtractor, media_type: str, cut: int, noise: bytes, at: int
) -> None:
    original = SAMPLES[media_type][:cut]
    content = original[:at] + noise + original[at + len(noise) :]
    extraction = extractor.extract_blocking(content, media_type)
    assert extraction.status in SETTLED
