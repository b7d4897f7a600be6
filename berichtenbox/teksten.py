"""What berichten say: a text per kind of message, rendered in the reader's language.

A message stores its ``sjabloon`` (a registered name) and ``params`` (plain values: names,
references, ISO dates, status codes), never finished sentences, so a Dutch and an English
reader see the same message in their own language. The apps above register their texts when
they load (``AppConfig.ready``)::

    register(
        "ketenmachtigingen.verlopen",
        onderwerp=gettext_noop("Ketenmachtiging of %(relatie)s has expired"),
        tekst=gettext_noop("The ketenmachtiging of %(relatie)s reached its end date …"),
        prepare=lambda params: {...},  # params -> values for the text, in the active language
    )

A message without a (known) ``sjabloon`` shows its stored ``onderwerp`` and ``tekst``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext


@dataclass(frozen=True)
class Tekst:
    onderwerp: str
    tekst: str
    prepare: Callable[[dict], dict] | None = None


_teksten: dict[str, Tekst] = {}


def register(
    sjabloon: str, *, onderwerp: str, tekst: str, prepare: Callable[[dict], dict] | None = None
) -> None:
    _teksten[sjabloon] = Tekst(onderwerp, tekst, prepare)


def registered() -> dict[str, Tekst]:
    return dict(_teksten)


def datum(value: str | None) -> str:
    """An ISO date from the params as people read it (dd-mm-jjjj, as the manuals write it)."""
    if not value:
        return ""
    try:
        return date.fromisoformat(value[:10]).strftime("%d-%m-%Y")
    except ValueError:
        return value


def render(sjabloon: str, params: dict) -> tuple[str, str] | None:
    """Subject and text in the active language, or None for an unknown ``sjabloon``."""
    tekst = _teksten.get(sjabloon)
    if tekst is None:
        return None
    values = dict(params)
    if tekst.prepare is not None:
        values.update(tekst.prepare(dict(params)))

    class _Missing(dict):
        def __missing__(self, key):
            return ""

    values = _Missing(values)
    return gettext(tekst.onderwerp) % values, gettext(tekst.tekst) % values
