"""The content decides a file's type; the name only tells plain text, CSV and Markdown apart."""

from __future__ import annotations

import io
import os
import sys
import zipfile
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ignacio.adapters.extraction import ContentTypeDetector
from ignacio.domain.knowledge import ALLOWED_MEDIA_TYPES, DOCX, PPTX, XLSX
from tests.adapters.extraction import legacy_files, samples
from tests.adapters.extraction.conftest import HEAD_BYTES

DOC, PPT, XLS = "application/msword", "application/vnd.ms-powerpoint", "application/vnd.ms-excel"

SAMPLES: dict[str, tuple[Callable[[], bytes], str]] = {
    "png": (lambda: samples.image("PNG"), "image/png"),
    "jpeg": (lambda: samples.image("JPEG"), "image/jpeg"),
    "gif": (lambda: samples.image("GIF"), "image/gif"),
    "webp": (lambda: samples.image("WEBP"), "image/webp"),
    "pdf": (lambda: samples.pdf("One page."), "application/pdf"),
    "image-only pdf": (samples.image_only_pdf, "application/pdf"),
    "docx": (samples.docx_file, DOCX),
    "pptx": (samples.pptx_file, PPTX),
    "xlsx": (lambda: samples.xlsx_file([["a", 1]]), XLSX),
    "doc": (lambda: legacy_files.word_document("Hello\r"), DOC),
    "xls": (lambda: legacy_files.excel_workbook({"Sheet1": [["a"]]}), XLS),
    "ppt": (lambda: legacy_files.powerpoint_presentation([("Title", "Body", None)]), PPT),
    "rtf": (lambda: samples.RTF, "application/rtf"),
    "wav": (samples.wav, "audio/wav"),
    "mp3 with a tag": (lambda: samples.mp3(tagged=True), "audio/mpeg"),
    "mp3 without a tag": (lambda: samples.mp3(tagged=False), "audio/mpeg"),
    "ogg": (samples.ogg_opus, "audio/ogg"),
    "m4a": (samples.m4a, "audio/mp4"),
    "audio-only mp4": (lambda: samples.mp4(handlers=[b"soun"]), "audio/mp4"),
    "mp4": (samples.mp4, "video/mp4"),
    "mov": (samples.mov, "video/quicktime"),
    "quicktime without ftyp": (samples.old_quicktime, "video/quicktime"),
    "avi": (samples.avi, "video/x-msvideo"),
}


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_each_accepted_type_is_recognised_whatever_its_name(
    detector: ContentTypeDetector, kind: str
) -> None:
    build, expected = SAMPLES[kind]
    content = build()
    assert detector.detect(content[:HEAD_BYTES]) == expected
    assert detector.detect(content[:HEAD_BYTES], "misleading-name.txt") == expected
    assert expected in ALLOWED_MEDIA_TYPES


def test_a_linux_program_renamed_pdf_is_refused(detector: ContentTypeDetector) -> None:
    with open(os.path.realpath(sys.executable), "rb") as program:
        head = program.read(HEAD_BYTES)
    assert head.startswith(b"\x7fELF")
    assert detector.detect(head, "invoice.pdf") is None
    assert detector.detect(samples.ELF_HEADER + b"\x00" * 100, "invoice.pdf") is None


def test_a_windows_program_renamed_pdf_is_refused(detector: ContentTypeDetector) -> None:
    assert detector.detect(samples.windows_program(), "invoice.pdf") is None


def test_a_picture_named_txt_is_a_picture(detector: ContentTypeDetector) -> None:
    assert detector.detect(samples.image("PNG"), "notes.txt") == "image/png"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (samples.plain_zip(), "a zip that is no Office package"),
        (samples.heic(), "a HEIC picture (an MP4-like container)"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "an HTML page"),
        (b"  <?xml version='1.0'?><svg></svg>", "an SVG drawing"),
        (legacy_files.compound_file({"Contents": b"x"}), "an OLE file of another program"),
        (b"", "nothing at all"),
        (bytes(range(256)) * 8, "binary data"),
    ],
)
def test_other_content_is_refused(
    detector: ContentTypeDetector, content: bytes, reason: str
) -> None:
    assert detector.detect(content, "file.txt") is None, reason


def test_a_macro_enabled_package_is_refused(detector: ContentTypeDetector) -> None:
    package = samples.docx_file()
    with_macros = _add_member(package, "word/vbaProject.bin", b"\x00" * 64)
    assert detector.detect(with_macros) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.txt", "text/plain"),
        ("notes", "text/plain"),
        (None, "text/plain"),
        ("report.PDF", "text/plain"),
        ("table.csv", "text/csv"),
        ("table.tsv", "text/csv"),
        ("README.md", "text/markdown"),
        ("guide.markdown", "text/markdown"),
    ],
)
def test_text_takes_its_kind_from_the_name(
    detector: ContentTypeDetector, name: str | None, expected: str
) -> None:
    assert detector.detect(b"name,amount\nrent,1200\n", name) == expected


