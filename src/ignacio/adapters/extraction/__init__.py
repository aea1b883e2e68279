"""Document files: what type a file is, from its content, and the text it holds."""

from ignacio.adapters.extraction.detector import ContentTypeDetector
from ignacio.adapters.extraction.extractor import DocumentTextExtractor

__all__ = ["ContentTypeDetector", "DocumentTextExtractor"]
