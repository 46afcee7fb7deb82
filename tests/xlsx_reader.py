"""A minimal XLSX reader for tests (no extra dependency): every sheet's rows as lists of
str or int, in order, shared and inline strings both understood."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def read_xlsx(data: bytes) -> list[list[list[object]]]:
    book = zipfile.ZipFile(io.BytesIO(data))
    shared: list[str] = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))  # noqa: S314 - our own files
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
    names = sorted(
        (n for n in book.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.search(r"\d+", n.rsplit("/", 1)[1]).group(0)),
    )
    sheets = []
    for name in names:
        rows = []
        root = ElementTree.fromstring(book.read(name))  # noqa: S314
        for row in root.iter(f"{{{NS['m']}}}row"):
            cells: list[object] = []
            for cell in row.findall("m:c", NS):
                position = _column(cell.get("r"))
                cells.extend([""] * (position - len(cells)))
                kind = cell.get("t")
                if kind == "s":
                    value: object = shared[int(cell.find("m:v", NS).text)]
                elif kind == "inlineStr":
                    value = "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))
                else:
                    text = cell.find("m:v", NS).text
                    value = int(float(text)) if text is not None else ""
                cells.append(value)
            rows.append(cells)
        sheets.append(rows)
    return sheets
