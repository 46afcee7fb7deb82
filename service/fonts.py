"""The one CJK font every PDF the service writes embeds (receipts, reports).

reportlab cannot embed CFF outlines (Noto CJK's OTF files) and its built-in STSong-Light is
never embedded, so PDFs carry a TrueType CJK font: WenQuanYi Micro Hei (Apache License 2.0,
about 34,600 characters including all of GB 18030's common CJK ideographs). It comes from the
`paperang-p2-fonts-cjk` wheel, a plain Python dependency: no system font, no apt step, and
the same glyphs on every machine. Only the glyphs a document uses are embedded (a subset:
`pdffonts` lists it with a six-letter prefix and "emb yes").
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT_NAME = "MinshengCJK"
_PACKAGE = "paperang_p2_fonts_cjk"
_FILE = "fonts/wqy-microhei.ttc"
_SUBFONT = 0  # the proportional face; 1 is WenQuanYi Micro Hei Mono


class FontMissing(RuntimeError):
    """The CJK font's package is not installed (run `uv sync`)."""


def cjk_font_path() -> Path:
    """Where the CJK TrueType collection is on this machine."""
    try:
        path = Path(str(resources.files(_PACKAGE).joinpath(_FILE)))
    except ModuleNotFoundError as error:
        raise FontMissing(f"the CJK font package {_PACKAGE} is missing: run `uv sync`") from error
    if not path.is_file():
        raise FontMissing(
            f"{path} is missing: reinstall with `uv sync --reinstall-package {_PACKAGE}`"
        )
    return path


@functools.cache
def cjk_font() -> str:
    """Register the CJK font with reportlab (once per process); the name to `setFont` with."""
    pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, str(cjk_font_path()), subfontIndex=_SUBFONT))
    return CJK_FONT_NAME
