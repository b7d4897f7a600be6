"""No duplicates: at most one pending renewal per ketenmachtiging and one pending request per
intermediair and relatie (by KvK number, or by fiscal number for a relatie without one).

Before the constraints are added, duplicates that exist already are resolved without deleting
anything: per group the request furthest in processing is kept (received, then incomplete, then
sent, then error; the newest of equals), and every other one is ended (beëindigd) with a reason
that names the one kept, a status-history row and an audit row, as a sweep would write them.
Nobody is notified: the intermediair sees the ended duplicates in their history. Reversing the
migration drops the constraints and leaves the ended rows as they are.
"""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

PENDING = ("aanvraag_verstuurd", "aanvraag_ontvangen", "incompleet", "fout")
#: Which duplicate to keep: the one furthest in processing.
RANK = {"aanvraag_ontvangen": 0, "incompleet": 1, "aanvraag_verstuurd": 2, "fout": 3}
REDEN = "Dubbele aanvraag, beëindigd bij de upgrade; aanvraag {kenmerk} blijft staan"
FIELDS = (
    "pk",
    "status",
    "kenmerk",
    "created_at",
    "intermediair_id",
    "relatie_naam",
    "relatie_kvk_nummer",
    "relatie_rsin",
    "vernieuwing_van_id",
)


def _groups(rows, key):
    groups = {}
    for row in rows:
        k = key(row)
        if k is not None:
            groups.setdefault(k, []).append(row)
    return [g for g in groups.values() if len(g) > 1]


def _end(apps, rows, kept, now):
    Ketenmachtiging = apps.get_model("ketenmachtigingen", "Ketenmachtiging")
    StatusWijziging = apps.get_model("ketenmachtigingen", "StatusWijziging")
    AuditEntry = apps.get_model("accounts", "AuditEntry")
    reden = REDEN.format(kenmerk=kept["kenmerk"])
    for row in rows:
        Ketenmachtiging.objects.filter(pk=row["pk"], status=row["status"]).update(
            status="beeindigd", status_reden=reden, beeindigd_op=now, updated_at=now
        )
        StatusWijziging.objects.create(
            ketenmachtiging_id=row["pk"],
            van=row["status"],
            naar="beeindigd",
            reden=reden,
            timestamp=now,
        )
        AuditEntry.objects.create(
            organisatie_id=row["intermediair_id"],
            actor=None,
            actor_repr="systeem",
            timestamp=now,
            action="transition",
            kind="ketenmachtiging",
            object_type="ketenmachtigingen.ketenmachtiging",
            object_id=str(row["pk"]),
            object_repr=(
                f"{row['relatie_naam']} ({row['relatie_kvk_nummer'] or row['relatie_rsin']})"
            )[:300],
            changes={
                "status": {"old": row["status"], "new": "beeindigd"},
                "reden": {"old": None, "new": reden},
            },
            message="duplicate ended by migration",
        )


def end_duplicates(apps, schema_editor):
    Ketenmachtiging = apps.get_model("ketenmachtigingen", "Ketenmachtiging")
    now = timezone.now()
    keys = (
        lambda r: r["vernieuwing_van_id"],
        lambda r: (
            (r["intermediair_id"], r["relatie_kvk_nummer"])
            if r["intermediair_id"] and r["relatie_kvk_nummer"]
            else None
        ),
        lambda r: (
            (r["intermediair_id"], r["relatie_rsin"])
            if r["intermediair_id"] and not r["relatie_kvk_nummer"]
            else None
        ),
    )
    for key in keys:  # renewals first: ending those can resolve the other groups too
        rows = list(Ketenmachtiging.objects.filter(status__in=PENDING).values(*FIELDS))
        for group in _groups(rows, key):
            group.sort(key=lambda r: (RANK[r["status"]], -r["created_at"].timestamp(), -r["pk"]))
            _end(apps, group[1:], group[0], now)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_sessie_generatie"),
        ("diensten", "0002_zoektekst"),
        ("groepen", "0001_initial"),
        ("ketenmachtigingen", "0007_notifications_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(end_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="ketenmachtiging",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        ("aanvraag_verstuurd", "aanvraag_ontvangen", "incompleet", "fout"),
                    )
                ),
                fields=("vernieuwing_van",),
                name="km_one_pending_renewal",
            ),
        ),
        migrations.AddConstraint(
            model_name="ketenmachtiging",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        ("aanvraag_verstuurd", "aanvraag_ontvangen", "incompleet", "fout"),
                    ),
                    models.Q(("relatie_kvk_nummer", ""), _negated=True),
                ),
                fields=("intermediair", "relatie_kvk_nummer"),
                name="km_one_pending_per_kvk",
            ),
        ),
        migrations.AddConstraint(
            model_name="ketenmachtiging",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("relatie_kvk_nummer", ""),
                    (
                        "status__in",
                        ("aanvraag_verstuurd", "aanvraag_ontvangen", "incompleet", "fout"),
                    ),
                ),
                fields=("intermediair", "relatie_rsin"),
                name="km_one_pending_per_rsin",
            ),
        ),
    ]
