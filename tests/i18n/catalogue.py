"""What the translation-completeness test looks for in a rendered page.

* ``english_texts()``: texts that must never appear in the Dutch portal: every msgid of our
  catalogue whose Dutch differs, and every msgid of the libraries people see (Django's forms and
  auth, django-two-factor-auth, django-otp, django-axes, passkeys, phone numbers), translated or
  not: a library text our catalogue lacks shows in English.
* ``dutch_texts()``: texts that must never appear in the English portal: every msgstr of our
  catalogue whose English differs.

A page's visible text is its text nodes (not scripts or styles) and the attributes people read
(``placeholder``, ``title``, ``aria-label``, ``alt``, a button's ``value``), each with its
whitespace collapsed. A catalogue text is found when a text node *is* that text (placeholders
match anything), or, for a text of three words or more, when a node contains it.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "ketenportal" / "locale" / "nl" / "LC_MESSAGES" / "django.po"

#: The libraries whose texts people see, by package directory.
LIBRARIES = (
    "two_factor",
    "django_otp",
    "axes",
    "django_otp_webauthn",
    "phonenumber_field",
)

#: Texts that are the same in both languages, or names: never a sign of a missing translation.
SAME_IN_BOTH = {
    "Ketenportal",
    "OK",
    "E-mail",
    "Status",
    "Code",
    "eHerkenning",
}

#: The language switcher names each language in that language.
AUTONYMS = {"English", "Nederlands"}

_PLACEHOLDER = re.compile(r"%\([^)]*\)[sdif]|%[sdif]|\{[a-z_0-9]*\}")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@dataclass
class Texts:
    """Catalogue texts, split by how they are looked for."""

    exact: set[str] = field(default_factory=set)
    long: list[str] = field(default_factory=list)
    #: (text, its longest literal piece, its regex): the piece is looked for first, cheaply.
    patterns: list[tuple[str, str, re.Pattern]] = field(default_factory=list)

    def add(self, text: str) -> None:
        text = normalise(text)
        if not text or text in SAME_IN_BOTH | AUTONYMS or not re.search(r"[A-Za-z]{2}", text):
            return
        if _PLACEHOLDER.search(text):
            pieces = _PLACEHOLDER.split(text)
            literal = "".join(pieces)
            # "%(a)s: %(b)s" or "%s items" match far too much to mean anything.
            if len(re.findall(r"[A-Za-z]{2,}", literal)) < 2:
                return
            regex = ".+?".join(re.escape(p) for p in pieces)
            piece = max(pieces, key=len).strip()
            self.patterns.append((text, piece, re.compile(regex)))
            return
        if text in self.exact:
            return
        self.exact.add(text)
        if len(text.split()) >= 3:
            self.long.append(text)

    def found_in(self, nodes: Iterable[str]) -> set[str]:
        nodes = list(nodes)
        found = {n for n in nodes if n in self.exact}
        joined = "\n".join(nodes)
        found |= {t for t in self.long if t in joined}
        for text, piece, regex in self.patterns:
            if piece not in joined:
                continue
            if any(regex.fullmatch(n) for n in nodes):
                found.add(text)
            elif len(text.split()) >= 4 and regex.search(joined):
                found.add(text)
        return found


def _entries(path: Path) -> Iterable[polib.POEntry]:
    return polib.pofile(str(path), wrapwidth=0)


def _library_msgids() -> set[str]:
    import importlib

    import django

    dirs = [Path(django.__file__).parent / "conf", Path(django.__file__).parent / "forms"]
    dirs.append(Path(django.__file__).parent / "contrib" / "auth")
    for name in LIBRARIES:
        dirs.append(Path(importlib.import_module(name).__file__).parent)
    msgids = set()
    same = set()  # Dutch the same as the English (a month "jan"): never a sign
    for base in dirs:
        for po in (base / "locale").glob("*/LC_MESSAGES/django.po"):
            if base.name == "conf" and po.parent.parent.name not in ("nl", "en"):
                continue  # Django's own catalogues are complete: one language is enough
            for entry in _entries(po):
                if entry.obsolete:
                    continue
                msgids.add(entry.msgid)
                if entry.msgid_plural:
                    msgids.add(entry.msgid_plural)
                if po.parent.parent.name == "nl" and entry.msgstr == entry.msgid:
                    same.add(entry.msgid)
    return msgids - same


@cache
def english_texts() -> Texts:
    from django.utils import translation

    texts = Texts()
    ours = {}
    for entry in _entries(CATALOGUE):
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            ours[entry.msgid] = entry.msgstr_plural.get(0, "")
            ours[entry.msgid_plural] = entry.msgstr_plural.get(1, "")
        else:
            ours[entry.msgid] = entry.msgstr
    for msgid, msgstr in ours.items():
        if normalise(msgstr) != normalise(msgid):
            texts.add(msgid)
    with translation.override("nl"):
        for msgid in _library_msgids():
            if msgid in ours and normalise(ours[msgid]) == normalise(msgid):
                continue  # our catalogue says the Dutch is the same
            texts.add(msgid)
    return texts


@cache
def dutch_texts() -> Texts:
    texts = Texts()
    for entry in _entries(CATALOGUE):
        if entry.obsolete:
            continue
        pairs = (
            [
                (entry.msgid, entry.msgstr_plural.get(0, "")),
                (entry.msgid_plural, entry.msgstr_plural.get(1, "")),
            ]
            if entry.msgid_plural
            else [(entry.msgid, entry.msgstr)]
        )
        for msgid, msgstr in pairs:
            if msgstr and normalise(msgstr) != normalise(msgid):
                texts.add(msgstr)
    # Settings that hold Dutch text shown to people (their English is a setting of its own).
    texts.add(settings.KETENMACHTIGING_TARIEF)
    for dutch, english in zip(
        settings.PLATFORM_POSTADRES, settings.PLATFORM_POSTADRES_EN, strict=False
    ):
        if dutch != english:
            texts.add(dutch)
    return texts


# --- Visible text of a page -------------------------------------------------------------------

_VISIBLE_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        attrs = dict(attrs)
        for name in _VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.nodes.append(normalise(attrs[name]))
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.nodes.append(normalise(attrs["value"]))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            text = normalise(data)
            if text:
                self.nodes.append(text)


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.nodes
