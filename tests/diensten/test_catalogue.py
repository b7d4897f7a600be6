"""Importing the eHerkenning service catalogue: formats, updates, withdrawals, hostile files."""

import io
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from accounts.constants import EHNiveau
from diensten.catalogue import CatalogueError, parse_catalogue
from diensten.constants import Intermediation
from diensten.models import Dienst, Dienstverlener
from diensten.services import catalogus_import
from tests.diensten.catalogues import BD, NS11, U1, U2, U3, U4, UWV, basic, catalogue, service

pytestmark = pytest.mark.django_db
SHIPPED = Path(__file__).resolve().parents[2] / "diensten" / "data" / "dienstencatalogus.xml"


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here; test_messages_are_dutch_by_default checks Dutch."""
    with translation.override("en"):
        yield


def run(data: bytes):
    return catalogus_import(actor=None, source=io.BytesIO(data))


def test_import_creates_providers_and_services_in_both_languages():
    result = run(basic())
    assert (result.new, result.changed, result.withdrawn) == (4, 0, 0)
    bd = Dienstverlener.objects.get(oin=BD)
    assert (bd.naam_nl, bd.naam_en) == ("Belastingdienst", "Tax Administration")
    vat = Dienst.objects.get(uuid=U1)
    assert (vat.naam_nl, vat.naam_en, vat.omschrijving_nl) == (
        "Omzetbelasting",
        "VAT",
        "Aangifte doen",
    )
    assert vat.eh_niveau == EHNiveau.EH3 and vat.usable_via_ketenmachtiging
    assert Dienst.objects.get(uuid=U2).eh_niveau == EHNiveau.EH4
    verzuim = Dienst.objects.get(uuid=U3)
    assert verzuim.eh_niveau == EHNiveau.EH2_PLUS
    assert verzuim.intermediation == Intermediation.NONE  # no ServiceIntermediation element
    assert not verzuim.usable_via_ketenmachtiging
    assert Dienst.objects.get(uuid=U4).intermediation == Intermediation.SERVICE_PROVIDER_ONLY


def test_the_older_namespace_is_read_too():
    result = run(catalogue([(BD, "Belastingdienst", "", [service(U1, "Omzetbelasting")])], ns=NS11))
    assert result.new == 1


def test_second_run_changes_nothing():
    run(basic())
    before = list(Dienst.objects.values_list("uuid", "updated_at", "aangeboden"))
    result = run(basic())
    assert (result.new, result.changed, result.withdrawn, result.unchanged) == (0, 0, 0, 4)
    assert list(Dienst.objects.values_list("uuid", "updated_at", "aangeboden")) == before


def test_changes_are_applied_and_counted():
    run(basic())
    changed = catalogue(
        [
            (
                BD,
                "Belastingdienst",
                "Tax Administration",
                [
                    service(
                        U1, "Omzetbelasting (nieuw)", name_en="VAT", description="Aangifte doen"
                    ),
                    service(U2, "Loonheffingen", name_en="Payroll taxes", level="3"),
                ],
            ),
            (
                UWV,
                "UWV",
                "",
                [
                    service(U3, "Verzuim melden", level="2plus", intermediation="generalAvailable"),
                    service(U4, "Ontslagaanvraag", intermediation="serviceProviderOnly"),
                ],
            ),
        ]
    )
    result = run(changed)
    assert (result.new, result.changed, result.withdrawn) == (0, 3, 0)
    assert Dienst.objects.get(uuid=U1).naam_nl == "Omzetbelasting (nieuw)"
    assert Dienst.objects.get(uuid=U2).eh_niveau == EHNiveau.EH3
    assert Dienst.objects.get(uuid=U3).usable_via_ketenmachtiging


def test_disappeared_services_are_withdrawn_not_deleted_and_can_return():
    run(basic())
    smaller = catalogue(
        [
            (
                BD,
                "Belastingdienst",
                "Tax Administration",
                [service(U1, "Omzetbelasting", name_en="VAT", description="Aangifte doen")],
            )
        ]
    )
    result = run(smaller)
    assert result.withdrawn == 3
    assert Dienst.objects.count() == 4
    withdrawn = Dienst.objects.get(uuid=U2)
    assert not withdrawn.aangeboden and withdrawn.ingetrokken_op is not None
    assert not withdrawn.usable_via_ketenmachtiging
    assert not Dienstverlener.objects.get(oin=UWV).aangeboden
    assert run(smaller).withdrawn == 0
    result = run(basic())
    assert result.changed == 3
    assert Dienst.objects.get(uuid=U2).aangeboden


def test_the_most_permissive_instance_wins():
    extra_instance = (
        "<esc:ServiceInstance><esc:ServiceID>x</esc:ServiceID>"
        f"<esc:ServiceUUID>{uuid.uuid4()}</esc:ServiceUUID>"
        f"<esc:InstanceOfService>{U4}</esc:InstanceOfService>"
        '<esc:ServiceIntermediation esc:intermediationAllowed="generalAvailable"/>'
        "</esc:ServiceInstance>"
    ).encode()
    # Add it to the last provider (UWV), which defines U4.
    head, closing, tail = basic().rpartition(b"</esc:ServiceProvider>")
    run(head + extra_instance + closing + tail)
    assert Dienst.objects.get(uuid=U4).intermediation == Intermediation.GENERAL


HOSTILE = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><esc:ServiceCatalogue xmlns:esc="urn:etoegang:1.13:service-catalog">&lol2;</esc:ServiceCatalogue>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><esc:ServiceCatalogue xmlns:esc="urn:etoegang:1.13:service-catalog">&xxe;</esc:ServiceCatalogue>',
    "external dtd": b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:6379/evil.dtd"><esc:ServiceCatalogue xmlns:esc="urn:etoegang:1.13:service-catalog"/>',
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_are_refused(name):
    with pytest.raises(CatalogueError) as excinfo:
        run(HOSTILE[name])
    assert "DTD" in str(excinfo.value) or "entit" in str(excinfo.value)
    assert not Dienst.objects.exists()


@pytest.mark.parametrize(
    "data,line,fragment",
    [
        (b"<?xml version='1.0'?>\n<a>\n<b></a>", 3, "well-formed"),
        (b"<html><body>hi</body></html>", 1, "not an eHerkenning service catalogue"),
        (b"", None, "empty"),
    ],
)
def test_malformed_and_foreign_files_name_line_and_reason(data, line, fragment):
    with pytest.raises(CatalogueError) as excinfo:
        run(data)
    assert excinfo.value.line == line
    assert fragment in str(excinfo.value)


def test_a_bad_service_late_in_the_file_writes_nothing():
    good = [service(f"{n:08d}-1111-4111-8111-111111111111", f"Dienst {n}") for n in range(10)]
    bad = service(
        "55555555-5555-4555-8555-555555555555",
        "Kapot",
        level="urn:etoegang:core:assurance-class:loa1",
    )
    data = catalogue([(BD, "Belastingdienst", "", [*good, bad])])
    with pytest.raises(CatalogueError) as excinfo:
        run(data)
    assert "loa1" in str(excinfo.value)
    assert excinfo.value.line > 10
    assert not Dienst.objects.exists() and not Dienstverlener.objects.exists()


@pytest.mark.parametrize(
    "old,new,fragment",
    [
        (
            f"<esc:ServiceProviderID>{BD}</esc:ServiceProviderID>".encode(),
            b"<esc:ServiceProviderID>123</esc:ServiceProviderID>",
            "20 digits",
        ),
        (
            f"<esc:ServiceUUID>{U1}</esc:ServiceUUID>".encode(),
            b"<esc:ServiceUUID>not-a-uuid</esc:ServiceUUID>",
            "not a valid UUID",
        ),
        (
            f"<esc:ServiceUUID>{U2}</esc:ServiceUUID>".encode(),
            f"<esc:ServiceUUID>{U1}</esc:ServiceUUID>".encode(),
            "appears twice",
        ),
        (b'intermediationAllowed="generalAvailable"', b'intermediationAllowed="always"', "always"),
    ],
)
def test_invalid_content_is_refused(old, new, fragment):
    data = basic().replace(old, new, 1)
    assert data != basic()
    with pytest.raises(CatalogueError) as excinfo:
        run(data)
    assert fragment in str(excinfo.value)
    assert not Dienst.objects.exists()


def test_command_reports_counts_and_errors(tmp_path, capsys):
    path = tmp_path / "catalogus.xml"
    path.write_bytes(basic())
    call_command("import_dienstencatalogus", str(path), language="en")
    assert "New: 4, changed: 0, withdrawn: 0" in capsys.readouterr().out
    call_command("import_dienstencatalogus", str(path), language="en")
    assert "New: 0, changed: 0, withdrawn: 0, unchanged: 4" in capsys.readouterr().out
    path.write_bytes(b"<x>")
    with pytest.raises(CommandError, match="Line 1") as excinfo:
        call_command("import_dienstencatalogus", str(path), language="en")
    assert str(excinfo.value).endswith(". Nothing was imported.")
    assert ".." not in str(excinfo.value)
    with pytest.raises(CommandError):
        call_command("import_dienstencatalogus", str(tmp_path / "missing.xml"), language="en")


def test_command_speaks_the_portals_language_throughout(tmp_path, capsys):
    """Dutch by default (LANGUAGE_CODE), every part of it: no English tail after a Dutch
    reason, and one full stop between them."""
    path = tmp_path / "catalogus.xml"
    path.write_bytes(basic())
    call_command("import_dienstencatalogus", str(path))
    assert "Nieuw: 4, gewijzigd: 0, ingetrokken: 0, ongewijzigd: 0." in capsys.readouterr().out
    path.write_bytes(b"<x>")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_dienstencatalogus", str(path))
    message = str(excinfo.value)
    assert message.startswith(f"{path}: Regel 1: ")
    assert message.endswith(". Er is niets geïmporteerd.") and ".." not in message


def test_shipped_catalogue_is_realistic():
    with SHIPPED.open("rb") as source:
        providers = parse_catalogue(source)
    diensten = [d for p in providers for d in p.diensten]
    assert 20 <= len(providers) <= 35
    assert 100 <= len(diensten) <= 160
    assert {d.eh_niveau for d in diensten} >= {EHNiveau.EH2_PLUS, EHNiveau.EH3, EHNiveau.EH4}
    usable = [d for d in diensten if d.intermediation in ("generalAvailable", "requiresApproval")]
    assert 0 < len(usable) < len(diensten)
    names = {p.naam_nl for p in providers}
    assert {"Belastingdienst", "UWV", "A.S.R."} <= names
    assert all(p.naam_en for p in providers)


def test_messages_are_dutch_by_default():
    with translation.override("nl"), pytest.raises(CatalogueError) as excinfo:
        run(b"<?xml version='1.0'?>\n<a>\n<b></a>")
    assert str(excinfo.value).startswith("Regel 3: ")
