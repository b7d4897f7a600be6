"""Kinds of e-mail: how each is composed and what happens when it is delivered or not.

An app registers its kinds when it is loaded (``AppConfig.ready`` imports its ``emails``
module), so the outbox needs to know nothing of the apps above it::

    register(
        "ketenmachtigingen.uitnodiging",
        label=_("Invitation"),
        render=render_uitnodiging,   # Mail -> EmailMessage (subject, body, attachments)
        on_sent=uitnodiging_sent,     # Mail -> None, in the transaction that marks it sent
        on_failed=uitnodiging_failed, # Mail -> None, in the transaction that marks it failed
    )

``render`` runs with the recipient's language active and returns the message without
recipients (the outbox sets them); raising ``Skip`` ends the row as ``vervallen`` (the e-mail is
not needed any more, e.g. the request was withdrawn before its invitation went out).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMessage


class Skip(Exception):
    """The e-mail is not needed any more; ``str(skip)`` says why (kept on the row)."""


@dataclass(frozen=True)
class MailKind:
    name: str
    label: object  # a lazy translation
    render: Callable[..., EmailMessage]
    on_sent: Callable[..., None] | None = None
    on_failed: Callable[..., None] | None = None


_kinds: dict[str, MailKind] = {}


def register(
    name: str,
    *,
    label,
    render: Callable[..., EmailMessage],
    on_sent: Callable[..., None] | None = None,
    on_failed: Callable[..., None] | None = None,
) -> MailKind:
    kind = MailKind(name, label, render, on_sent, on_failed)
    _kinds[name] = kind
    return kind


def kind_of(name: str) -> MailKind:
    try:
        return _kinds[name]
    except KeyError as exc:
        raise LookupError(f"no e-mail kind {name!r} is registered") from exc


def label_of(name: str) -> str:
    kind = _kinds.get(name)
    return str(kind.label) if kind else name


def registered() -> dict[str, MailKind]:
    return dict(_kinds)
