"""How long does a document take from upload to searchable chunks?

Builds a 100-page PDF of ordinary prose (fpdf2) and a 10,000-row, 8-column workbook (openpyxl),
in two forms: strings in a shared table as Excel writes them, and inline as openpyxl does. Then
times each step the file sync runs on them: type detection on the first 64 KiB, text
extraction (in the calling thread, as the adapter's worker thread would run it) and chunking
with the default sizes. Prints the median of a few runs per step and what each step produced;
numbers only, no pass/fail.

    .venv/bin/python bench/extraction.py [--runs 5] [--pages 100] [--rows 10000]

With `--isolation`, instead: what hostile and large documents cost the serving process. Each
case runs in a fresh process standing for the server: a DOCX and an XLSX zip bomb (~250 MB of
XML each) and 25 MB legitimate PDF, XLSX, DOCX and PPTX files (text plus pictures, as large
files are). For each, the old path (parsing in a thread of the serving process, as before
issue #13, with its 256 MB bound on declared sizes) and the new one (the isolated extractor:
a warm pool of worker processes, bounds held as parts inflate). Prints the serving process's
peak RSS (VmHWM) and the time to a result; an old-path run still going after `--cap` seconds
is stopped, and its peak so far reported.

    .venv/bin/python bench/extraction.py --isolation [--cap 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import openpyxl
from fpdf import FPDF, XPos, YPos
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ignacio.adapters.extraction import (  # noqa: E402
    ContentTypeDetector,
    DocumentTextExtractor,
    ExtractionLimits,
)
from ignacio.domain.chunking import chunk_sections  # noqa: E402
from ignacio.domain.knowledge import DOCX, PPTX, XLSX, Extraction  # noqa: E402

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
    parser.add_argument("--isolation", action="store_true")
    parser.add_argument("--cap", type=float, default=60.0)
    parser.add_argument("--serve", nargs=3, metavar=("PATH", "FILE", "MEDIA_TYPE"))
    arguments = parser.parse_args()
    if arguments.serve:
        serve_one(*arguments.serve)
        return
    if arguments.isolation:
        isolation(arguments.cap, arguments.runs)
        return

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


MB = 1024 * 1024
OLD_LIMITS = ExtractionLimits(max_bytes=256 * MB, max_ratio=10**9)
"""Before issue #13: no ratio, and 256 MB on the sizes a zip declares (which these files meet)."""


def noisy_jpeg(size: int, seed: int) -> bytes:
    """A photo-like picture that compresses badly, as scans and photos do."""
    random.seed(seed)
    picture = Image.effect_noise((size, size), 60 + seed % 20).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=92)
    return out.getvalue()


def pictures(total: int) -> list[bytes]:
    found: list[bytes] = []
    while sum(map(len, found)) < total:
        found.append(noisy_jpeg(1200, len(found)))
    return found


