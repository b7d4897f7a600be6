"""The published schema is valid, and the API keeps to it: every operation is called, for its
success and for its errors, and each answer is checked against the schema
(``tests.api.contract``)."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from accounts.models import Organisatie
from api.constants import Toegang
from berichtenbox.models import Bericht
from tests.factories import (
    DienstFactory,
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
)

from .contract import CHECKED, contract_client, openapi, operations

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent
KVK_DONALD = "68750110"  # in the shipped local KvK dataset
KVK_KATRIEN = "68727720"
KVK_GOOFY = "90001354"
KVK_UNAVAILABLE = "90004973"  # the local dataset answers as an unreachable KvK
KVK_NOT_FOUND = "90002903"
KVK_UITGESCHREVEN = "96354429"

RELATIE_CONTACT = {
    "voorletters": "D.",
    "achternaam": "Duck",
    "email": "directie@donald.nl",
    "telefoon": "020 123 4567",
}
CONTACT = {
    "voorletters": "A.B.",
    "achternaam": "Pietersen",
    "email": "a.pietersen@accountants.nl",
    "telefoon": "06-12345678",
}


def test_the_schema_passes_spectacular_validation_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "ketenportal.settings.test"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "openapi: 3.1.0" in result.stdout


def test_the_schema_describes_every_resource_and_its_problems():
    schema = openapi()
    assert schema["openapi"] == "3.1.0"
    assert "webhooks" in schema  # the webhooks section stays
    assert len(operations()) == 16, sorted(operations())
    for template, method in operations():
        responses = schema["paths"][template][method]["responses"]
        for code in ("401", "429"):
            assert "application/problem+json" in responses[code]["content"], (template, code)
        if method != "get":
            assert {"400", "403"} <= set(responses), (template, method)
        if "{" in template:
            assert "404" in responses, (template, method)
    list_params = {
        p["name"] for p in schema["paths"]["/api/v1/ketenmachtigingen/"]["get"]["parameters"]
    }
    assert list_params >= {
        "tab",
        "status",
        "relatie_kvk",
        "relatie_rsin",
        "einddatum_voor",
        "einddatum_na",
        "gewijzigd_sinds",
        "cursor",
        "page_size",
    }


def test_every_operation_answers_as_its_schema_says(beheerder, organisatie, other_organisatie):
    from api.services import apikey_create

    CHECKED.clear()
    today = timezone.localdate()
    key = apikey_create(
        actor=beheerder, organisatie=organisatie, naam="Boekhouding", toegang=Toegang.SCHRIJVEN
    )[1]
    readonly = apikey_create(actor=beheerder, organisatie=organisatie, naam="Lezen")[1]
    client = contract_client(key, language="en")
    nl = contract_client(key, language="nl")
    anonymous = contract_client()
    lid = LidmaatschapFactory(organisatie=organisatie)
    groep = GroepFactory(organisatie=organisatie, algemene_bevoegdheid=False)
    dienst = DienstFactory()
    groep.diensten.add(dienst)
    groep.leden.add(lid)
    km = KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        einddatum=today + relativedelta(months=2),
        algemene_bevoegdheid=False,
        relatie_contact_voorletters="K.",
        relatie_contact_achternaam="Duck",
        relatie_contact_telefoon="+31201234567",
    )
    km.diensten.add(dienst)
    km.dienstverleners.add(dienst.dienstverlener)
    km.gebruikers.add(lid)
    km.groepen.add(groep)
    fout = KetenmachtigingFactory(intermediair=organisatie, fout=True, relatie_rsin="864877341")
    foreign = KetenmachtigingFactory(intermediair=other_organisatie, actief=True)
    bericht = Bericht.objects.create(
        organisatie=organisatie, soort="status", onderwerp="Status", tekst="Actief.", betreft=km
    )
    problems = {}

    def ok(response, status=200):
        assert response.status_code == status, response.content[:500]
        return response.json()

    def problem(response, status):
        assert response.status_code == status, response.content[:500]
        assert response["Content-Type"] == "application/problem+json"
        problems[status] = response.json()
        return response.json()

    # Lists, with and without filters; bad filters and a bad cursor.
    base = "/api/v1/ketenmachtigingen/"
    body = ok(client.get(base, {"page_size": 1}))
    assert body["next"] and body["previous"] is None
    ok(client.get(body["next"]))
    for params in (
        {"tab": "acties"},
        {"status": "fout"},
        {"relatie_kvk": km.relatie_kvk_nummer, "einddatum_na": today.isoformat()},
        {"relatie_rsin": "864877341"},
        {"einddatum_voor": (today + timedelta(days=90)).isoformat()},
        {"gewijzigd_sinds": timezone.now().isoformat()},
    ):
        ok(client.get(base, params))
    problem(client.get(base, {"tab": "alles", "einddatum_voor": "gisteren"}), 400)
    problem(client.get(base, {"cursor": "niet-een-cursor"}), 404)
    ok(client.get("/api/v1/diensten/", {"q": "Dienst", "dienstverlener": dienst.dienstverlener_id}))
    problem(client.get("/api/v1/diensten/", {"dienstverlener": "x"}), 400)
    ok(client.get("/api/v1/dienstverleners/"))
    ok(client.get("/api/v1/gebruikers/", {"q": lid.user.last_name}))
    ok(client.get("/api/v1/groepen/"))
    ok(client.get("/api/v1/berichten/", {"soort": "status"}))
    problem(client.get("/api/v1/berichten/", {"soort": "x"}), 400)

    # Details, and ids that are not there (or not ours).
    ok(client.get(f"{base}{km.pk}/"))
    problem(client.get(f"{base}{foreign.pk}/"), 404)
    ok(client.get(f"/api/v1/gebruikers/{lid.pk}/"))
    problem(client.get("/api/v1/gebruikers/999999/"), 404)
    ok(client.get(f"/api/v1/groepen/{groep.pk}/"))
    problem(client.get("/api/v1/groepen/999999/"), 404)
    ok(client.get(f"/api/v1/berichten/{bericht.pk}/"))
    problem(client.get("/api/v1/berichten/999999/"), 404)
    assert ok(client.post(f"/api/v1/berichten/{bericht.pk}/gelezen/"))["gelezen_op"]
    problem(client.post("/api/v1/berichten/999999/gelezen/"), 404)

    # The KvK lookup: found, a wrong number, unknown, no longer registered, unreachable.
    ok(client.get(f"/api/v1/relaties/{KVK_DONALD}/"))
    problem(client.get("/api/v1/relaties/1234/"), 400)
    problem(client.get(f"/api/v1/relaties/{KVK_NOT_FOUND}/"), 404)
    problem(client.get(f"/api/v1/relaties/{KVK_UITGESCHREVEN}/"), 422)
    problem(client.get(f"/api/v1/relaties/{KVK_UNAVAILABLE}/"), 503)

    # Request: created, refused per field, duplicate, a rule, the KvK unreachable.
    aanvraag = {
        "relatie": {"kvk_nummer": KVK_DONALD},
        "scope": {"diensten": [dienst.pk]},
        "gebruikers": [lid.pk],
        "groepen": [groep.pk],
        "contact": CONTACT,
        "relatie_contact": RELATIE_CONTACT,
        "akkoord_kosten": True,
    }
    ok(client.post(base, aanvraag, format="json"), 201)
    problem(client.post(base, aanvraag, format="json"), 409)
    problem(client.post(base, {**aanvraag, "akkoord_kosten": False}, format="json"), 400)
    problem(nl.post(base, {"relatie": {}}, format="json"), 400)
    # The organisation cannot ask itself (a rule of the service: 422).
    Organisatie.objects.filter(pk=organisatie.pk).update(kvk_nummer=KVK_GOOFY)
    problem(
        client.post(base, {**aanvraag, "relatie": {"kvk_nummer": KVK_GOOFY}}, format="json"), 422
    )
    problem(
        client.post(base, {**aanvraag, "relatie": {"kvk_nummer": KVK_UNAVAILABLE}}, format="json"),
        503,
    )

    # Register as approved: created, duplicate, a wrong supplier.
    registratie = {
        "relatie": {"kvk_nummer": KVK_KATRIEN},
        "scope": {"algemene_bevoegdheid": True},
        "leverancier": "KPN",
    }
    ok(client.post(f"{base}registreren/", registratie, format="json"), 201)
    problem(client.post(f"{base}registreren/", registratie, format="json"), 409)
    problem(
        client.post(
            f"{base}registreren/",
            {**registratie, "relatie": {"kvk_nummer": KVK_GOOFY}, "leverancier": "Niemand"},
            format="json",
        ),
        400,
    )

    # Renew: done, asked already, not due, a bad body.
    problem(client.post(f"{base}{km.pk}/verlengen/", {}, format="json"), 400)
    renewal = ok(
        client.post(
            f"{base}{km.pk}/verlengen/", {"akkoord_kosten": True, "contact": CONTACT}, format="json"
        ),
        201,
    )
    assert renewal["vernieuwing_van"] == km.pk
    problem(client.post(f"{base}{km.pk}/verlengen/", {"akkoord_kosten": True}, format="json"), 409)
    problem(
        client.post(f"{base}{fout.pk}/verlengen/", {"akkoord_kosten": True}, format="json"), 422
    )

    # End: a bad date, on a date, then again (a date is set already), withdraw a request.
    problem(
        client.post(f"{base}{km.pk}/beeindigen/", {"einddatum": "1-1-2020"}, format="json"), 400
    )
    einddatum = (today + timedelta(days=10)).isoformat()
    ended = ok(client.post(f"{base}{km.pk}/beeindigen/", {"einddatum": einddatum}, format="json"))
    assert ended["einde_gepland_op"] == einddatum
    problem(client.post(f"{base}{km.pk}/beeindigen/", {}, format="json"), 422)
    assert (
        ok(client.post(f"{base}{fout.pk}/beeindigen/", {}, format="json"))["status"] == "beeindigd"
    )
    problem(client.post(f"{base}{fout.pk}/beeindigen/", {}, format="json"), 422)

    # Keys: none, read only; a method the URL does not have; too many requests.
    for template, method in operations():
        path = template.replace("{id}", str(km.pk)).replace("{kvk}", KVK_DONALD)
        problem(getattr(anonymous, method)(path), 401)
    problem(contract_client(readonly).post(base, aanvraag, format="json"), 403)
    problem(client.delete(f"{base}{km.pk}/"), 405)
    from django.test import override_settings

    with override_settings(API_RATE_LIMIT="1/min"):
        fresh = contract_client(
            apikey_create(actor=beheerder, organisatie=organisatie, naam="Snel")[1]
        )
        fresh.get("/api/v1/dienstverleners/")
        assert problem(fresh.get("/api/v1/dienstverleners/"), 429)["retry_after"] > 0

    # Every operation answered, with success and with a problem, as the schema says.
    done = {(t, m) for t, m, code in CHECKED if code < 300}
    assert done == operations(), operations() - done
    failed = {(t, m) for t, m, code in CHECKED if code >= 400}
    assert failed >= operations()
    assert set(problems) == {400, 401, 403, 404, 405, 409, 422, 429, 503}
