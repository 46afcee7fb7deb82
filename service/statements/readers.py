"""Reading statement files as exported: CSV/TSV text in any of the usual encodings,
XLSX (openpyxl, read-only and streaming) and legacy XLS (xlrd).

Every reader yields `(line_number, cells)` one row at a time, so a large statement is
never held in memory; cells are str for text files and the spreadsheet's own values
(str, int, float, datetime, date, time, None) for workbooks. The line number is what a
person sees in the file: the CSV record's line, the spreadsheet's row.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from typing import IO, Any

from service.errors import InvalidInput

Cell = Any
Row = tuple[int, list[Cell]]

SAMPLE_BYTES = 64 * 1024
TEXT_ENCODINGS = ("utf-8", "gb18030")
"""Tried in order on the start of a text file; GB18030 reads GBK and GB2312 too."""

csv.field_size_limit(1_000_000)


def sniff_kind(head: bytes) -> str:
    """xlsx, xls or text, from the file's first bytes (never from its name)."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        raise InvalidInput.on(
            "file",
            "this file is a web page (HTML), not a statement: open it in Excel or WPS "
            "and save it as .xlsx, then upload that",
        )
    if b"%PDF" in head[:8]:
        raise InvalidInput.on(
            "file", "this is a PDF: download the statement as Excel or CSV from online banking"
        )
    return "text"


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise InvalidInput.on(
            "file", "the file is binary, not a statement (expected CSV, XLSX or XLS)"
        )
    for encoding in TEXT_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise InvalidInput.on(
        "file", "the text is neither UTF-8 nor GBK/GB18030: save it again as UTF-8 CSV"
    )


def _delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:40] if line.strip()]
    tabs = max((line.count("\t") for line in lines), default=0)
    commas = max((line.count(",") for line in lines), default=0)
    return "\t" if tabs > commas else ","


class _Lines:
    """Decoded lines of a byte stream, counting them so a decoding error names its line.
    Lines split on b"\\n", which no UTF-8 or GB18030 multi-byte sequence contains."""

    def __init__(self, binary: IO[bytes], encoding: str) -> None:
        self.binary = binary
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.lines = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self.binary.readline()
        if not raw:
            raise StopIteration
        self.lines += 1
        try:
            return self.decoder.decode(raw)
        except UnicodeDecodeError as exc:
            bad = exc.object[exc.start : exc.end]
            raise InvalidInput.on(
                f"line {self.lines}",
                f"cannot be decoded as {self.encoding} (bytes {bad!r}): "
                "save the statement again as UTF-8 or GBK CSV",
            ) from exc


def read_text(binary: IO[bytes], head: bytes) -> Iterator[Row]:
    encoding = detect_encoding(head)
    if encoding == "utf-16":
        stream: Iterator[str] = iter(io.TextIOWrapper(binary, encoding=encoding, newline=""))
        counter = None
    else:
        counter = _Lines(binary, encoding)
        stream = counter
    try:
        sample_lines = list(itertools.islice(stream, 40))
        delimiter = _delimiter("".join(sample_lines))
        reader = csv.reader(itertools.chain(sample_lines, stream), delimiter=delimiter)
        start = 1
        for cells in reader:
            # a record may span lines (a quoted newline); report where it starts
            yield start, cells
            start = reader.line_num + 1
    except UnicodeDecodeError as exc:  # UTF-16 only; the others raise with their line
        raise InvalidInput.on(
            "file", f"cannot be decoded as {encoding}: save it again as UTF-8 CSV"
        ) from exc
    except csv.Error as exc:
        where = f"line {counter.lines}" if counter else "file"
        raise InvalidInput.on(where, f"not a CSV line: {exc}") from exc


def read_xlsx(binary: IO[bytes]) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(binary, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of types for a broken file
        raise InvalidInput.on("file", f"not a readable XLSX workbook: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        book.close()


def read_xls(binary: IO[bytes]) -> Iterator[Row]:
    """Legacy BIFF workbooks. xlrd reads the sheet whole (an .xls holds at most 65,536
    rows, so this stays bounded); dates come back as datetime."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=binary.read(), on_demand=True)
    except xlrd.XLRDError as exc:
        raise InvalidInput.on("file", f"not a readable XLS workbook: {exc}") from exc
    try:
        sheet = book.sheet_by_index(0)
        for index in range(sheet.nrows):
            cells: list[Cell] = []
            for cell in sheet.row(index):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    cells.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    cells.append(None)
                else:
                    cells.append(cell.value)
            yield index + 1, cells
    finally:
        book.release_resources()


def read_rows(binary: IO[bytes]) -> Iterator[Row]:
    """Rows of any supported statement file, read from a seekable binary stream."""
    head = binary.read(SAMPLE_BYTES)
    binary.seek(0)
    if not head.strip():
        raise InvalidInput.on("file", "the file is empty")
    kind = sniff_kind(head)
    if kind == "xlsx":
        return read_xlsx(binary)
    if kind == "xls":
        return read_xls(binary)
    return read_text(binary, head)
