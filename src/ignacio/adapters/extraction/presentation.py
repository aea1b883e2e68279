"""PowerPoint presentations (PPTX): one section per slide, its title first, its notes last."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import pptx
from pptx.shapes.autoshape import Shape
from pptx.shapes.base import BaseShape
from pptx.shapes.graphfrm import GraphicFrame
from pptx.shapes.group import GroupShape
from pptx.slide import Slide

from ignacio.adapters.extraction.sections import SectionSink, TableBuilder
from ignacio.domain.knowledge import SectionKind


def read_pptx(content: bytes, sink: SectionSink) -> None:
    presentation = pptx.Presentation(io.BytesIO(content))
    for number, slide in enumerate(presentation.slides, start=1):
        text = "\n\n".join(part for part in _slide_parts(slide, sink.remaining) if part.strip())
        sink.add(SectionKind.SLIDE, text, location=f"slide {number}")


def _slide_parts(slide: Slide, budget: int) -> Iterator[str]:
    title = slide.shapes.title
    if title is not None and title.has_text_frame:
        yield title.text_frame.text
    for shape in _shapes(slide.shapes):
        if title is not None and shape.shape_id == title.shape_id:
            continue
        if isinstance(shape, Shape) and shape.has_text_frame:
            yield shape.text_frame.text
        elif isinstance(shape, GraphicFrame) and shape.has_table:
            table = TableBuilder(budget)
            for row in shape.table.rows:
                if not table.add_row([cell.text for cell in row.cells]):
                    break
            yield table.text()
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            yield f"Notes: {notes.text}"


def _shapes(shapes: Iterable[BaseShape]) -> Iterator[BaseShape]:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shapes(shape.shapes)
        else:
            yield shape
