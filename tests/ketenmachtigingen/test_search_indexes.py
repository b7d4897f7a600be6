"""The overview's search on PostgreSQL reads its matches from indexes (migration
``0015_search_indexes``, issue 17), and finds the same rows as without them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketenmachtigingen.models import Ketenmachtiging
from ketenmachtigingen.selectors import (
    backoffice_search,
    ketenmachtigingen_for,
    search_counts,
    tab_counts,
)
from tests.factories import KetenmachtigingFactory, OrganisatieFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

SEARCH_INDEXES = {"km_search_naam_trgm", "km_search_referentie_trgm", "km_search_kenmerk_idx"}
TABLE = Ketenmachtiging._meta.db_table
#: Made by SQL from one row: the planner prefers the indexes only on a table of some size.
COPIES = 20_000


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE])
        return {name for (name,) in cursor.fetchall()}


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


def _copies(template: Ketenmachtiging, ander, *, together: bool = False) -> None:
    """COPIES active rows like ``template``, every other one of ``ander`` (``together``: the
    second half, so each office's rows lie side by side in the table, as an office's import
    leaves them), each with its own name, reference, kenmerk and KvK number."""
    theirs = f"g > {COPIES // 2}" if together else "g %% 2 = 0"
    replaced = {
        "relatie_naam": "'Relatie ' || lpad(g::text, 5, '0') || ' B.V.'",
        "referentie": "'dossier-' || lpad(g::text, 5, '0')",
        "kenmerk": "'KM-T' || lpad(g::text, 5, '0')",
        "relatie_kvk_nummer": "(20000000 + g)::text",
        "intermediair_id": f"CASE WHEN {theirs} THEN {ander.pk} ELSE intermediair_id END",
    }
    columns = [f.column for f in Ketenmachtiging._meta.concrete_fields if f.column != "id"]
    select = ", ".join(replaced.get(column, column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({', '.join(columns)}) SELECT {select} "
            f"FROM {TABLE}, generate_series(1, {COPIES}) AS g WHERE id = %s",
            [template.pk],
        )
        # As autovacuum would: the new entries out of the trigram indexes' pending lists, and
        # statistics (a test runs in a transaction, where VACUUM cannot).
        for index in ("km_search_naam_trgm", "km_search_referentie_trgm"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute(f"ANALYZE {TABLE}")


def test_the_migration_made_the_search_indexes():
    assert SEARCH_INDEXES <= _index_names()


def test_a_search_is_read_from_the_indexes_and_finds_what_it_should():
    organisatie, ander = OrganisatieFactory(), OrganisatieFactory()
    today = timezone.localdate()
    template = KetenmachtigingFactory(intermediair=organisatie, actief=True)
    _copies(template, ander)
    own = Ketenmachtiging.objects.filter(intermediair=organisatie).exclude(pk=template.pk)
    own.filter(kenmerk="KM-T00001").update(relatie_naam="Bakkerij Zeldzaam B.V.")
    own.filter(kenmerk="KM-T00003").update(referentie="klant zeldzaam")
    own.filter(kenmerk="KM-T00005").update(kenmerk="KM-ZELDZAAM")
    Ketenmachtiging.objects.filter(kenmerk="KM-T00006").update(relatie_naam="Zeldzaam elders")

    found = ketenmachtigingen_for(organisatie=organisatie, q="zeldzaam", today=today)
    assert sorted(km.relatie_naam for km in found) == [
        "Bakkerij Zeldzaam B.V.",
        "Relatie 00003 B.V.",
    ]
    by_kenmerk = ketenmachtigingen_for(organisatie=organisatie, q="km-zeldzaam", today=today)
    assert [km.relatie_naam for km in by_kenmerk] == ["Relatie 00005 B.V."]
    assert search_counts(organisatie=organisatie, q="zeldzaam", today=today)["actief"] == 2
    searched = backoffice_search(q="zeldzaam", status="actief")
    assert {km.relatie_naam for km in searched} == {
        "Bakkerij Zeldzaam B.V.",
        "Relatie 00003 B.V.",
        "Zeldzaam elders",
    }

    # Neither the organisation's 10,000 rows nor the whole table is read to find three.
    for queryset in (found, searched):
        plan = _plan(queryset)
        assert "Seq Scan" not in plan, plan
        for index in SEARCH_INDEXES:
            assert index in plan, plan


@pytest.mark.django_db(transaction=True)
def test_the_tab_counts_are_read_from_the_covering_index_alone():
    """The counts of an office's tabs read only ``km_tab_counts_idx`` (an index-only scan),
    not the table: every column the tabs' conditions use is in it, and the intermediair has
    no index of its own for the planner to prefer (migration 0016; on the load test's data it
    did). VACUUM, as autovacuum would, needs a test outside a transaction."""
    organisatie, ander = OrganisatieFactory(), OrganisatieFactory()
    _copies(KetenmachtigingFactory(intermediair=organisatie, actief=True), ander, together=True)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {TABLE}")
    with CaptureQueriesContext(connection) as queries:
        counts = tab_counts(organisatie=organisatie)
    assert counts["actief"] == COPIES // 2 + 1
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {queries[0]['sql']}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Index Only Scan using km_tab_counts_idx" in plan, plan
