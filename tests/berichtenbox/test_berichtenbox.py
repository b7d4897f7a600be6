"""The berichtenbox: the organisation's messages, read state, the menu count, mark all read."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.constants import Rol
from berichtenbox.constants import Soort
from berichtenbox.models import Bericht
from berichtenbox.services import bericht_create
from tests.conftest import verified_client
from tests.factories import LidmaatschapFactory

pytestmark = pytest.mark.django_db
LIJST = "/berichtenbox/"
ALLES_GELEZEN = "/berichtenbox/alles-gelezen/"


class _Rows(HTMLParser):
    """The rows of the message table: (class attribute, text) per ``<tbody>`` row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str]] = []
        self._in_body = False
        self._row: list | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = [dict(attrs).get("class", ""), ""]

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "tr" and self._row is not None:
            self.rows.append((self._row[0], " ".join(self._row[1].split())))
            self._row = None

    def handle_data(self, data):
        if self._row is not None:
            self._row[1] += data


def rows(response) -> list[tuple[str, str]]:
    parser = _Rows()
    parser.feed(response.content.decode())
    return parser.rows


def menu_count(response) -> str | None:
    """The number in the menu badge, or None when there is no badge."""
    html = response.content.decode()
    marker = '<span class="kp-count"><span aria-hidden="true">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]


def bericht(organisatie, onderwerp, *, minutes_ago=0, read=False, **kwargs) -> Bericht:
    now = timezone.now()
    return Bericht.objects.create(
        organisatie=organisatie,
        soort=kwargs.pop("soort", Soort.VERLENGING),
        onderwerp=onderwerp,
        tekst=kwargs.pop("tekst", "Tekst"),
        created_at=now - timedelta(minutes=minutes_ago),
        gelezen_op=now if read else None,
        **kwargs,
    )


@pytest.fixture
def box(world):
    """The world without its sample messages, so every count below is exact."""
    Bericht.objects.all().delete()
    return world


@pytest.fixture
def client_(box):
    return verified_client(box.beheerder.user)


def test_list_shows_own_messages_newest_first(box, client_):
    bericht(box.organisatie, "Oud bericht", minutes_ago=60)
    bericht(box.organisatie, "Nieuw bericht", minutes_ago=1)
    bericht(box.organisatie, "Middelste bericht", minutes_ago=30)
    bericht(box.other_organisatie, "Geheim van Beta")
    response = client_.get(LIJST)
    assert response.status_code == 200
    texts = [text for _cls, text in rows(response)]
    assert len(texts) == 3
    assert "Nieuw bericht" in texts[0]
    assert "Middelste bericht" in texts[1]
    assert "Oud bericht" in texts[2]
    assert "Geheim van Beta" not in response.content.decode()


def test_unread_messages_are_marked_and_read_ones_not(box, client_):
    bericht(box.organisatie, "Ongelezen", minutes_ago=1)
    bericht(box.organisatie, "Gelezen", minutes_ago=2, read=True)
    (unread_class, unread_text), (read_class, read_text) = rows(client_.get(LIJST))
    assert "kp-unread" in unread_class.split()
    assert "Ongelezen" in unread_text and "ongelezen" in unread_text  # the screen-reader text
    assert "kp-unread" not in read_class.split()
    assert "unread" not in read_text


def test_menu_shows_the_unread_count_on_every_page(box, client_):
    for i in range(3):
        bericht(box.organisatie, f"Ongelezen {i}")
    bericht(box.organisatie, "Gelezen", read=True)
    bericht(box.other_organisatie, "Van Beta")
    assert menu_count(client_.get(LIJST)) == "3"
    assert menu_count(client_.get("/gebruikers/")) == "3"


def test_no_badge_without_unread_messages(box, client_):
    bericht(box.organisatie, "Gelezen", read=True)
    response = client_.get(LIJST)
    assert menu_count(response) is None
    assert reverse("berichtenbox:alles_gelezen") not in response.content.decode()


def test_empty_berichtenbox_says_so(box, client_):
    with_english(box.beheerder.user)
    response = client_.get(LIJST)
    assert "There are no messages." in response.content.decode()
    assert rows(response) == []


