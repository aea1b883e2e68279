"""The Markdown document uploaded for a file, and what a search hit says about where it came from.

The extracted text is uploaded rather than the original: OpenAI chunks and embeds it itself, and
text covers formats its file search does not read (spreadsheets, old Office files). Each run of
chunks under one location gets a `## location` heading, so a hit can say where it is.
"""

from __future__ import annotations

import re

from ignacio.application.ports import IndexedFile

_LOCATION_HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_UNSAFE_NAME = re.compile(r"[^\w .()-]+")
MAX_UPLOAD_NAME = 120


def render(file: IndexedFile) -> str | None:
    """The file's chunks as one Markdown document, in reading order; None if none has text."""
    parts = [f"# {_one_line(file.file_name)}"]
    location: str | None = None
    has_text = False
    for chunk in sorted(file.chunks, key=lambda c: c.ordinal):
        text = chunk.text.strip()
        if not text:
            continue
        if chunk.location and chunk.location != location:
            location = chunk.location
            parts.append(f"## {_one_line(location)}")
        parts.append(text)
        has_text = True
    return "\n\n".join(parts) + "\n" if has_text else None


def upload_name(file: IndexedFile) -> str:
    """A name for the upload that any multipart parser and OpenAI's dashboard can show."""
    stem = _UNSAFE_NAME.sub("_", file.file_name).strip(" ._") or "file"
    return f"{stem[:MAX_UPLOAD_NAME]}.md"


def read_hit(text: str, file_name: str) -> tuple[str, str | None]:
    """A hit's text without the document's title, and its location: the heading it starts
    under, or else the first heading in it (OpenAI's chunks do not follow ours, so a hit that
    starts mid-section is placed by the next heading it reaches)."""
    body = text.strip()
    title = f"# {_one_line(file_name)}"
    if body.startswith(title):
        body = body[len(title) :].lstrip()
    heading = _LOCATION_HEADING.search(body)
    if heading is None:
        return body, None
    if heading.start() == 0:
        body = body[heading.end() :].lstrip()
    return body, heading.group(1)


def _one_line(text: str) -> str:
    return " ".join(text.split())
