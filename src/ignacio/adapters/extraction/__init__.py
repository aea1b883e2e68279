"""Document files: what type a file is, from its content, and the text it holds.

The extractor's parsers (pypdf, python-docx, openpyxl, ...) take about a second to import, so
it is loaded on first use: a process that only detects types, or never sees a file, skips it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ignacio.adapters.extraction.detector import ContentTypeDetector
from ignacio.adapters.extraction.limits import ExtractionLimits

if TYPE_CHECKING:
    from ignacio.adapters.extraction.extractor import DocumentTextExtractor


def __getattr__(name: str) -> Any:
    if name == "DocumentTextExtractor":
        from ignacio.adapters.extraction.extractor import DocumentTextExtractor

        return DocumentTextExtractor
    raise AttributeError(name)


__all__ = ["ContentTypeDetector", "DocumentTextExtractor", "ExtractionLimits"]
