"""Uploaded spreadsheets leave nothing behind that is not needed: a refused file is deleted at
once (the page says "Er is niets opgeslagen"), the file of a finished import after
``IMPORT_RETENTION_DAYS``; and the result lists each row's message once, in either language."""

import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.constants import AuditAction
from accounts.models import AuditEntry
from ketenmachtigingen import services
from ketenmachtigingen.constants import ImportStatus
from ketenmachtigingen.imports import build_template
from ketenmachtigingen.jobs import run_sweeps, sweep_import_bestanden
from ketenmachtigingen.models import Import
from ketenmachtigingen.tasks import run_sweeps_task
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db
IMPORT = reverse("ketenmachtigingen:import")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def workbook(rows) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(build_template()))
    ws = wb["Bedrijven"]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client, content: bytes, name="relaties.xlsx"):
    return client.post(IMPORT, {"bestand": SimpleUploadedFile(name, content, content_type=XLSX)})


# --- Refused uploads -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content,name",
    [
        (b"KVK-nummer;Achternaam\n68750110;Duck\n", "relaties.xlsx"),  # a CSV renamed
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "relaties.xlsx"),  # an old .xls
        (b"whatever", "relaties.csv"),
    ],
)
def test_a_refused_upload_stores_nothing(
    world, client_, settings, django_capture_on_commit_callbacks, content, name
):
    before = Import.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_, content, name=name)

    assert response.status_code == 400
    assert response.context["form"].errors["bestand"]
    assert "Er is niets opgeslagen" in response.content.decode()
    assert Import.objects.count() == before
    assert stored_files(settings) == []


def test_a_file_without_the_columns_is_refused_and_not_stored(
    world, client_, settings, django_capture_on_commit_callbacks
):
    wb = openpyxl.Workbook()
    wb.active.append(["Naam", "Adres"])
    out = io.BytesIO()
    wb.save(out)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_, out.getvalue())

    assert response.status_code == 400
    assert "KVK-nummer" in str(response.context["form"].errors["bestand"])
    assert (
        not Import.objects.filter(organisatie=world.organisatie, bestandsnaam="relaties.xlsx")
        .exclude(pk=world.imp.pk)
        .exists()
    )
    assert stored_files(settings) == []


def test_a_file_refused_by_the_reading_task_is_deleted_with_its_record(
    world, settings, django_capture_on_commit_callbacks
):
    imp = Import(organisatie=world.organisatie, bestandsnaam="relaties.xlsx")
    imp.bestand.save("import.xlsx", ContentFile(b"not a workbook"), save=False)
    imp.save()
    path = Path(imp.bestand.path)
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.import_read(import_id=imp.pk)

    assert not Import.objects.filter(pk=imp.pk).exists()
    assert not path.exists()
    entry = AuditEntry.objects.get(object_type="ketenmachtigingen.import", object_id=str(imp.pk))
    assert entry.action == AuditAction.DELETE and entry.organisatie == world.organisatie


def test_an_accepted_upload_is_stored_and_read(
    world, client_, settings, django_capture_on_commit_callbacks
):
    rows = [["68750110", "D.", "", "Duck", "d@donald.nl", "0612345678", ""]]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_, workbook(rows))

    imp = Import.objects.filter(organisatie=world.organisatie).order_by("-pk").first()
    assert response["Location"] == imp.get_absolute_url()
    assert imp.status == ImportStatus.GELEZEN and Path(imp.bestand.path).exists()


