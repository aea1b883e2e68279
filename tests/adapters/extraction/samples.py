"""Files of every type the extraction adapters handle, written by the libraries that make them
(python-docx, openpyxl, python-pptx, fpdf2, Pillow, the standard library's wave) or, for media
containers no installed library writes, assembled from their published box and frame layouts.
"""

from __future__ import annotations

import io
import struct
import wave
import zipfile
from collections.abc import Sequence

import docx
import openpyxl
import pptx
from fpdf import FPDF
from PIL import Image
from pptx.util import Inches

PARAGRAPH = (
    "The committee met on a Tuesday to review the budget for the coming year. Members agreed "
    "that the cost of rent would rise and that the savings from the new supplier would cover "
    "most of it. A second meeting was set for the end of the month."
)


def image(kind: str, size: tuple[int, int] = (8, 8)) -> bytes:
    """A small picture in `kind` ("PNG", "JPEG", "GIF", "WEBP"), written by Pillow."""
    picture = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    picture.save(out, format=kind)
    return out.getvalue()


def noisy_png(size: int = 300) -> bytes:
    """A PNG that compresses badly: a way to make a zip package bigger than a 64 KiB head."""
    picture = Image.effect_noise((size, size), 80).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


# Documents


def pdf(*pages: str) -> bytes:
    """A PDF with a text layer, one page per string."""
    document = FPDF()
    document.set_font("Helvetica", size=11)
    for text in pages:
        document.add_page()
        document.multi_cell(0, 6, text)
    return bytes(document.output())


def image_only_pdf(pages: int = 2) -> bytes:
    """A PDF whose pages are pictures, as a scanner makes them: no text layer at all."""
    document = FPDF()
    picture = io.BytesIO(image("PNG", (64, 64)))
    for _ in range(pages):
        document.add_page()
        document.image(picture, x=10, y=10, w=100)
    return bytes(document.output())


def encrypted_pdf(user_password: str) -> bytes:
    document = FPDF()
    document.set_font("Helvetica", size=11)
    document.add_page()
    document.multi_cell(0, 6, "A secret page.")
    document.set_encryption(owner_password="owner", user_password=user_password)
    return bytes(document.output())


def docx_file(*, with_picture: bool = False, paragraphs: int = 2) -> bytes:
    document = docx.Document()
    document.add_heading("Annual report", level=0)
    document.add_heading("Budget", level=1)
    for _ in range(paragraphs):
        document.add_paragraph(PARAGRAPH)
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(
        table.rows,
        [("Item", "Cost", "Owner"), ("Rent", "1200", "Ana"), ("Food", "310", "")],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_heading("Next steps", level=2)
    document.add_paragraph("Hire two people before June.")
    if with_picture:
        document.add_picture(io.BytesIO(noisy_png()))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pptx_file(*, with_picture: bool = False) -> bytes:
    presentation = pptx.Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[1])
    first.shapes.title.text = "Quarterly review"
    first.placeholders[1].text = "Revenue grew\nCosts fell"
    first.notes_slide.notes_text_frame.text = "Mention the new supplier."
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "Numbers"
    rows = [("Region", "Sales"), ("North", "120"), ("South", "95")]
    frame = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2))
    for row_index, values in enumerate(rows):
        for column_index, value in enumerate(values):
            frame.table.cell(row_index, column_index).text = value
    group = second.shapes.add_group_shape()
    box = group.shapes.add_textbox(Inches(1), Inches(5), Inches(4), Inches(1))
    box.text_frame.text = "Grouped remark"
    presentation.slides.add_slide(presentation.slide_layouts[6])
    if with_picture:
        second.shapes.add_picture(io.BytesIO(noisy_png()), Inches(1), Inches(1))
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def xlsx_file(rows: Sequence[Sequence[object]], *, extra_sheet: bool = True) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Budget"
    for row in rows:
        sheet.append(list(row))
    if extra_sheet:
        workbook.create_sheet("Empty")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def big_xlsx(rows: int, columns: int = 8) -> bytes:
    header = [f"Column {index}" for index in range(columns)]
    body = [
        [
            f"row {row} item {column}" if column % 2 else row * columns + column
            for column in range(columns)
        ]
        for row in range(rows)
    ]
    return xlsx_file([header, *body], extra_sheet=False)


