"""Decompression bombs: real DOCX and XLSX packages, small on disk, whose XML expands hugely.

Each is an ordinary package written by python-docx or openpyxl with one part swapped for a
long run of the same markup, deflated: zlib packs a repeated pattern about 1,000 to 1, so a
few hundred KB hold a few hundred MB. The markup is valid, so a reader that is not bounded
parses all of it (the tree lxml builds for it is ten to twenty times its size).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
import openpyxl

MB = 1024 * 1024

_WORD = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_DOCUMENT_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document ' + (
    _WORD + b"><w:body>"
)
_DOCUMENT_TAIL = b"<w:sectPr/></w:body></w:document>"
_PARAGRAPH = b"<w:p><w:r><w:t>A</w:t></w:r></w:p>"

_SHEET = "xl/worksheets/sheet1.xml"
_CONTENT_TYPES = "[Content_Types].xml"
_WORKBOOK_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"
_STRINGS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst '
    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
_STRINGS_TAIL = b"</sst>"
_STRING = b"<si><t>AB</t></si>"
_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_STRINGS_LINK = (
    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)


def docx_bomb(expanded_bytes: int = 250 * MB) -> bytes:
    """A Word document whose `word/document.xml` is `expanded_bytes` of one-letter paragraphs."""
    base = docx.Document()
    base.add_paragraph("A")
    out = io.BytesIO()
    base.save(out)
    count = max(1, (expanded_bytes - len(_DOCUMENT_HEAD) - len(_DOCUMENT_TAIL)) // len(_PARAGRAPH))
    body = _repeated(_DOCUMENT_HEAD, _PARAGRAPH, count, _DOCUMENT_TAIL)
    return _with_parts(out.getvalue(), {"word/document.xml": body})


def xlsx_bomb(expanded_bytes: int = 250 * MB) -> bytes:
    """A workbook whose shared string table (`xl/sharedStrings.xml`, where Excel keeps every
    text cell's string) is `expanded_bytes` of two-letter strings; its one sheet uses the first.

    A reader keeps the whole table in memory, one object per string, before any sheet.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["AB"])
    out = io.BytesIO()
    workbook.save(out)
    package = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        sheet_xml = archive.read(_SHEET)
        types = archive.read(_CONTENT_TYPES)
        relationships = archive.read(_WORKBOOK_RELATIONSHIPS)
    shared = sheet_xml.replace(b't="inlineStr"><is><t>AB</t></is>', b't="s"><v>0</v>')
    assert shared != sheet_xml
    count = max(1, (expanded_bytes - len(_STRINGS_HEAD) - len(_STRINGS_TAIL)) // len(_STRING))
    return _with_parts(
        package,
        {
            _SHEET: iter([shared]),
            _CONTENT_TYPES: iter([types.replace(b"</Types>", _STRINGS_TYPE + b"</Types>")]),
            _WORKBOOK_RELATIONSHIPS: iter(
                [relationships.replace(b"</Relationships>", _STRINGS_LINK + b"</Relationships>")]
            ),
            "xl/sharedStrings.xml": _repeated(_STRINGS_HEAD, _STRING, count, _STRINGS_TAIL),
        },
    )


def _repeated(head: bytes, unit: bytes, count: int, tail: bytes) -> Iterator[bytes]:
    yield head
    block = unit * max(1, (1 * MB) // len(unit))
    full, rest = divmod(count, (1 * MB) // len(unit) or 1)
    for _ in range(full):
        yield block
    yield unit * rest
    yield tail


def _with_parts(package: bytes, parts: dict[str, Iterator[bytes]]) -> bytes:
    """The same package with `parts` replaced or added, each deflated as it streams (a bomb
    part is never held whole)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info, source.read(info.filename))
        for name, chunks in parts.items():
            part_info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            part_info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(part_info, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return out.getvalue()
