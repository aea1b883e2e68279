"""Text formats: plain text, CSV, Markdown and RTF."""

from __future__ import annotations

import csv
import io
import re

from striprtf.striprtf import rtf_to_text

from ignacio.adapters.extraction.sections import SectionSink, TableBuilder
from ignacio.domain.knowledge import SectionKind

_BLANK_LINES = re.compile(r"\n[^\S\n]*\n\s*")
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_CSV_DELIMITERS = ",;\t|"
_CSV_SAMPLE_CHARS = 64 * 1024


def decode_text(content: bytes) -> str:
    """The text of `content`: UTF-8 (or UTF-16 with its byte order mark), else Windows-1252,
    else Latin-1, which reads any byte."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def read_plain_text(content: bytes, sink: SectionSink) -> None:
    _add_paragraphs(sink, decode_text(content))


def read_markdown(content: bytes, sink: SectionSink) -> None:
    paragraph: list[str] = []
    in_fence = False

    def flush() -> None:
        if paragraph:
            sink.add(SectionKind.PARAGRAPH, "\n".join(paragraph))
            paragraph.clear()

    for line in decode_text(content).splitlines():
        if _FENCE.match(line):
            # A fenced code block is a paragraph of its own, `#` lines inside it included.
            if not in_fence:
                flush()
            paragraph.append(line)
            if in_fence:
                flush()
            in_fence = not in_fence
            continue
        if in_fence:
            paragraph.append(line)
            continue
        heading = _ATX_HEADING.match(line)
        if heading:
            flush()
            sink.add(SectionKind.HEADING, heading.group(2) or "", level=len(heading.group(1)))
        elif len(paragraph) == 1 and (underline := _SETEXT_UNDERLINE.match(line)):
            title = paragraph.pop()
            sink.add(SectionKind.HEADING, title, level=1 if underline.group(1)[0] == "=" else 2)
        elif not line.strip():
            flush()
        else:
            paragraph.append(line)
    flush()


def read_csv(content: bytes, sink: SectionSink) -> None:
    text = decode_text(content)
    try:
        dialect: type[csv.Dialect] | str = csv.Sniffer().sniff(
            text[:_CSV_SAMPLE_CHARS], delimiters=_CSV_DELIMITERS
        )
    except csv.Error:
        dialect = "excel"
    table = TableBuilder(sink.remaining)
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            if not table.add_row(row):
                break
    except csv.Error:
        # Not CSV after all (a field past the parser's size limit, a stray quote): keep the text.
        _add_paragraphs(sink, text)
        return
    sink.add(SectionKind.TABLE, table.text(), cut_short=table.full)


def read_rtf(content: bytes, sink: SectionSink) -> None:
    # RTF is 7-bit text; other characters are escapes that striprtf decodes itself. striprtf
    # ships py.typed but leaves this function unannotated.
    text: str = rtf_to_text(  # type: ignore[no-untyped-call]
        content.decode("latin-1"), errors="replace"
    )
    for line in text.splitlines():
        sink.add(SectionKind.PARAGRAPH, line)


def _add_paragraphs(sink: SectionSink, text: str) -> None:
    for paragraph in _BLANK_LINES.split(text):
        sink.add(SectionKind.PARAGRAPH, paragraph)
