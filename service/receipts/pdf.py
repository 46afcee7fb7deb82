"""The receipt as a PDF: Chinese text in an embedded TrueType subset, and a QR code.

The font comes from `service.fonts` (a Python dependency, no system font needed); only the
glyphs used are embedded (`pdffonts` shows the subset prefix).
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from service.fonts import CJK_FONT_NAME, FontMissing, cjk_font, cjk_font_path
from service.money import amount_in_words, format_yuan
from service.receipts.documents import ReceiptDocument
from service.timefmt import day

FONT_NAME = CJK_FONT_NAME
PAGE = landscape(A5)
__all__ = ["FONT_NAME", "FontMissing", "register_font", "render_receipt", "verification_url"]


def register_font() -> str:
    """Register the receipts' CJK font (see `service.fonts`); the font file's path."""
    cjk_font()
    return str(cjk_font_path())


def verification_url(base_url: str, document: ReceiptDocument) -> str:
    query = urlencode({"number": document.display_number, "code": document.verification_code})
    return f"{base_url}/receipts/verify?{query}"


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as vector rectangles, one per horizontal run of dark modules."""
    matrix = segno.make(data, error="m", micro=False).matrix
    module = size / len(matrix)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        start = None
        for col_index, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col_index
            elif not dark and start is not None:
                path.rect(x + start * module, top, (col_index - start) * module, module)
                start = None
    canvas.drawPath(path, stroke=0, fill=1)


def render_receipt(document: ReceiptDocument, base_url: str, copy: int = 0) -> bytes:
    """The receipt's PDF; `copy` > 0 marks a resend as 副本. Same input, same bytes."""
    register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=PAGE, invariant=True, initialFontName=FONT_NAME)
    canvas.setTitle(f"捐赠收据 {document.display_number}")
    canvas.setAuthor(document.issuer)
    width, height = PAGE
    left, top = 18 * mm, height - 16 * mm

    if copy:
        canvas.saveState()
        canvas.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.18))
        canvas.setFont(FONT_NAME, 96)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(25)
        canvas.drawCentredString(0, -30, "副本")
        canvas.restoreState()
    if document.status == "void":
        canvas.saveState()
        canvas.setFillColor(colors.Color(0.5, 0.5, 0.5, alpha=0.25))
        canvas.setFont(FONT_NAME, 96)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(-20)
        canvas.drawCentredString(0, -30, "作废")
        canvas.restoreState()

    canvas.setFont(FONT_NAME, 22)
    canvas.drawCentredString(width / 2, top - 4 * mm, "捐 赠 收 据")
    canvas.setFont(FONT_NAME, 10)
    canvas.drawCentredString(width / 2, top - 11 * mm, document.event_title)
    canvas.drawRightString(width - left, top - 4 * mm, f"No. {document.display_number}")
    if copy:
        canvas.setFillColor(colors.Color(0.8, 0.1, 0.1))
        canvas.drawRightString(width - left, top - 10 * mm, f"副本（第{copy}次补发）")
        canvas.setFillColor(colors.black)

    lines = [
        ("捐赠人", document.title),
        ("统一社会信用代码", document.uscc or "—"),
        ("捐赠项目", document.project),
        ("金额（小写）", format_yuan(document.amount_fen)),
        ("金额（大写）", amount_in_words(document.amount_fen)),
        ("捐赠日期", day(document.donated_on, "zh_Hans")),
        ("开具日期", day(document.issued_on, "zh_Hans")),
        ("开具单位", document.issuer),
    ]
    y = top - 24 * mm
    row_height = 8.5 * mm
    label_width = 36 * mm
    table_width = width - 2 * left - 36 * mm
    canvas.setLineWidth(0.6)
    for label, value in lines:
        canvas.rect(left, y - 2.6 * mm, table_width, row_height, stroke=1, fill=0)
        canvas.line(left + label_width, y - 2.6 * mm, left + label_width, y - 2.6 * mm + row_height)
        canvas.setFont(FONT_NAME, 10)
        canvas.drawString(left + 2 * mm, y, label)
        canvas.setFont(FONT_NAME, 11)
        canvas.drawString(left + label_width + 3 * mm, y, value)
        y -= row_height

    canvas.setFont(FONT_NAME, 8)
    notes = [
        "感谢您对民生实事公益众筹的支持。本收据由系统生成，扫码或凭编号与验证码查验真伪。",
        f"验证码：{document.verification_code}",
    ]
    if document.replaces_number:
        notes.append(f"本收据替代已作废的第 {document.replaces_number} 号收据。")
    for note in notes:
        canvas.drawString(left, y - 2 * mm, note)
        y -= 4.5 * mm

    qr_size = 30 * mm
    qr_x, qr_y = width - left - qr_size, top - 24 * mm - 2.6 * mm - qr_size + row_height
    _draw_qr(canvas, verification_url(base_url, document), qr_x, qr_y, qr_size)
    canvas.setFont(FONT_NAME, 8)
    canvas.drawCentredString(qr_x + qr_size / 2, qr_y - 4 * mm, "扫码验证")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
