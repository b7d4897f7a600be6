"""Het weekoverzicht: a Monday e-mail with the to-do list of the home page, per organisation the
person is beheerder of, for those who asked for it on Mijn profiel (``User.weekoverzicht``).

``weekoverzicht_queue`` puts one e-mail per person per ISO week in the outbox (the ``sleutel``
names the person and the week, so a second run in the same week adds nothing), and none to a
person with nothing to do. Celery beat runs it on Monday morning; ``manage.py run_jobs`` does the
same on Monday mornings. The e-mail is composed when it is delivered, in the person's language,
from the figures of that moment: if by then nothing needs doing, it is not sent (``Skip``).
"""

from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.constants import Rol
from accounts.models import Lidmaatschap, Organisatie, User
from outbox.registry import Skip, register
from outbox.services import Envelope, mails_queue

from . import dashboard

WEEKOVERZICHT = "ketenmachtigingen.weekoverzicht"
#: Monday mornings, local time: ``run_jobs`` queues the overview from this hour until noon.
UUR = 7


def iso_week(today: date) -> str:
    year, week, _day = today.isocalendar()
    return f"{year}-W{week:02d}"


def sleutel(user_id: int, today: date) -> str:
    """The outbox key: one overview per person per ISO week."""
    return f"weekoverzicht:{user_id}:{iso_week(today)}"


def _organisaties(user: User) -> list[Organisatie]:
    return [
        m.organisatie
        for m in Lidmaatschap.objects.filter(user=user, rol=Rol.BEHEERDER)
        .select_related("organisatie")
        .order_by("organisatie__naam", "organisatie_id")
    ]


def takenlijsten(user: User, today: date | None = None) -> list[tuple[Organisatie, list]]:
    """Per organisation ``user`` manages: its to-do list, leaving out those with nothing to do."""
    today = today or timezone.localdate()
    organisaties = _organisaties(user)
    cijfers = dashboard.organisatie_cijfers(organisaties=organisaties, today=today)
    result = []
    for organisatie in organisaties:
        taken = dashboard.takenlijst(
            organisatie=organisatie, cijfers=cijfers[organisatie.pk], today=today
        )
        if taken:
            result.append((organisatie, taken))
    return result


def _recipients():
    return User.objects.filter(
        weekoverzicht=True,
        is_active=True,
        lidmaatschappen__rol=Rol.BEHEERDER,
    ).distinct()


def weekoverzicht_queue(*, today: date | None = None) -> int:
    """Put this week's overview in the outbox for everyone who asked for it and has something to
    do; returns how many were added (0 when run again in the same week)."""
    today = today or timezone.localdate()
    from outbox.models import Mail

    envelopes = []
    candidates = [u for u in _recipients() if u.email and u.can_use_ketenmachtigingen]
    keys = {sleutel(u.pk, today) for u in candidates}
    taken_keys = set(Mail.objects.filter(sleutel__in=keys).values_list("sleutel", flat=True))
    for user in candidates:
        key = sleutel(user.pk, today)
        if key in taken_keys:
            continue
        lijsten = takenlijsten(user, today)
        if not lijsten:
            continue
        envelopes.append(
            Envelope(
                soort=WEEKOVERZICHT,
                ontvanger=user.email,
                taal=user.taal,
                params={
                    "user": user.pk,
                    "organisaties": [o.pk for o, _taken in lijsten],
                    "week": iso_week(today),
                },
                betreft=user,
                sleutel=key,
            )
        )
    with transaction.atomic():
        return len(mails_queue(envelopes))


def due(now=None) -> bool:
    """Whether ``run_jobs`` should queue the overview now: Monday, from ``UUR`` until noon."""
    local = timezone.localtime(now)
    return local.weekday() == 0 and UUR <= local.hour < 12


def weekoverzicht_queue_if_due(*, now=None) -> int | None:
    """For ``run_jobs`` (every minute with --loop): on Monday morning, queue the week's overview
    once. A finished run is remembered in the cache for the week, so the next minutes do not
    work out everyone's to-do list again; without the cache entry (a run that failed, a cleared
    cache) the outbox keys still keep it to one e-mail per person. None when not due."""
    if not due(now):
        return None
    done = f"weekoverzicht:run:{iso_week(timezone.localdate(now))}"
    if cache.get(done):
        return 0
    count = weekoverzicht_queue(today=timezone.localdate(now))
    cache.set(done, True, timeout=7 * 24 * 3600)
    return count


def render_weekoverzicht(mail) -> EmailMultiAlternatives:
    user = User.objects.filter(pk=mail.params.get("user"), is_active=True).first()
    if user is None or not user.weekoverzicht:
        raise Skip("the person is gone or no longer wants the weekly overview")
    if not user.can_use_ketenmachtigingen:
        raise Skip("the person's means no longer allows ketenmachtigingen")
    lijsten = takenlijsten(user)
    if not lijsten:
        raise Skip("nothing to do any more")
    site = settings.SITE_URL
    context = {
        "user": user,
        "organisaties": [
            {
                "organisatie": organisatie,
                "taken": [
                    {"tekst": t.tekst, "toelichting": t.toelichting, "url": site + t.url}
                    for t in taken
                ],
            }
            for organisatie, taken in lijsten
        ],
        "several": len(_organisaties(user)) > 1,
        "platform": settings.PLATFORM_NAME,
        "url": site + reverse("home"),
        "profiel_url": site + reverse("accounts:profiel"),
    }
    message = EmailMultiAlternatives(
        subject=_("Your weekly overview: what needs doing in %(platform)s")
        % {"platform": settings.PLATFORM_NAME},
        body=render_to_string("emails/weekoverzicht.txt", context),
    )
    message.attach_alternative(render_to_string("emails/weekoverzicht.html", context), "text/html")
    return message


def register_kind() -> None:
    register(
        WEEKOVERZICHT,
        label=gettext_lazy("Weekly overview"),
        render=render_weekoverzicht,
    )