@pytest.mark.parametrize(
    "content",
    [
        "Línea en español, ¿verdad? 你好".encode(),
        "caf\xe9 cr\xe8me br\xfbl\xe9e".encode("cp1252"),
        "\ufeffWith a byte order mark".encode(),
        "\ufeffUTF-16 text".encode("utf-16"),
        ("é" * 40_000).encode()[: HEAD_BYTES - 1],
    ],
    ids=["utf-8", "windows-1252", "utf-8 bom", "utf-16", "cut mid-character"],
)
def test_text_in_common_encodings_is_text(detector: ContentTypeDetector, content: bytes) -> None:
    assert detector.detect(content, "notes.txt") == "text/plain"


def test_a_text_that_starts_like_a_movie_box_is_still_text(
    detector: ContentTypeDetector,
) -> None:
    # Bytes 4-8 spell "free", a QuickTime atom puremagic knows.
    assert detector.detect(b"Tax-free shopping list\n", "list.txt") == "text/plain"


# Heads cut before the zip's central directory


def test_a_big_word_document_is_told_from_its_head(
    detector: ContentTypeDetector, big_docx: bytes
) -> None:
    assert detector.detect(big_docx[:HEAD_BYTES]) == DOCX


def test_a_big_presentation_is_told_from_its_head(
    detector: ContentTypeDetector, big_pptx: bytes
) -> None:
    assert detector.detect(big_pptx[:HEAD_BYTES]) == PPTX


def test_a_big_openpyxl_workbook_is_told_from_its_part_names(
    detector: ContentTypeDetector, big_xlsx: bytes
) -> None:
    # openpyxl writes [Content_Types].xml last: only the xl/ and docProps/ parts are in the head.
    assert b"[Content_Types].xml" not in big_xlsx[:HEAD_BYTES]
    assert detector.detect(big_xlsx[:HEAD_BYTES]) == XLSX


def test_content_types_stored_last_still_leave_the_part_names(
    detector: ContentTypeDetector, big_docx: bytes
) -> None:
    reordered = samples.reorder_zip(big_docx, last="[Content_Types].xml")
    assert detector.detect(reordered[:HEAD_BYTES]) == DOCX


@pytest.mark.parametrize("which", ["docx", "pptx", "xlsx"])
def test_zips_with_data_descriptors_are_followed_member_by_member(
    detector: ContentTypeDetector, big_docx: bytes, big_pptx: bytes, big_xlsx: bytes, which: str
) -> None:
    package, expected = {
        "docx": (big_docx, DOCX),
        "pptx": (big_pptx, PPTX),
        "xlsx": (big_xlsx, XLSX),
    }[which]
    streamed = samples.with_data_descriptors(package)
    assert detector.detect(streamed[:HEAD_BYTES]) == expected


def test_an_ole_file_whose_allocation_table_is_past_the_head_is_read_raw(
    detector: ContentTypeDetector,
) -> None:
    document = legacy_files.compound_file(
        {"WordDocument": b"\xec\xa5" + b"\x00" * 200_000, "1Table": b""},
        allocation_table_last=True,
    )
    assert len(document) > 2 * HEAD_BYTES
    assert detector.detect(document[:HEAD_BYTES]) == DOC


def test_an_encrypted_office_package_is_refused(detector: ContentTypeDetector) -> None:
    encrypted = legacy_files.compound_file({"EncryptionInfo": b"x", "EncryptedPackage": b"x"})
    assert detector.detect(encrypted) is None


# Never raises

_SIGNATURES = [
    b"PK\x03\x04",
    b"PK\x03\x04\x14\x00\x06\x00",
    legacy_files.OLE_SIGNATURE,
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF89a",
    b"RIFF\x00\x00\x00\x00WAVE",
    b"RIFF\x00\x00\x00\x00AVI ",
    b"ID3\x03\x00\x00",
    b"\xff\xfb\x90\x64",
    b"OggS\x00",
    b"\x00\x00\x00\x18ftypisom",
    b"\x00\x00\x00\x08wide",
    b"{\\rtf1",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
]


@settings(max_examples=300, deadline=None)
@given(
    head=st.one_of(
        st.binary(max_size=2048),
        st.tuples(st.sampled_from(_SIGNATURES), st.binary(max_size=2048)).map(b"".join),
    ),
    name=st.none() | st.text(max_size=40),
)
def test_detection_never_raises(head: bytes, name: str | None) -> None:
    result = ContentTypeDetector().detect(head, name)
    assert result is None or result in ALLOWED_MEDIA_TYPES


_DOCX = samples.docx_file()
_XLS = legacy_files.excel_workbook({"Sheet1": [["a", 1.0]]})


@settings(max_examples=60, deadline=None)
@given(
    cut=st.integers(min_value=1, max_value=8_000), flips=st.lists(st.integers(0, 7_999), max_size=8)
)
def test_damaged_office_heads_never_raise(cut: int, flips: list[int]) -> None:
    for content in (_DOCX, _XLS):
        damaged = bytearray(content[:cut])
        for position in flips:
            if position < len(damaged):
                damaged[position] ^= 0xFF
        result = ContentTypeDetector().detect(bytes(damaged))
        assert result is None or result in ALLOWED_MEDIA_TYPES


def _add_member(package: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO(package)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr(name, data)
    return out.getvalue()
