"""Office 97-2003 files: text drawn as far as their layout allows, the reason kept when not."""

from __future__ import annotations

import pytest

from ignacio.adapters.extraction import DocumentTextExtractor
from ignacio.domain.knowledge import ExtractionStatus, SectionKind
from tests.adapters.extraction import legacy_files

DOC, PPT, XLS = "application/msword", "application/vnd.ms-powerpoint", "application/vnd.ms-excel"

WORD_TEXT = (
    "Quarterly report\r"
    "Revenue grew \x13 PAGE \\* MERGEFORMAT \x143\x15 percent in the café €.\r"
    "Name\x07Amount\x07\x07Rent\x071200\x07\x07"
    "After the table.\x0bA line break inside.\r"
)


async def test_a_word_97_document_gives_its_paragraphs_and_tables(
    extractor: DocumentTextExtractor,
) -> None:
    extraction = await extractor.extract(legacy_files.word_document(WORD_TEXT), DOC)
    assert extraction.status is ExtractionStatus.EXTRACTED
    assert [(section.kind, section.text) for section in extraction.sections] == [
        (SectionKind.PARAGRAPH, "Quarterly report"),
        # The field's instruction is dropped, the result it shows is kept.
        (SectionKind.PARAGRAPH, "Revenue grew 3 percent in the café €."),
        (SectionKind.TABLE, "Name | Amount\nRent | 1200"),
        (SectionKind.PARAGRAPH, "After the table.\nA line break inside."),
    ]


async def test_an_encrypted_word_document_fails_with_the_reason(
    extractor: DocumentTextExtractor,
) -> None:
    content = legacy_files.word_document(WORD_TEXT, encrypted=True)
    extraction = await extractor.extract(content, DOC)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note == "encrypted Word document: a password is needed to read it"


async def test_a_word_document_without_text_is_kept_as_such(
    extractor: DocumentTextExtractor,
) -> None:
    extraction = await extractor.extract(legacy_files.word_document("\r\r"), DOC)
    assert extraction.status is ExtractionStatus.NO_TEXT
    assert extraction.note == "legacy Word document: no text could be drawn from it"


async def test_a_word_stream_of_unknown_layout_fails_with_the_reason(
    extractor: DocumentTextExtractor,
) -> None:
    content = legacy_files.compound_file({"WordDocument": b"\x00" * 64})
    extraction = await extractor.extract(content, DOC)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note == "legacy Word document with an unknown header"


async def test_a_word_95_document_gives_its_text(extractor: DocumentTextExtractor) -> None:
    content = legacy_files.word95_document("Old report\rWritten in 1996, caf\xe9 included.\r")
    extraction = await extractor.extract(content, DOC)
    assert [section.text for section in extraction.sections] == [
        "Old report",
        "Written in 1996, café included.",
    ]


async def test_without_its_piece_table_a_word_document_gives_its_readable_runs(
    extractor: DocumentTextExtractor,
) -> None:
    streams = legacy_files.word_streams("First half in bytes.\rSecond half in UTF-16 text.\r")
    del streams["1Table"]
    extraction = await extractor.extract(legacy_files.compound_file(streams), DOC)
    assert extraction.status is ExtractionStatus.EXTRACTED
    text = " ".join(section.text for section in extraction.sections)
    assert "First half in bytes." in text
    assert "in UTF-16 text." in text


async def test_an_excel_97_workbook_gives_one_table_per_sheet(
    extractor: DocumentTextExtractor,
) -> None:
    content = legacy_files.excel_workbook(
        {
            "Budget": [["Item", "Cost"], ["Rent", 1200.0], ["Food", 310.5]],
            "Notes": [["Pay before the 5th"]],
            "Empty": [],
        }
    )
    extraction = await extractor.extract(content, XLS)
    assert extraction.status is ExtractionStatus.EXTRACTED
    assert [(s.kind, s.location, s.text) for s in extraction.sections] == [
        (SectionKind.SHEET, "sheet Budget", "Item | Cost\nRent | 1200\nFood | 310.5"),
        (SectionKind.SHEET, "sheet Notes", "Pay before the 5th"),
    ]


async def test_a_powerpoint_97_presentation_gives_one_section_per_slide(
    extractor: DocumentTextExtractor,
) -> None:
    content = legacy_files.powerpoint_presentation(
        [
            ("Quarterly review", "Revenue grew\rCosts fell", "Text in a box"),
            ("Next steps", "Hire two people", None),
        ]
    )
    extraction = await extractor.extract(content, PPT)
    assert extraction.status is ExtractionStatus.EXTRACTED
    assert [(s.kind, s.location, s.text) for s in extraction.sections] == [
        (
            SectionKind.SLIDE,
            "slide 1",
            "Quarterly review\n\nRevenue grew\nCosts fell\n\nText in a box",
        ),
        (SectionKind.SLIDE, "slide 2", "Next steps\n\nHire two people"),
    ]


async def test_slides_without_a_slide_list_still_give_their_text(
    extractor: DocumentTextExtractor,
) -> None:
    content = legacy_files.powerpoint_slides_only(["First box", "Second box"])
    extraction = await extractor.extract(content, PPT)
    assert [(s.kind, s.text) for s in extraction.sections] == [
        (SectionKind.PARAGRAPH, "First box"),
        (SectionKind.PARAGRAPH, "Second box"),
    ]


async def test_a_presentation_without_text_is_kept_as_such(
    extractor: DocumentTextExtractor,
) -> None:
    content = legacy_files.powerpoint_presentation([])
    extraction = await extractor.extract(content, PPT)
    assert extraction.status is ExtractionStatus.NO_TEXT
    assert extraction.note == "legacy PowerPoint presentation: no text could be drawn from it"


@pytest.mark.parametrize("media_type", [DOC, PPT, XLS])
async def test_a_damaged_compound_file_fails_with_a_note(
    extractor: DocumentTextExtractor, media_type: str
) -> None:
    # Only the signature and a few header bytes: the "unsupported, recorded" path.
    content = legacy_files.OLE_SIGNATURE + b"\x00" * 600
    extraction = await extractor.extract(content, media_type)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note


@pytest.mark.parametrize("media_type", [DOC, PPT, XLS])
async def test_a_compound_file_of_another_kind_fails_with_a_note(
    extractor: DocumentTextExtractor, media_type: str
) -> None:
    content = legacy_files.compound_file({"Contents": b"not an office stream"})
    extraction = await extractor.extract(content, media_type)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note
