"""The extraction adapters, and the larger sample files built once per test session."""

from __future__ import annotations

import pytest

from ignacio.adapters.extraction import ContentTypeDetector, DocumentTextExtractor
from tests.adapters.extraction import samples

HEAD_BYTES = 64 * 1024
"""What the upload path hands the detector: the first 64 KiB of a file."""


@pytest.fixture(scope="session")
def detector() -> ContentTypeDetector:
    return ContentTypeDetector()


@pytest.fixture(scope="session")
def extractor() -> DocumentTextExtractor:
    return DocumentTextExtractor()


@pytest.fixture(scope="session")
def big_docx() -> bytes:
    """A Word document well past the head, `[Content_Types].xml` first as Word writes it."""
    content = samples.docx_file(with_picture=True, paragraphs=40)
    assert len(content) > 2 * HEAD_BYTES
    return content


@pytest.fixture(scope="session")
def big_pptx() -> bytes:
    content = samples.pptx_file(with_picture=True)
    assert len(content) > 2 * HEAD_BYTES
    return content


@pytest.fixture(scope="session")
def big_xlsx() -> bytes:
    """10,000 rows written by openpyxl, which stores `[Content_Types].xml` last."""
    content = samples.big_xlsx(10_000)
    assert len(content) > 2 * HEAD_BYTES
    return content