def legit_pdf(target: int) -> bytes:
    generator = random.Random(3)
    document = FPDF()
    for index, picture in enumerate(pictures(target - 1 * MB)):
        document.add_page()
        document.set_font("Helvetica", size=10)
        document.multi_cell(0, 5, f"Site visit {index}. " + paragraph(generator))
        document.image(io.BytesIO(picture), x=10, y=60, w=120)
    for _ in range(60):
        document.add_page()
        document.set_font("Helvetica", size=10)
        for _ in range(4):
            document.multi_cell(0, 5, paragraph(generator), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(document.output())


def legit_docx(target: int) -> bytes:
    import docx
    from docx.shared import Inches

    generator = random.Random(5)
    document = docx.Document()
    document.add_heading("Annual report", level=0)
    for index, picture in enumerate(pictures(target - 1 * MB)):
        document.add_heading(f"Site {index}", level=1)
        for _ in range(8):
            document.add_paragraph(paragraph(generator))
        document.add_picture(io.BytesIO(picture), width=Inches(4))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def legit_pptx(target: int) -> bytes:
    import pptx
    from pptx.util import Inches

    generator = random.Random(9)
    presentation = pptx.Presentation()
    for index, picture in enumerate(pictures(target - 1 * MB)):
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = f"Site {index}"
        box = slide.shapes.add_textbox(Inches(0.5), Inches(1.5), Inches(9), Inches(1))
        box.text_frame.text = paragraph(generator)
        slide.shapes.add_picture(io.BytesIO(picture), Inches(2), Inches(3), width=Inches(5))
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def legit_xlsx(target: int) -> bytes:
    """A 100,000-row ledger with the photos of its receipts: the rest of the 25 MB."""
    ledger = with_shared_strings(build_xlsx(100_000))
    out = io.BytesIO(ledger)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        for index, picture in enumerate(pictures(target - len(ledger))):
            archive.writestr(f"xl/media/receipt{index}.jpeg", picture)
    return out.getvalue()


def isolation_cases(folder: Path) -> list[tuple[str, Path, str]]:
    from tests.adapters.extraction import bombs

    target = 25 * MB
    built = {
        "DOCX bomb": (bombs.docx_bomb(250 * MB), DOCX),
        "XLSX bomb": (bombs.xlsx_bomb(250 * MB), XLSX),
        "PDF, 25 MB": (legit_pdf(target), "application/pdf"),
        "XLSX, 25 MB": (legit_xlsx(target), XLSX),
        "DOCX, 25 MB": (legit_docx(target), DOCX),
        "PPTX, 25 MB": (legit_pptx(target), PPTX),
    }
    cases = []
    for index, (name, (content, media_type)) in enumerate(built.items()):
        path = folder / f"case{index}"
        path.write_bytes(content)
        cases.append((name, path, media_type))
    return cases


def _status_kb(pid: int | str, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def serve_one(path: str, file: str, media_type: str) -> None:
    """Stand for the serving process: read one document by `path` ("old" or "new")."""
    from ignacio.adapters.extraction.isolated import IsolatedTextExtractor

    content = Path(file).read_bytes()
    extractor: DocumentTextExtractor | IsolatedTextExtractor
    warm = 0.0
    if path == "old":
        extractor = DocumentTextExtractor(OLD_LIMITS)
    else:
        extractor = IsolatedTextExtractor(workers=1)
        started = time.perf_counter()
        extractor.warm_up()
        warm = time.perf_counter() - started
    before = _status_kb("self", "VmRSS")
    print(json.dumps({"before_kb": before}), flush=True)
    started = time.perf_counter()
    extraction = asyncio.run(extractor.extract(content, media_type))
    seconds = time.perf_counter() - started
    if isinstance(extractor, IsolatedTextExtractor):
        extractor.close()
    result = {
        "seconds": seconds,
        "warm_seconds": warm,
        "status": extraction.status.value,
        "note": extraction.note,
        "characters": _characters(extraction),
        "hwm_kb": _status_kb("self", "VmHWM"),
    }
    print(json.dumps(result), flush=True)


def run_case(path: str, file: Path, media_type: str, cap: float) -> dict[str, object]:
    command = [sys.executable, __file__, "--serve", path, str(file), media_type]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    before = json.loads(child.stdout.readline())
    started = time.perf_counter()
    hwm = 0
    while child.poll() is None:
        try:
            hwm = max(hwm, _status_kb(child.pid, "VmHWM"))
        except OSError:
            break
        if time.perf_counter() - started > cap:
            child.kill()
            child.wait()
            return {**before, "stopped": time.perf_counter() - started, "hwm_kb": hwm}
        time.sleep(0.1)
    result: dict[str, object] = json.loads(child.stdout.readline())
    child.wait()
    return {**before, **result}


def isolation(cap: float, runs: int) -> None:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        cases = isolation_cases(Path(folder))
        rows = []
        for name, file, media_type in cases:
            size = file.stat().st_size
            # A bomb on the old path runs until stopped: once tells all there is.
            olds = [
                run_case("old", file, media_type, cap) for _ in range(1 if "bomb" in name else runs)
            ]
            news = [run_case("new", file, media_type, cap) for _ in range(runs)]
            rows.append((name, size, _median(olds), _median(news)))
    print(
        f"serving process: peak RSS (VmHWM) and time to a result, median of {runs} fresh "
        f"processes (the new path's after warming its pool); an old-path bomb runs once and is "
        f"stopped after {cap:g} s; "
        f"{os.cpu_count()} cores, load average {load:.1f} at the start"
    )
    print()
    print(
        "| file | bytes | old: RSS before → peak MB | old: time | new: RSS before → peak MB "
        "| new: time | new: result | pool warm-up s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, size, old, new in rows:
        old_time = (
            f"stopped after {float(str(old['stopped'])):.0f} s"
            if "stopped" in old
            else f"{float(str(old['seconds'])):.2f} s ({old['status']})"
        )
        result = str(new["status"]) + (f": {new['note']}" if new["note"] else "")
        print(
            f"| {name} | {size:,} | {_mb(old['before_kb'])} → {_mb(old['hwm_kb'])} | {old_time} "
            f"| {_mb(new['before_kb'])} → {_mb(new['hwm_kb'])} | {float(str(new['seconds'])):.2f} s "
            f"| {result} | {float(str(new['warm_seconds'])):.1f} |"
        )


def _median(runs: list[dict[str, object]]) -> dict[str, object]:
    return sorted(runs, key=lambda run: float(str(run.get("seconds", run.get("stopped")))))[
        len(runs) // 2
    ]


def _mb(kilobytes: object) -> str:
    return f"{int(str(kilobytes)) / 1024:,.0f}"


def _timing(timing: Timing, decimals: int) -> str:
    return f"{timing.wall_ms:.{decimals}f} / {timing.cpu_ms:.{decimals}f}"


if __name__ == "__main__":
    main()
