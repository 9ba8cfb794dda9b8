"""The Arabic translation is complete: every message of the template has an Arabic text that keeps
its placeholders and HTML tags (Odoo-free: only the `.pot` and `.po` files are read)."""
import re
from pathlib import Path

import polib
import pytest

I18N = Path(__file__).resolve().parent.parent / "i18n"
POT = polib.pofile(str(I18N / "payment_aps_tamara.pot"))
AR = {entry.msgid: entry for entry in polib.pofile(str(I18N / "ar.po"))}

# %s, %d, %(name)s and %% as Python formats them.
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]+\))?[sdf%]")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
# Messages that are codes, examples or names, the same in every language.
UNTRANSLATED = {"05X XXX XXXX", "http://127.0.0.1:8070", "HMAC-256", "HMAC-512", "SHA-256", "SHA-512"}


def test_template_is_not_empty():
    assert len(POT) > 50


@pytest.mark.parametrize("msgid", [entry.msgid for entry in POT])
def test_message_is_translated_to_arabic_with_the_same_placeholders(msgid):
    entry = AR.get(msgid)
    assert entry is not None, "missing from ar.po"
    assert entry.msgstr.strip(), "empty Arabic text"
    assert not entry.fuzzy
    assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(PLACEHOLDER.findall(msgid))
    assert sorted(TAG.findall(entry.msgstr)) == sorted(TAG.findall(msgid))
    if msgid not in UNTRANSLATED:
        assert ARABIC_LETTER.search(entry.msgstr), "not Arabic"


def test_no_stale_translations():
    template_ids = {entry.msgid for entry in POT}
    assert not set(AR) - template_ids
