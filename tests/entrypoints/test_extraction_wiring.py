"""Which extractor each adapter set gets: a server reads documents in worker processes, held to
the configured limits, and stops them when it closes; tests on the memory set use threads."""

from __future__ import annotations

from pathlib import Path

from ignacio.adapters.extraction import DocumentTextExtractor
from ignacio.adapters.extraction.isolated import IsolatedTextExtractor
from ignacio.domain.knowledge import DOCX, ExtractionStatus
from ignacio.entrypoints.config import Settings
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.runtime import close_container
from tests.adapters.extraction import bombs


async def test_the_embedded_set_reads_documents_in_workers_held_to_the_settings(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(
        {
            "IGNACIO_DATA_DIR": str(tmp_path),
            "IGNACIO_EXTRACTION_MAX_MB": "2",
            "IGNACIO_EXTRACTION_MAX_RATIO": "100000",
            "IGNACIO_EXTRACTION_WORKERS": "1",
        }
    )
    assert settings.is_embedded
    container = build_container(settings)
    extractor = container.text_extractor()
    assert isinstance(extractor, IsolatedTextExtractor)
    extraction = await extractor.extract(bombs.docx_bomb(8 * bombs.MB), DOCX)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note == "this Word document expands to more than 2 MB once uncompressed"

    await close_container(container)
    assert not container.text_extractor.initialized


async def test_the_memory_set_reads_documents_in_threads() -> None:
    container = build_container(Settings.from_env({"IGNACIO_DATABASE_URL": "memory://"}))
    assert isinstance(container.text_extractor(), DocumentTextExtractor)
    await close_container(container)
