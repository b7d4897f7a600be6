"""The overview's search (``selectors._search``) at 20,000 ketenmachtigingen (issue 17).

The search compares ``UPPER(relatie_naam) LIKE UPPER('%term%')``, the same on ``referentie``,
and ``UPPER(kenmerk) = UPPER(term)`` (Django's ``icontains`` and ``iexact`` on PostgreSQL). With
an index on each of the three expressions, PostgreSQL reads the matches from the indexes (one
bitmap per expression, OR-ed, then AND-ed with the intermediair's rows) instead of testing every
row of the intermediair; and, as important, ANALYZE keeps statistics on the indexed expressions,
so the planner knows how many rows a term matches: with them it reads a sorted page of the
search in index order and stops after 50 rows (28-40 ms to 6 ms at 20,000 for "jansen"; the
counts per tab 28-40 ms to 18 ms).

PostgreSQL only: trigram indexes (``pg_trgm``, a trusted extension since PostgreSQL 13, so the
database's owner may create it) do not exist elsewhere; SQLite, the embedded default, is left as
it is.
"""

from django.db import migrations

TABLE = "ketenmachtigingen_ketenmachtiging"

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS km_search_naam_trgm ON {TABLE} "
    "USING gin (UPPER(relatie_naam::text) gin_trgm_ops)",
    f"CREATE INDEX IF NOT EXISTS km_search_referentie_trgm ON {TABLE} "
    "USING gin (UPPER(referentie::text) gin_trgm_ops)",
    f"CREATE INDEX IF NOT EXISTS km_search_kenmerk_idx ON {TABLE} (UPPER(kenmerk::text))",
    # Statistics on the new expressions now: without them the planner guesses that a term
    # matches a few dozen rows, sorts every match, and the page takes three times as long until
    # autovacuum's next ANALYZE of the table (which may be days on a quiet table).
    f"ANALYZE {TABLE}",
]
DROP = [
    "DROP INDEX IF EXISTS km_search_naam_trgm",
    "DROP INDEX IF EXISTS km_search_referentie_trgm",
    "DROP INDEX IF EXISTS km_search_kenmerk_idx",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("ketenmachtigingen", "0014_relation_labels_in_english"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
