"""Each format's text comes out in reading order, in the sections that keep its structure."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest

from ignacio.adapters.extraction import DocumentTextExtractor
from ignacio.domain.knowledge import (
    DOCX,
    PPTX,
    XLSX,
    Extraction,
    ExtractionStatus,
    Section,
    SectionKind,
)
from tests.adapters.extraction import samples

Kind = SectionKind


def _shape(extraction: Extraction) -> list[tuple[SectionKind, str | None, int | None]]:
    return [(section.kind, section.location, section.level) for section in extraction.sections]


# PDF


async def test_a_pdf_gives_one_section_per_page(extractor: DocumentTextExtractor) -> None:
    content = samples.pdf("First page text.", samples.PARAGRAPH, "Third and last page.")
    extraction = await extractor.extract(content, "application/pdf")
    assert extraction.status is ExtractionStatus.EXTRACTED
    assert extraction.note is None
    assert _shape(extraction) == [
        (Kind.PAGE, "page 1", None),
        (Kind.PAGE, "page 2", None),
        (Kind.PAGE, "page 3", None),
    ]
    assert extraction.sections[0].text == "First page text."
    assert "savings from the new supplier" in " ".join(extraction.sections[1].text.split())


async def test_a_pdf_without_a_text_layer_has_no_text(extractor: DocumentTextExtractor) -> None:
    extraction = await extractor.extract(samples.image_only_pdf(), "application/pdf")
    assert extraction == Extraction(
        status=ExtractionStatus.NO_TEXT, note="scanned or image-only PDF: no text layer"
    )


async def test_a_password_protected_pdf_fails_with_the_reason(
    extractor: DocumentTextExtractor,
) -> None:
    extraction = await extractor.extract(samples.encrypted_pdf("s3cret"), "application/pdf")
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note == "encrypted PDF: a password is needed to read it"


async def test_a_pdf_encrypted_without_a_password_is_read(
    extractor: DocumentTextExtractor,
) -> None:
    extraction = await extractor.extract(samples.encrypted_pdf(""), "application/pdf")
    assert [section.text for section in extraction.sections] == ["A secret page."]


async def test_a_damaged_pdf_fails_with_a_note(extractor: DocumentTextExtractor) -> None:
    content = samples.pdf("Some text.")
    extraction = await extractor.extract(content[: len(content) // 3], "application/pdf")
    assert extraction.status in {ExtractionStatus.FAILED, ExtractionStatus.NO_TEXT}
    assert extraction.note


# Word


async def test_a_word_document_keeps_headings_paragraphs_and_tables_in_order(
    extractor: DocumentTextExtractor,
) -> None:
    extraction = await extractor.extract(samples.docx_file(), DOCX)
    assert extraction.status is ExtractionStatus.EXTRACTED
    assert [(s.kind, s.level, s.text[:30]) for s in extraction.sections] == [
        (Kind.HEADING, 0, "Annual report"),
        (Kind.HEADING, 1, "Budget"),
        (Kind.PARAGRAPH, None, samples.PARAGRAPH[:30]),
        (Kind.PARAGRAPH, None, samples.PARAGRAPH[:30]),
        (Kind.TABLE, None, "Item | Cost | Owner\nRent | 120"),
        (Kind.HEADING, 2, "Next steps"),
        (Kind.PARAGRAPH, None, "Hire two people before June."),
    ]
    table = extraction.sections[4].text.splitlines()
    assert table == ["Item | Cost | Owner", "Rent | 1200 | Ana", "Food | 310 |"]


async def test_an_empty_word_document_has_no_text(extractor: DocumentTextExtractor) -> None:
    out = io.BytesIO()
    docx.Document().save(out)
    extraction = await extractor.extract(out.getvalue(), DOCX)
    assert extraction.status is ExtractionStatus.NO_TEXT


# PowerPoint


async def test_a_presentation_gives_one_section_per_slide_title_first_notes_included(
    extractor: DocumentTextExtractor,
) -> None:
    extraction = await extractor.extract(samples.pptx_file(), PPTX)
    assert extraction.status is ExtractionStatus.EXTRACTED
    # The third slide is blank: no section.
    assert _shape(extraction) == [(Kind.SLIDE, "slide 1", None), (Kind.SLIDE, "slide 2", None)]
    first, second = (section.text for section in extraction.sections)
    assert (
        first == "Quarterly review\n\nRevenue grew\nCosts fell\n\nNotes: Mention the new supplier."
    )
    assert second.startswith("Numbers\n\n")
    assert "Region | Sales\nNorth | 120\nSouth | 95" in second
    assert "Grouped remark" in second


# Spreadsheets


async def test_a_workbook_gives_one_table_per_sheet(extractor: DocumentTextExtractor) -> None:
    rows: list[list[object]] = [
        ["Item", "Cost", "Paid", "When", None],
        ["Rent", 1200, True, dt.datetime(2024, 3, 1), None],
        [None, None, None, None, None],
        ["Food | drinks", 310.5, False, dt.datetime(2024, 3, 2, 18, 30), None],
        ["Phone", None, None, None, None],
    ]
    extraction = await extractor.extract(samples.xlsx_file(rows), XLSX)
    assert extraction.status is ExtractionStatus.EXTRACTED
    # The empty second sheet gives no section; the empty row and column are dropped.
    assert extraction.sections == [
        Section(
            kind=Kind.SHEET,
            location="sheet Budget",
            text=(
                "Item | Cost | Paid | When\n"
                "Rent | 1200 | TRUE | 2024-03-01\n"
                "Food \\| drinks | 310.5 | FALSE | 2024-03-02 18:30:00\n"
                "Phone | | |"
            ),
        )
    ]


async def test_a_workbook_of_empty_sheets_has_no_text(extractor: DocumentTextExtractor) -> None:
    extraction = await extractor.extract(samples.xlsx_file([]), XLSX)
    assert extraction.status is ExtractionStatus.NO_TEXT


async def test_a_ten_thousand_row_sheet_keeps_every_row(
    extractor: DocumentTextExtractor, big_xlsx: bytes
) -> None:
    extraction = await extractor.extract(big_xlsx, XLSX)
    assert extraction.status is ExtractionStatus.EXTRACTED
    (sheet,) = extraction.sections
    lines = sheet.text.splitlines()
    assert len(lines) == 10_001
    assert lines[0].startswith("Column 0 | Column 1")
    assert lines[-1] == " | ".join(
        f"row 9999 item {column}" if column % 2 else str(9999 * 8 + column) for column in range(8)
    )


# Text formats


async def test_plain_text_gives_its_paragraphs(extractor: DocumentTextExtractor) -> None:
    content = b"First paragraph\nstill first.\n\n\n  Second paragraph.  \n"
    extraction = await extractor.extract(content, "text/plain")
    assert [section.text for section in extraction.sections] == [
        "First paragraph\nstill first.",
        "Second paragraph.",
    ]


@pytest.mark.parametrize(
    "content",
    ["café crème".encode(), "café crème".encode("cp1252"), "café crème".encode("utf-16")],
    ids=["utf-8", "windows-1252", "utf-16"],
)
async def test_text_is_decoded_from_common_encodings(
    extractor: DocumentTextExtractor, content: bytes
) -> None:
    extraction = await extractor.extract(content, "text/plain")
    assert [section.text for section in extraction.sections] == ["café crème"]


async def test_markdown_headings_become_headings(extractor: DocumentTextExtractor) -> None:
    content = (
        b"# Guide\n\nIntro text.\n\n## Install ##\n\nRun it.\n\n"
        b"```\n# a comment, not a heading\n```\n\nUsage\n-----\n\nCall it.\n"
    )
    extraction = await extractor.extract(content, "text/markdown")
    assert [(s.kind, s.level, s.text) for s in extraction.sections] == [
        (Kind.HEADING, 1, "Guide"),
        (Kind.PARAGRAPH, None, "Intro text."),
        (Kind.HEADING, 2, "Install"),
        (Kind.PARAGRAPH, None, "Run it."),
        (Kind.PARAGRAPH, None, "```\n# a comment, not a heading\n```"),
        (Kind.HEADING, 2, "Usage"),
        (Kind.PARAGRAPH, None, "Call it."),
    ]


async def test_csv_becomes_a_table_whatever_its_delimiter(
    extractor: DocumentTextExtractor,
) -> None:
    for content in (b'name,amount\nrent,1200\n"food, drinks",30\n', b"name;amount\nrent;1200\n"):
        extraction = await extractor.extract(content, "text/csv")
        (table,) = extraction.sections
        assert table.kind is Kind.TABLE
        assert table.text.splitlines()[:2] == ["name | amount", "rent | 1200"]


async def test_rtf_gives_its_paragraphs(extractor: DocumentTextExtractor) -> None:
    extraction = await extractor.extract(samples.RTF, "application/rtf")
    assert [section.text for section in extraction.sections] == [
        "Minutes of the meeting",
        "The café costs € 12 a month.",
        "Second paragraph.",
    ]


async def test_an_empty_text_file_has_no_text(extractor: DocumentTextExtractor) -> None:
    extraction = await extractor.extract(b"\n\n   \n", "text/plain")
    assert extraction.status is ExtractionStatus.NO_TEXT


# Media and unknown types


@pytest.mark.parametrize("media_type", ["image/png", "audio/ogg", "video/mp4"])
async def test_media_have_nothing_to_extract(
    extractor: DocumentTextExtractor, media_type: str
) -> None:
    extraction = await extractor.extract(samples.image("PNG"), media_type)
    assert extraction == Extraction(status=ExtractionStatus.NOT_APPLICABLE)


async def test_a_type_without_a_reader_fails(extractor: DocumentTextExtractor) -> None:
    extraction = await extractor.extract(b"x", "application/x-unknown")
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note == "no text reader for application/x-unknown"
