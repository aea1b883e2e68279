"""PDF: the text layer of each page, one section per page."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ignacio.adapters.extraction.sections import SectionSink, Unreadable
from ignacio.domain.knowledge import SectionKind

NO_TEXT_NOTE = "scanned or image-only PDF: no text layer"


def read_pdf(content: bytes, sink: SectionSink) -> None:
    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted:
        # Many PDFs are encrypted only to restrict printing or copying, with an empty password.
        try:
            opened = reader.decrypt("")
        except (PdfReadError, NotImplementedError) as error:
            raise Unreadable(f"encrypted PDF that cannot be opened: {error}") from error
        if not opened:
            raise Unreadable("encrypted PDF: a password is needed to read it")
    failed_pages = 0
    page_count = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text()
        except Exception:
            # One damaged page must not lose the others.
            failed_pages += 1
            continue
        sink.add(SectionKind.PAGE, text, location=f"page {number}")
    if page_count and failed_pages == page_count:
        raise Unreadable(f"damaged PDF: none of its {page_count} pages could be read")
