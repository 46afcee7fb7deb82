"""The QR code drawn on receipts reads back module for module (rasterized with poppler)."""

from __future__ import annotations

import io
import subprocess

import segno
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from service.receipts.pdf import _draw_qr

URL = "http://127.0.0.1:8000/receipts/verify?number=5-000123&code=ABCDEFGHJK"


def test_the_drawn_qr_code_matches_its_matrix(tmp_path):
    size, margin = 300.0, 30.0
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(size + 2 * margin, size + 2 * margin))
    _draw_qr(canvas, URL, margin, margin, size)
    canvas.save()
    pdf = tmp_path / "qr.pdf"
    pdf.write_bytes(buffer.getvalue())
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(pdf), str(tmp_path / "qr")],
                   check=True)  # fmt: skip
    image = Image.open(tmp_path / "qr.png").convert("L")
    matrix = segno.make(URL, error="m", micro=False).matrix
    module = size / len(matrix)
    read = [
        [image.getpixel((int(margin + (c + 0.5) * module), int(margin + (r + 0.5) * module))) < 128
         for c in range(len(matrix))]
        for r in range(len(matrix))
    ]  # fmt: skip
    assert read == [[bool(v) for v in row] for row in matrix]
