"""Receipts embed their CJK font from a Python package: no system font is consulted.

The PDF is rendered in a fresh interpreter whose fontconfig sees only an empty directory
(and whose HOME has no fonts), then read back with poppler: the font is embedded as a
TrueType subset and the Chinese text extracts exactly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RENDER = """
import datetime as dt, sys, uuid
from service.receipts.documents import ReceiptDocument
from service.receipts.pdf import render_receipt
document = ReceiptDocument(
    id=uuid.uuid4(), event_number=5, event_title="第五届民生实事公益众筹会", number=7,
    display_number="5-000007", status="issued", title="杭州鑫垚建材有限公司", uscc=None,
    project="徐家埠社区老年食堂", amount_fen=1_234_550, donated_on=dt.date(2017, 11, 20),
    issued_on=dt.date(2017, 11, 21), issuer="杭州市上城区望江街道民生实事公益众筹会",
    verification_code="ABCDEFGHJK", email=None, replaces_number=None, mailed=False,
)
sys.stdout.buffer.write(render_receipt(document, "http://127.0.0.1:8000"))
"""


def test_the_receipt_embeds_the_packaged_font_with_no_system_fonts(tmp_path: Path):
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{empty}</dir>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(tmp_path)}
    listed = subprocess.run(["fc-list"], env=env, capture_output=True, text=True)
    assert listed.stdout.strip() == "", "fontconfig still sees fonts"

    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(
        subprocess.run(
            [sys.executable, "-c", RENDER], env=env, capture_output=True, check=True
        ).stdout
    )

    fonts = subprocess.run(["pdffonts", str(pdf)], env=env, capture_output=True, text=True)
    rows = [line.split() for line in fonts.stdout.splitlines()[2:]]
    assert len(rows) == 1, fonts.stdout  # one font, nothing else referenced
    name, *_, emb, sub, uni, _obj, _gen = rows[0]
    assert name.split("+", 1)[1].startswith("WenQuanYiMicroHei"), name  # "ABCDEF+…": a subset
    assert (emb, sub, uni) == ("yes", "yes", "yes")

    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], env=env, capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "捐赠收据",
        "杭州鑫垚建材有限公司",
        "徐家埠社区老年食堂",
        "壹万贰仟叁佰肆拾伍圆伍角整",
    ):
        assert expected in text, text