def with_english(user) -> None:
    user.taal = "en"
    user.save(update_fields=["taal"])


def test_opening_a_message_marks_it_read_and_lowers_the_count(box, client_):
    first = bericht(box.organisatie, "Eerste")
    bericht(box.organisatie, "Tweede")
    assert menu_count(client_.get(LIJST)) == "2"
    response = client_.get(reverse("berichtenbox:bericht", args=[first.pk]))
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.gelezen_op is not None
    assert menu_count(response) == "1"
    assert menu_count(client_.get(LIJST)) == "1"


def test_opening_again_keeps_the_first_read_time(box, client_):
    first = bericht(box.organisatie, "Eerste")
    client_.get(reverse("berichtenbox:bericht", args=[first.pk]))
    first.refresh_from_db()
    read_at = first.gelezen_op
    client_.get(reverse("berichtenbox:bericht", args=[first.pk]))
    first.refresh_from_db()
    assert first.gelezen_op == read_at


def test_read_state_belongs_to_the_organisation(box, client_):
    other_beheerder = LidmaatschapFactory(organisatie=box.organisatie, rol=Rol.BEHEERDER).user
    first = bericht(box.organisatie, "Eerste")
    client_.get(reverse("berichtenbox:bericht", args=[first.pk]))
    assert menu_count(verified_client(other_beheerder).get(LIJST)) is None


def test_another_organisations_message_is_a_404_and_stays_unread(box, client_):
    theirs = bericht(box.other_organisatie, "Geheim van Beta")
    response = client_.get(reverse("berichtenbox:bericht", args=[theirs.pk]))
    assert response.status_code == 404
    assert "Geheim van Beta" not in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.gelezen_op is None


def test_filter_by_kind(box, client_):
    bericht(box.organisatie, "Verlengen", soort=Soort.VERLENGING)
    bericht(box.organisatie, "Verlopen", soort=Soort.VERLOPEN)
    response = client_.get(LIJST, {"soort": Soort.VERLOPEN})
    texts = [text for _cls, text in rows(response)]
    assert len(texts) == 1 and "Verlopen" in texts[0]
    assert f'<option value="{Soort.VERLOPEN}" selected>' in response.content.decode()


@pytest.mark.parametrize("soort", ["onbekend", "<script>", ""])
def test_an_unknown_kind_is_ignored(box, client_, soort):
    bericht(box.organisatie, "Verlengen", soort=Soort.VERLENGING)
    bericht(box.organisatie, "Verlopen", soort=Soort.VERLOPEN)
    response = client_.get(LIJST, {"soort": soort})
    assert response.status_code == 200
    assert len(rows(response)) == 2


def test_list_is_paginated_by_25(box, client_):
    for i in range(30):
        bericht(box.organisatie, f"Bericht {i}", minutes_ago=i)
    assert len(rows(client_.get(LIJST))) == 25
    assert len(rows(client_.get(LIJST, {"page": 2}))) == 5


def test_mark_all_read_only_touches_own_organisation(box, client_):
    ours = [bericht(box.organisatie, f"Ons {i}") for i in range(3)]
    theirs = bericht(box.other_organisatie, "Van Beta")
    with_english(box.beheerder.user)
    response = client_.post(ALLES_GELEZEN, follow=True)
    assert response.redirect_chain == [(LIJST, 302)]
    assert "3 messages have been marked as read." in response.content.decode()
    assert menu_count(response) is None
    assert all(Bericht.objects.get(pk=b.pk).gelezen_op for b in ours)
    theirs.refresh_from_db()
    assert theirs.gelezen_op is None


def test_mark_all_read_button_only_with_unread_messages(box, client_):
    bericht(box.organisatie, "Ongelezen")
    html = client_.get(LIJST).content.decode()
    assert f'<form method="post" action="{ALLES_GELEZEN}"' in html


def test_get_on_mark_all_read_is_refused_and_changes_nothing(box, client_):
    unread = bericht(box.organisatie, "Ongelezen")
    assert client_.get(ALLES_GELEZEN).status_code == 405
    unread.refresh_from_db()
    assert unread.gelezen_op is None


