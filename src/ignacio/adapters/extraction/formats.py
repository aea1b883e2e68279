"""The document formats Ignacio reads, by media type: what a person calls each one.

Kept apart from the readers so that a process which only hands documents to a worker (see
`isolated.py`) can word its notes without importing the parsers.
"""

from __future__ import annotations

from ignacio.adapters.extraction.compound_file import DOC, PPT, XLS
from ignacio.domain.knowledge import DOCX, PPTX, XLSX

LABELS: dict[str, str] = {
    "application/pdf": "PDF",
    DOCX: "Word document",
    PPTX: "presentation",
    XLSX: "workbook",
    XLS: "Excel 97-2003 workbook",
    DOC: "Word 97-2003 document",
    PPT: "PowerPoint 97-2003 file",
    "application/rtf": "RTF document",
    "text/plain": "text file",
    "text/markdown": "Markdown file",
    "text/csv": "CSV file",
}
ZIPPED = frozenset({DOCX, PPTX, XLSX})
"""Formats that are zip packages of XML parts."""


def label_of(media_type: str) -> str:
    return LABELS.get(media_type, "document")


def failed_note(media_type: str, reason: str) -> str:
    """The note of a document that went past a bound before any text was read."""
    return f"this {label_of(media_type)} {reason}"


def partial_note(media_type: str, reason: str) -> str:
    """The note of a document whose beginning was read before it went past a bound."""
    return f"only part of the {label_of(media_type)} could be read: it {reason}"
