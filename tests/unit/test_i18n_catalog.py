"""The English catalog translates every string the code and templates mark, and nothing
else is left untranslated (run the update commands in README.md when this fails)."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "service/locale/en/LC_MESSAGES/messages.po"
HINT = "update the catalog: see README.md, section Translations"


def marked_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_string_has_an_english_translation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(marked_messages() - translated)
    assert not missing, f"{len(missing)} strings lack English ({HINT}): {missing[:20]}"
    assert len(translated) > 150
