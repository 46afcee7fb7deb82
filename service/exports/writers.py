"""File formats for exports. A writer turns an async stream of rows into an async stream
of bytes without holding the rows: CSV and JSON are written as they come; XLSX goes
through xlsxwriter's constant-memory mode into a temporary file that is then streamed."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

import msgspec
import xlsxwriter

CHUNK = 64 * 1024
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576


def neutralise(text: str) -> str:
    """Keep spreadsheet programs from evaluating a cell as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain(value: Any) -> Any:
    """A cell value as text or an integer: no floats, no driver types."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats have no place in a money export")
    return str(value)


class Writer:
    extension: ClassVar[str]
    media_type: ClassVar[str]

    def write(
        self, columns: Sequence[str], rows: AsyncIterator[tuple[Any, ...]], meta: dict[str, Any]
    ) -> AsyncIterator[bytes]:
        raise NotImplementedError


class CsvWriter(Writer):
    """UTF-8 with a BOM so Excel reads Chinese correctly; formula-like text neutralised."""

    extension = "csv"
    media_type = "text/csv; charset=utf-8"

    async def write(
        self, columns: Sequence[str], rows: AsyncIterator[tuple[Any, ...]], meta: dict[str, Any]
    ) -> AsyncIterator[bytes]:
        buffer = io.StringIO()
        out = csv.writer(buffer, lineterminator="\r\n")
        buffer.write(BOM)
        out.writerow(columns)
        async for row in rows:
            out.writerow([neutralise(v) if isinstance(v, str) else v for v in map(plain, row)])
            if buffer.tell() >= CHUNK:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()


class JsonWriter(Writer):
    """One JSON document: {"export": {...}, "columns": [...], "rows": [{...}, ...]}."""

    extension = "json"
    media_type = "application/json"

    async def write(
        self, columns: Sequence[str], rows: AsyncIterator[tuple[Any, ...]], meta: dict[str, Any]
    ) -> AsyncIterator[bytes]:
        encode = msgspec.json.Encoder().encode
        parts = [b'{"export":', encode(meta), b',"columns":', encode(list(columns)), b',"rows":[']
        buffer = bytearray(b"".join(parts))
        separator = b"\n"
        async for row in rows:
            buffer += separator
            buffer += encode(dict(zip(columns, map(plain, row), strict=True)))
            separator = b",\n"
            if len(buffer) >= CHUNK:
                yield bytes(buffer)
                buffer.clear()
        buffer += b"\n]}\n"
        yield bytes(buffer)


class XlsxWriter(Writer):
    """A workbook written row by row in constant memory; a new sheet every 1,048,575 rows."""

    extension = "xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    async def write(
        self, columns: Sequence[str], rows: AsyncIterator[tuple[Any, ...]], meta: dict[str, Any]
    ) -> AsyncIterator[bytes]:
        with tempfile.TemporaryDirectory(prefix="minsheng-export-") as folder:
            path = f"{folder}/export.xlsx"
            book = xlsxwriter.Workbook(
                path,
                {
                    "constant_memory": True,
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                    "strings_to_numbers": False,
                    "tmpdir": folder,
                },
            )
            # A fixed creation time keeps the same export byte-identical when repeated.
            book.set_properties({"title": str(meta.get("title", "")), "created": _EPOCH})
            sheet, line, sheets = None, XLSX_MAX_ROWS, 0
            async for row in rows:
                if line >= XLSX_MAX_ROWS:
                    sheets += 1
                    sheet = book.add_worksheet(f"{meta.get('kind', 'export')}-{sheets}")
                    sheet.write_row(0, 0, list(columns))
                    line = 1
                assert sheet is not None
                for col, value in enumerate(map(plain, row)):
                    if isinstance(value, str):
                        sheet.write_string(line, col, value)
                    else:
                        sheet.write_number(line, col, value)
                line += 1
            if sheet is None:
                book.add_worksheet(str(meta.get("kind", "export"))).write_row(0, 0, list(columns))
            await asyncio.to_thread(book.close)
            with open(path, "rb") as handle:  # noqa: ASYNC230 - local temp file, small reads
                while chunk := handle.read(CHUNK):
                    yield chunk


_EPOCH = dt.datetime(2000, 1, 1)

WRITERS: dict[str, type[Writer]] = {w.extension: w for w in (CsvWriter, JsonWriter, XlsxWriter)}
