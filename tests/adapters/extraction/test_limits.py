"""Bad or hostile content ends as a recorded result, never as an exception or a runaway job."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignacio.adapters.extraction import DocumentTextExtractor
from ignacio.domain.knowledge import DOCX, PPTX, XLSX, ExtractionStatus
from tests.adapters.extraction import legacy_files, samples

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


async def test_a_zip_bomb_is_refused_before_it_is_opened() -> None:
    extractor = DocumentTextExtractor(max_archive_bytes=1_000_000)
    bomb = _with_member(samples.docx_file(), "word/media/filler.bin", b"\x00" * 5_000_000)
    assert len(bomb) < 200_000
    extraction = await extractor.extract(bomb, DOCX)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note is not None
    assert extraction.note.startswith("Word document too large to open safely:")


async def test_a_zip_of_too_many_parts_is_refused() -> None:
    extractor = DocumentTextExtractor(max_archive_members=10)
    extraction = await extractor.extract(samples.pptx_file(), PPTX)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note is not None
    assert "parts (the limit is 10)" in extraction.note


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
    extractor = DocumentTextExtractor(max_text_chars=2_000)
    extraction = await extractor.extract(data, media_type)
    assert extraction.status is ExtractionStatus.EXTRACTED
    assert extraction.note == "text cut at 2,000 characters; the rest was left out"
    total = sum(len(section.text) for section in extraction.sections)
    assert 1_000 < total <= 2_000


async def test_a_big_sheet_is_cut_at_the_budget(big_xlsx: bytes) -> None:
    extraction = await DocumentTextExtractor(max_text_chars=10_000).extract(big_xlsx, XLSX)
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