# --- The retention of stored files -----------------------------------------------------------


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the cleanup as the periodic jobs do: its file deletions happen after commit."""

    def run(function=None, *args):
        with django_capture_on_commit_callbacks(execute=True):
            if function is None:
                return sweep_import_bestanden(timezone.now())
            return function(*args)

    return run


def stored_import(world, *, status, days_old, **extra) -> Import:
    imp = Import(
        organisatie=world.organisatie,
        bestandsnaam="relaties.xlsx",
        status=status,
        resultaat={"aangemaakt": [{"rij": 2, "naam": "X", "kenmerk": "KM-1", "id": 1}]},
        **extra,
    )
    imp.bestand.save("import.xlsx", ContentFile(b"PK..."), save=False)
    imp.save()
    Import.objects.filter(pk=imp.pk).update(
        created_at=timezone.now() - timedelta(days=days_old),
        updated_at=timezone.now() - timedelta(days=days_old),
    )
    imp.refresh_from_db()
    return imp


def test_files_of_finished_imports_are_deleted_after_the_retention_period(world, settings, sweep):
    settings.IMPORT_RETENTION_DAYS = 30
    old = stored_import(world, status=ImportStatus.KLAAR, days_old=31)
    old_preview = stored_import(world, status=ImportStatus.GELEZEN, days_old=45)
    young = stored_import(world, status=ImportStatus.KLAAR, days_old=29)
    busy = stored_import(world, status=ImportStatus.VERWERKEN, days_old=60)
    paths = {imp.pk: Path(imp.bestand.path) for imp in (old, old_preview, young, busy)}

    assert sweep() == 2

    for imp in (old, old_preview):
        imp.refresh_from_db()
        assert not imp.bestand and not paths[imp.pk].exists()
        assert imp.resultaat["aangemaakt"][0]["kenmerk"] == "KM-1"  # the record stays
        entry = AuditEntry.objects.get(
            object_type="ketenmachtigingen.import", object_id=str(imp.pk)
        )
        assert entry.action == AuditAction.UPDATE and entry.actor is None
        assert entry.organisatie == world.organisatie
    for imp in (young, busy):
        imp.refresh_from_db()
        assert imp.bestand and paths[imp.pk].exists()

    # Twice changes nothing more.
    assert sweep() == 0
    assert AuditEntry.objects.filter(object_type="ketenmachtigingen.import").count() == 2


def test_the_retention_period_is_a_setting(world, settings, sweep):
    settings.IMPORT_RETENTION_DAYS = 7
    imp = stored_import(world, status=ImportStatus.KLAAR, days_old=8)

    assert sweep() == 1
    imp.refresh_from_db()
    assert not imp.bestand


def test_a_file_already_gone_is_no_error(world, settings, sweep):
    settings.IMPORT_RETENTION_DAYS = 30
    imp = stored_import(world, status=ImportStatus.KLAAR, days_old=31)
    Path(imp.bestand.path).unlink()

    assert sweep() == 1
    imp.refresh_from_db()
    assert not imp.bestand


def test_a_refused_import_left_from_before_is_deleted_entirely(world, settings, sweep):
    imp = stored_import(world, status=ImportStatus.MISLUKT, days_old=0, fout="Geen .xlsx")
    path = Path(imp.bestand.path)

    sweep()

    assert not Import.objects.filter(pk=imp.pk).exists() and not path.exists()


def test_the_periodic_jobs_run_the_cleanup(world, settings, sweep):
    settings.IMPORT_RETENTION_DAYS = 30
    first = stored_import(world, status=ImportStatus.KLAAR, days_old=40)
    assert sweep(run_sweeps)["import_bestanden"] == 1
    first.refresh_from_db()
    assert not first.bestand

    second = stored_import(world, status=ImportStatus.KLAAR, days_old=40)
    second_path = Path(second.bestand.path)
    sweep(call_command, "run_jobs")
    assert not second_path.exists()

    third = stored_import(world, status=ImportStatus.KLAAR, days_old=40)
    assert sweep(run_sweeps_task)["import_bestanden"] == 1
    third.refresh_from_db()
    assert not third.bestand


def test_the_setting_defaults_to_30_days():
    from pathlib import Path as P

    base = (P(__file__).resolve().parents[2] / "ketenportal/settings/base.py").read_text()
    assert 'IMPORT_RETENTION_DAYS = env.int("IMPORT_RETENTION_DAYS", default=30)' in base


# --- Each row's message once -----------------------------------------------------------------


@pytest.mark.parametrize("taal,label,other", [("nl", "Rij", "Row"), ("en", "Row", "Rij")])
def test_the_result_names_each_row_once(
    world, client_, django_capture_on_commit_callbacks, taal, label, other
):
    world.beheerder.user.taal = taal
    world.beheerder.user.save(update_fields=["taal"])
    rows = [
        ["68750110", "D.", "", "Duck", "d@donald.nl", "0612345678", ""],
        ["69599084", "", "", "Kraan", "k@kraan.nl", "0612345679", ""],  # no initials: row 3
    ]
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_, workbook(rows))
    imp = Import.objects.filter(organisatie=world.organisatie).order_by("-pk").first()
    [problem] = imp.problemen
    assert problem["rij"] == 3
    assert not problem["reden"].startswith(("Rij", "Row"))

    preview = client_.get(imp.get_absolute_url()).content.decode()
    assert f"{label} 3:" not in preview and f"{other} 3:" not in preview

    Import.objects.filter(pk=imp.pk).update(
        status=ImportStatus.KLAAR,
        resultaat={"aangemaakt": [], "overgeslagen": [], "mislukt": []},
    )
    result = client_.get(imp.get_absolute_url()).content.decode()
    assert result.count(f"{label} 3:") == 1
    assert f"{label} 3: {label} 3" not in result
    assert f"{other} 3:" not in result
