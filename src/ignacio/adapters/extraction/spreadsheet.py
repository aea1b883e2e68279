"""Spreadsheets (XLSX, XLS): one section per sheet, a table that keeps its rows and columns."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

import openpyxl
import xlrd

from ignacio.adapters.extraction.sections import SectionSink, TableBuilder, Unreadable
from ignacio.domain.knowledge import SectionKind


def read_xlsx(content: bytes, sink: SectionSink) -> None:
    # read_only streams each sheet instead of building every cell; data_only reads the values
    # last computed by the spreadsheet program rather than the formulas.
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            # Some writers record wrong dimensions; without them every stored row is read.
            sheet.reset_dimensions()
            _add_sheet(sink, sheet.title, sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def read_xls(content: bytes, sink: SectionSink) -> None:
    try:
        # xlrd reports oddities to stdout unless given somewhere else to write.
        book = xlrd.open_workbook(
            file_contents=content, on_demand=True, logfile=io.StringIO(), verbosity=0
        )
    except xlrd.XLRDError as error:
        raise Unreadable(f"unreadable Excel 97-2003 workbook: {error}") from error
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = (
                [_xls_value(book, kind, value) for kind, value in zip(kinds, values, strict=True)]
                for kinds, values in (
                    (sheet.row_types(row), sheet.row_values(row)) for row in range(sheet.nrows)
                )
            )
            _add_sheet(sink, str(sheet.name), rows)
            book.unload_sheet(index)
    finally:
        book.release_resources()


def _add_sheet(sink: SectionSink, name: str, rows: Iterable[Iterable[object]]) -> None:
    table = TableBuilder(sink.remaining)
    for row in rows:
        if not table.add_row([cell_text(value) for value in row]):
            break
    sink.add(SectionKind.SHEET, table.text(), location=f"sheet {name}", cut_short=table.full)


def cell_text(value: object) -> str:
    """A cell's value as a person would read it in the spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _xls_value(book: xlrd.Book, kind: int, value: object) -> object:
    if kind == xlrd.XL_CELL_DATE and isinstance(value, float):
        try:
            return xlrd.xldate_as_datetime(value, book.datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            return value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR and isinstance(value, int):
        return xlrd.error_text_from_code.get(value, "#ERROR")
    return value
