"""Word documents (DOCX): headings, paragraphs and tables in the order they are written."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import docx
from docx.document import Document
from docx.oxml.ns import qn
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from ignacio.adapters.extraction.sections import SectionSink, TableBuilder
from ignacio.domain.knowledge import SectionKind

_HEADING_STYLE = re.compile(r"heading\s*(\d)", re.IGNORECASE)
_STYLE_CHAIN_LIMIT = 10
_PARAGRAPH = qn("w:p")
_TABLE = qn("w:tbl")
_CONTENT_CONTROL = qn("w:sdt")
_CONTENT_CONTROL_BODY = qn("w:sdtContent")


def read_docx(content: bytes, sink: SectionSink) -> None:
    document = docx.Document(io.BytesIO(content))
    for block in _blocks(document.element.body, document):
        if isinstance(block, Paragraph):
            level = _heading_level(block)
            if level is None:
                sink.add(SectionKind.PARAGRAPH, block.text)
            else:
                sink.add(SectionKind.HEADING, block.text, level=level)
            continue
        table = TableBuilder(sink.remaining)
        for row in block.rows:
            if not table.add_row([_cell_text(cell) for cell in row.cells]):
                break
        sink.add(SectionKind.TABLE, table.text(), cut_short=table.full)


def _blocks(container: Any, document: Document) -> Iterator[Paragraph | Table]:
    for element in container.iterchildren():
        if element.tag == _PARAGRAPH:
            yield Paragraph(element, document)
        elif element.tag == _TABLE:
            yield Table(element, document)
        elif element.tag == _CONTENT_CONTROL:
            # Content controls (form fields, template blocks) hold ordinary paragraphs.
            body = element.find(_CONTENT_CONTROL_BODY)
            if body is not None:
                yield from _blocks(body, document)


def _heading_level(paragraph: Paragraph) -> int | None:
    style: ParagraphStyle | None = paragraph.style
    # Custom heading styles are usually based on a built-in one: follow the chain.
    for _ in range(_STYLE_CHAIN_LIMIT):
        if style is None:
            return None
        name = style.name or ""
        if name.lower() == "title":
            return 0
        match = _HEADING_STYLE.fullmatch(name)
        if match:
            return int(match.group(1))
        base = style.base_style
        style = base if isinstance(base, ParagraphStyle) else None
    return None


def _cell_text(cell: _Cell) -> str:
    parts = [paragraph.text for paragraph in cell.paragraphs]
    for nested in cell.tables:
        for row in nested.rows:
            parts.extend(_cell_text(nested_cell) for nested_cell in row.cells)
    return " ".join(parts)