def reorder_zip(package: bytes, *, last: str) -> bytes:
    """The same zip with member `last` moved to the end (how openpyxl orders its parts)."""
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        names = [name for name in source.namelist() if name != last] + [last]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name in names:
                target.writestr(name, source.read(name))
    return out.getvalue()


class _Unseekable(io.RawIOBase):
    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self.buffer += chunk
        return len(chunk)


def with_data_descriptors(package: bytes) -> bytes:
    """The same zip written to a stream that cannot seek back, so each member's sizes come
    after its data (as Java and streaming writers do)."""
    target_stream = _Unseekable()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(target_stream, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            target.writestr(name, source.read(name))
    return bytes(target_stream.buffer)


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", "Just a zip.")
    return out.getvalue()


RTF = (
    r"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times New Roman;}}"
    r"{\b Minutes} of the meeting\par "
    r"The caf\'e9 costs \u8364? 12 a month.\par "
    r"Second paragraph.\par}"
).encode("ascii")


# Media


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


def _mp3_frames(count: int) -> bytes:
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417 bytes a frame.
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return frame * count


def mp3(*, tagged: bool) -> bytes:
    frames = _mp3_frames(4)
    if not tagged:
        return frames
    frame = b"TIT2" + struct.pack(">I", 6) + b"\x00\x00" + b"\x00Song"
    size = len(frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + syncsafe + frame + frames


def ogg_opus() -> bytes:
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    page = b"OggS\x00\x02" + b"\x00" * 8 + struct.pack("<III", 1, 0, 0) + bytes([1, len(head)])
    return page + head


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    return _box(b"ftyp", major + b"\x00\x00\x02\x00" + b"".join(compatible))


def _track(handler: bytes) -> bytes:
    hdlr = _box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 12 + b"\x00")
    return _box(b"trak", _box(b"mdia", hdlr))


def mp4(*, handlers: Sequence[bytes] = (b"vide", b"soun")) -> bytes:
    moov = _box(b"moov", b"".join(_track(handler) for handler in handlers))
    return _ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41") + moov + _box(b"mdat", b"\x00" * 64)


def m4a() -> bytes:
    return _ftyp(b"M4A ", b"M4A ", b"mp42", b"isom") + _box(b"mdat", b"\x00" * 64)


def mov() -> bytes:
    return _ftyp(b"qt  ", b"qt  ") + _box(b"wide", b"") + _box(b"mdat", b"\x00" * 64)


def old_quicktime() -> bytes:
    return _box(b"wide", b"") + _box(b"mdat", b"\x00" * 64) + _box(b"moov", b"\x00" * 16)


def heic() -> bytes:
    return _ftyp(b"heic", b"mif1", b"heic") + _box(b"meta", b"\x00" * 32)


def avi() -> bytes:
    avih = b"avih" + struct.pack("<I", 56) + b"\x00" * 56
    header_list = b"LIST" + struct.pack("<I", 4 + len(avih)) + b"hdrl" + avih
    body = b"AVI " + header_list
    return b"RIFF" + struct.pack("<I", len(body)) + body


# Programs

ELF_HEADER = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00"


def windows_program() -> bytes:
    """The first bytes of a Windows program: the DOS stub, then the PE header it points to."""
    dos = bytearray(b"MZ" + b"\x90\x00\x03\x00" + b"\x00" * 58)
    struct.pack_into("<I", dos, 0x3C, 0x80)
    dos += b"This program cannot be run in DOS mode.\r\r\n$".ljust(0x80 - len(dos), b"\x00")
    pe = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x8664, 3, 0, 0, 0, 0xF0, 0x22)
    return bytes(dos) + pe + b"\x00" * 512
