"""Real files of the types Ignacio keeps, made by the tests themselves (no binary fixtures)."""

from __future__ import annotations

import io

from fpdf import FPDF


def pdf(*pages: str) -> bytes:
    """A PDF with a text layer: one page per string."""
    document = FPDF()
    document.set_font("Helvetica", size=12)
    for text in pages:
        document.add_page()
        document.multi_cell(0, 8, text)
    return bytes(document.output())


def png(width: int = 4, height: int = 4) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# A Linux program's first bytes: what a renamed executable looks like to the detector.
ELF_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
