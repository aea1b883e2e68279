"""How long does a document take from upload to searchable chunks?

Builds a 100-page PDF of ordinary prose (fpdf2) and a 10,000-row, 8-column workbook (openpyxl),
in two forms: strings in a shared table as Excel writes them, and inline as openpyxl does. Then
times each step the file sync runs on them: type detection on the first 64 KiB, text
extraction (in the calling thread, as the adapter's worker thread would run it) and chunking
with the default sizes. Prints the median of a few runs per step and what each step produced;
numbers only, no pass/fail.

    .venv/bin/python bench/extraction.py [--runs 5] [--pages 100] [--rows 10000]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import openpyxl
from fpdf import FPDF, XPos, YPos

from ignacio.adapters.extraction import ContentTypeDetector, DocumentTextExtractor
from ignacio.domain.chunking import chunk_sections
from ignacio.domain.knowledge import Extraction

HEAD_BYTES = 64 * 1024
PROSE = (
    "the budget committee agreed that rent costs would rise next year while the new supplier "
    "lowered food prices members asked for a detailed report on staff hours overtime travel "
    "and training the treasurer explained that savings from energy contracts could cover most "
    "of the increase a second meeting will review the figures before the annual assembly in "
    "june when the board expects to approve the plan and publish the accounts for every member"
)
WORDS = PROSE.split()

Result = TypeVar("Result")


@dataclass(frozen=True)
class Timing:
    wall_ms: float
    cpu_ms: float
    """This process's CPU time: steadier than wall time on a machine other work shares."""


@dataclass(frozen=True)
class Row:
    name: str
    size: int
    detected: str
    detect: Timing
    extract: Timing
    chunk: Timing
    sections: int
    characters: int
    chunks: int


def sentence(generator: random.Random) -> str:
    words = generator.choices(WORDS, k=generator.randint(8, 22))
    return " ".join(words).capitalize() + "."


def paragraph(generator: random.Random) -> str:
    return " ".join(sentence(generator) for _ in range(generator.randint(4, 7)))


def build_pdf(pages: int) -> bytes:
    generator = random.Random(7)
    document = FPDF()
    document.set_auto_page_break(auto=False)
    for number in range(1, pages + 1):
        document.add_page()
        document.set_font("Helvetica", style="B", size=14)
        document.multi_cell(
            0, 8, f"Section {number}: report of the committee", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        document.set_font("Helvetica", size=10)
        for _ in range(4):
            document.multi_cell(0, 5, paragraph(generator), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            document.ln(3)
    return bytes(document.output())


def build_xlsx(rows: int) -> bytes:
    """A ledger sheet as openpyxl writes it: every text cell's string inline in the cell."""
    generator = random.Random(11)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Ledger")
    sheet.append(["Date", "Account", "Description", "Category", "Amount", "VAT", "Paid", "Ref"])
    for row in range(rows):
        sheet.append(
            [
                f"2024-{row % 12 + 1:02d}-{row % 28 + 1:02d}",
                f"ACC-{generator.randint(1000, 9999)}",
                " ".join(generator.choices(WORDS, k=5)),
                generator.choice(["rent", "food", "travel", "energy", "staff"]),
                round(generator.uniform(5, 5000), 2),
                round(generator.uniform(0, 0.21), 2),
                generator.random() < 0.8,
                row,
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


INLINE_STRING = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"([^>]*) t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>'
)


SHEET_ELEMENTS_AFTER_DIMENSION = re.compile(rb"<(sheetViews|sheetFormatPr|cols|sheetData)\b")


def with_shared_strings(package: bytes) -> bytes:
    """The same workbook as Excel writes it: strings in a shared table, the used range in a
    `<dimension>` element. Only the eight-column ledger sheet built here is handled."""
    strings: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = strings.setdefault(match.group(3), len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2), index)

    with zipfile.ZipFile(io.BytesIO(package)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = INLINE_STRING.sub(shared, parts[sheet])
    # Excel also records the used range up front; without it openpyxl's read-only mode reads
    # the whole sheet once more just to size it.
    rows = parts[sheet].count(b"<row ")
    first_after_dimension = SHEET_ELEMENTS_AFTER_DIMENSION.search(parts[sheet])
    assert first_after_dimension is not None
    at = first_after_dimension.start()
    dimension = b'<dimension ref="A1:H%d"/>' % rows
    parts[sheet] = parts[sheet][:at] + dimension + parts[sheet][at:]
    table = b"".join(b"<si><t>%s</t></si>" % text for text in strings)
    parts["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
        b'uniqueCount="%d">%s</sst>' % (len(strings), len(strings), table)
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdShared" Target="sharedStrings.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in [
            "[Content_Types].xml",
            *(name for name in parts if name != "[Content_Types].xml"),
        ]:
            target.writestr(name, parts[name])
    return out.getvalue()


def median(step: Callable[[], Result], runs: int) -> tuple[Timing, Result]:
    wall: list[float] = []
    cpu: list[float] = []
    result = step()
    for _ in range(runs):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        result = step()
        wall.append((time.perf_counter() - wall_start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
    return Timing(statistics.median(wall), statistics.median(cpu)), result


def measure(name: str, content: bytes, runs: int) -> Row:
    detector = ContentTypeDetector()
    extractor = DocumentTextExtractor()
    detect, media_type = median(lambda: detector.detect(content[:HEAD_BYTES], name), runs)
    if media_type is None:
        raise SystemExit(f"{name}: not recognised")
    extract, extraction = median(lambda: extractor.extract_blocking(content, media_type), runs)
    chunk, chunks = median(lambda: chunk_sections(extraction.sections), runs)
    return Row(
        name=name,
        size=len(content),
        detected=media_type.rsplit(".", 1)[-1].rsplit("/", 1)[-1],
        detect=detect,
        extract=extract,
        chunk=chunk,
        sections=len(extraction.sections),
        characters=_characters(extraction),
        chunks=len(chunks),
    )


def _characters(extraction: Extraction) -> int:
    return sum(len(section.text) for section in extraction.sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--rows", type=int, default=10_000)
    arguments = parser.parse_args()

    ledger = build_xlsx(arguments.rows)
    files = {
        f"report-{arguments.pages}-pages.pdf": build_pdf(arguments.pages),
        f"ledger-{arguments.rows}-rows-shared-strings.xlsx": with_shared_strings(ledger),
        f"ledger-{arguments.rows}-rows-inline-strings.xlsx": ledger,
    }
    load = os.getloadavg()[0]
    rows = [measure(name, content, arguments.runs) for name, content in files.items()]

    print(
        f"median of {arguments.runs} runs, milliseconds as wall / CPU; chunks of at most 1200 "
        f"characters; {os.cpu_count()} cores, load average {load:.1f} at the start"
    )
    print()
    print("| file | bytes | detected | detect | extract | chunk | sections | characters | chunks |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.name} | {row.size:,} | {row.detected} | {_timing(row.detect, 2)} "
            f"| {_timing(row.extract, 0)} | {_timing(row.chunk, 0)} | {row.sections:,} "
            f"| {row.characters:,} | {row.chunks:,} |"
        )


def _timing(timing: Timing, decimals: int) -> str:
    return f"{timing.wall_ms:.{decimals}f} / {timing.cpu_ms:.{decimals}f}"


if __name__ == "__main__":
    main()