def test_gebruiker_without_beheerder_role_is_refused(box):
    ours = bericht(box.organisatie, "Ongelezen")
    client = verified_client(box.gebruiker.user)
    assert client.get(LIJST).status_code == 403
    assert client.get(reverse("berichtenbox:bericht", args=[ours.pk])).status_code == 403
    assert client.post(ALLES_GELEZEN).status_code == 403
    ours.refresh_from_db()
    assert ours.gelezen_op is None
    assert menu_count(client.get("/profiel/")) is None


def test_internal_link_is_shown(box, client_):
    ours = bericht(box.organisatie, "Met link", link=box.km.get_absolute_url())
    html = client_.get(reverse("berichtenbox:bericht", args=[ours.pk])).content.decode()
    assert f'href="{box.km.get_absolute_url()}"' in html


@pytest.mark.parametrize(
    "link", ["https://evil.nl", "//evil.nl", "/\\evil.nl", "javascript:alert(1)", "evil.nl/x"]
)
def test_an_external_link_is_never_rendered(box, client_, link):
    ours = bericht(box.organisatie, "Met link", link=link)
    html = client_.get(reverse("berichtenbox:bericht", args=[ours.pk])).content.decode()
    assert "evil.nl" not in html
    assert "javascript:" not in html


def test_text_is_escaped(box, client_):
    ours = bericht(
        box.organisatie, "<b>Onderwerp</b>", tekst="Regel één\n<script>alert(1)</script>"
    )
    html = client_.get(reverse("berichtenbox:bericht", args=[ours.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Regel één<br>" in html
    assert "<b>Onderwerp</b>" not in html
    list_html = client_.get(LIJST).content.decode()
    assert "<b>Onderwerp</b>" not in list_html


def test_list_query_count_does_not_grow_with_messages(box, client_, django_assert_max_num_queries):
    for i in range(5):
        bericht(box.organisatie, f"Bericht {i}", minutes_ago=i)
    client_.get(LIJST)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client_.get(LIJST).status_code == 200
    for i in range(5, 40):
        bericht(box.organisatie, f"Bericht {i}", minutes_ago=i)
    with django_assert_max_num_queries(len(few)):
        assert client_.get(LIJST).status_code == 200
    counts = [q["sql"] for q in few.captured_queries if "COUNT(" in q["sql"].upper()]
    unread_counts = [sql for sql in counts if "berichtenbox_bericht" in sql]
    assert len(unread_counts) <= 2  # the paginator's count and the menu's, nothing per row
    # The menu's other badge (requests to review, issue 15): one COUNT of its own.
    assert len(counts) - len(unread_counts) <= 1


def test_bericht_create_with_the_same_sleutel_creates_and_mails_once(
    box, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = bericht_create(
            organisatie=box.organisatie,
            soort=Soort.VERLENGING,
            onderwerp="Verleng uw ketenmachtiging",
            tekst="Tekst",
            sleutel="verlenging:1",
        )
    with django_capture_on_commit_callbacks(execute=True):
        second = bericht_create(
            organisatie=box.organisatie,
            soort=Soort.VERLENGING,
            onderwerp="Verleng uw ketenmachtiging",
            tekst="Tekst",
            sleutel="verlenging:1",
        )
    assert first is not None and second is None
    assert Bericht.objects.filter(sleutel="verlenging:1").count() == 1
    assert [m.to for m in mail.outbox] == [[box.beheerder.user.email]]


def test_mail_goes_only_to_beheerders_who_want_it(box, django_capture_on_commit_callbacks):
    stil = LidmaatschapFactory(organisatie=box.organisatie, rol=Rol.BEHEERDER).user
    stil.email_berichten = False
    stil.save(update_fields=["email_berichten"])
    tweede = LidmaatschapFactory(organisatie=box.organisatie, rol=Rol.BEHEERDER).user
    with django_capture_on_commit_callbacks(execute=True):
        bericht_create(
            organisatie=box.organisatie,
            soort=Soort.STATUS,
            onderwerp="Status gewijzigd",
            tekst="Tekst",
        )
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted([box.beheerder.user.email, tweede.email])
    assert box.gebruiker.user.email not in recipients
    assert box.other_beheerder.user.email not in recipients
