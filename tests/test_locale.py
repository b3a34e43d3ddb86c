"""English is a real translation: every string the code marks has an English msgstr."""

from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def entries() -> list[str]:
    return PO.read_text(encoding="utf-8").split("\n\n")[1:]  # the first is the header


def test_every_message_has_an_english_translation_and_none_is_fuzzy():
    untranslated = [
        e for e in entries() if re.search(r'^msgstr ""$', e, re.M) and '\nmsgstr ""\n"' not in e
    ]
    fuzzy = [e for e in entries() if "#, fuzzy" in e]
    assert untranslated == [] and fuzzy == []
