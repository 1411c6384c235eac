"""Every text of the pages is translated into every language the picker offers.

The messages are extracted from the source as `make translations` does (babel.cfg), so a
new `_("...")` without its Serbian, Macedonian and Turkish lines fails here; so does a
fuzzy or empty translation, a placeholder that a translation drops or renames, and a
compiled .mo file older than its .po.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.messages.frontend import parse_mapping_cfg

from web.i18n import DEFAULT, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED = sorted(code for code in LANGUAGES if code != DEFAULT)


def _source_messages() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def messages() -> set[str]:
    found = _source_messages()
    assert len(found) > 100, "the extraction found almost no messages: is babel.cfg right?"
    return found


def _catalogue(code: str):
    path = TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"no catalogue for {code}: run `make translations` and translate"
    with open(path, "rb") as po:
        return read_po(po, locale=code)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated(code: str, messages: set[str]) -> None:
    catalogue = _catalogue(code)
    missing = sorted(m for m in messages
                     if (entry := catalogue.get(m)) is None or not entry.string
                     or (isinstance(entry.string, tuple) and not all(entry.string)))
    assert not missing, (f"{len(missing)} messages have no {code} translation "
                         f"(run `make translations`, then translate): {missing[:10]}")
    fuzzy = sorted(entry.id for entry in catalogue if entry.id and entry.fuzzy)
    assert not fuzzy, f"{code}: fuzzy translations to review: {fuzzy[:10]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_their_placeholders(code: str) -> None:
    wrong = []
    for entry in _catalogue(code):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                wrong.append(ids[0])
    assert not wrong, f"{code}: placeholders differ from the English: {wrong[:10]}"


def _key(value):
    """Plural ids and strings come back as lists from read_mo, as tuples from read_po."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalogue_is_current(code: str) -> None:
    mo_path = TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), f"{code}: no messages.mo: run `make translations`"
    with open(mo_path, "rb") as mo:
        compiled = {_key(entry.id): _key(entry.string) for entry in read_mo(mo) if entry.id}
    source = {_key(entry.id): _key(entry.string) for entry in _catalogue(code)
              if entry.id and entry.string and not entry.fuzzy}
    assert compiled == source, f"{code}: messages.mo is stale: run `make translations`"


def test_no_catalogue_for_a_language_nobody_can_pick() -> None:
    on_disk = {p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir()}
    assert on_disk == set(TRANSLATED)


def _gettext_in_f_strings(path: Path) -> list[str]:
    """`file:line text` of each gettext call inside an f-string's braces (or of an f-string),
    which `pybabel extract` does not look into: such a text never reaches the catalogues, and stays
    English on every page without this file's other tests noticing."""
    import ast
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for fstring in ast.walk(tree):
        if isinstance(fstring, ast.Call) and isinstance(fstring.func, ast.Name) \
                and fstring.func.id in KEYWORDS and fstring.args \
                and isinstance(fstring.args[0], ast.JoinedStr):  # _(f"...") is not either
            found.append(f"{path.relative_to(ROOT)}:{fstring.lineno} {ast.unparse(fstring)}")
        if not isinstance(fstring, ast.JoinedStr):
            continue
        for node in ast.walk(fstring):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in KEYWORDS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    return found


def test_no_page_text_hides_inside_an_f_string() -> None:
    sources = sorted((ROOT / "web").rglob("*.py"))
    assert len(sources) > 10
    hidden = [hit for path in sources for hit in _gettext_in_f_strings(path)]
    assert not hidden, ("gettext inside an f-string is not extracted: give the text its own "
                        f"variable first: {hidden}")
