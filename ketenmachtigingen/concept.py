"""The request being put together in the "Voeg toe" wizard, kept in the session.

One concept per organisation, so a beheerder of several organisations can work on two at once.
Only plain values are stored (ids, strings); everything is checked again when the request is
finally sent or registered.
"""

from dataclasses import asdict

from django.http import HttpRequest

from diensten.scope import Scope, scope_of

from .constants import DEFAULT_LOOPTIJD, Status
from .models import Ketenmachtiging
from .services import Relatie

SESSION_KEY = "ketenmachtiging_concept"


class Concept:
    def __init__(self, request: HttpRequest, *, kind: str = "aanvraag") -> None:
        self.request = request
        self.key = f"{kind}:{request.organisatie.pk}"
        self.data: dict = dict(request.session.get(SESSION_KEY, {}).get(self.key, {}))

    # --- Reading ---------------------------------------------------------------------------
    @property
    def relatie(self) -> Relatie | None:
        data = self.data.get("relatie")
        return Relatie(**data) if data else None

    @property
    def scope(self) -> Scope | None:
        data = self.data.get("scope")
        if data is None:
            return None
        if data.get("algemeen"):
            return Scope.algemene_bevoegdheid()
        return Scope.of(
            dienstverleners=data.get("dienstverleners", []), diensten=data.get("diensten", [])
        )

    @property
    def gebruiker_ids(self) -> list[int]:
        return list(self.data.get("gebruikers", []))

    @property
    def groep_ids(self) -> list[int]:
        return list(self.data.get("groepen", []))

    @property
    def has_gebruikers_step(self) -> bool:
        return "gebruikers" in self.data

    @property
    def looptijd(self) -> int:
        return int(self.data.get("looptijd", DEFAULT_LOOPTIJD))

    @property
    def has_duur_step(self) -> bool:
        return "looptijd" in self.data

    @property
    def referentie(self) -> str:
        return self.data.get("referentie", "")

    @property
    def vernieuwing_van_id(self) -> int | None:
        return self.data.get("vernieuwing_van")

    @property
    def vervangt_id(self) -> int | None:
        """The failed request that the new one replaces (withdrawn when it is sent)."""
        return self.data.get("vervangt")

    @property
    def import_id(self) -> int | None:
        return self.data.get("import")

    @property
    def import_count(self) -> int:
        return int(self.data.get("import_count", 0))

    @property
    def contacten(self) -> dict:
        return dict(self.data.get("contacten", {}))

    def current_step(self) -> int:
        if self.relatie is None and self.import_id is None:
            return 1
        if self.scope is None:
            return 2
        if not self.has_gebruikers_step:
            return 3
        if not self.has_duur_step:
            return 4
        return 5

    @property
    def complete(self) -> bool:
        return self.current_step() == 5

    # --- Writing ---------------------------------------------------------------------------
    def set_import(self, import_id: int, count: int) -> None:
        """Step 1 done by a spreadsheet: many companies instead of one."""
        self.data = {"import": import_id, "import_count": count}

    def set_relatie(self, relatie: Relatie) -> None:
        self.data.pop("import", None)
        self.data.pop("import_count", None)
        if self.relatie != relatie:
            # Another company: what was chosen for the previous one may not fit.
            # A failed request of the previous company is no longer replaced (``vervangt``).
            self.data = {k: v for k, v in self.data.items() if k in ("vernieuwing_van",)}
        self.data["relatie"] = asdict(relatie)

    def set_scope(self, scope: Scope) -> None:
        self.data["scope"] = {
            "algemeen": scope.algemeen,
            "dienstverleners": sorted(scope.dienstverlener_ids),
            "diensten": sorted(scope.dienst_ids),
        }

    def set_gebruikers(self, gebruiker_ids: list[int], groep_ids: list[int]) -> None:
        self.data["gebruikers"] = sorted(gebruiker_ids)
        self.data["groepen"] = sorted(groep_ids)

    def set_duur(self, looptijd: int, referentie: str) -> None:
        self.data["looptijd"] = looptijd
        self.data["referentie"] = referentie

    def set_vernieuwing(self, km_id: int, contacten: dict) -> None:
        self.data["vernieuwing_van"] = km_id
        self.data["contacten"] = contacten

    def set_contacten(self, contacten: dict) -> None:
        self.data["contacten"] = contacten

    def start_again(
        self, km: Ketenmachtiging, *, gebruiker_ids: list[int], groep_ids: list[int]
    ) -> None:
        """Vraag opnieuw aan: every step filled in as ``km`` was requested (the users and groups
        that can still be linked are chosen by the caller); a new request, not a renewal."""
        self.data = {}
        self.set_relatie(Relatie.from_ketenmachtiging(km))
        self.set_scope(scope_of(km))
        self.set_gebruikers(gebruiker_ids, groep_ids)
        self.set_duur(km.looptijd_jaren, km.referentie)
        contacten = {
            "voorletters": km.contact_voorletters,
            "tussenvoegsel": km.contact_tussenvoegsel,
            "achternaam": km.contact_achternaam,
            "email": km.contact_email,
            "telefoon": km.contact_telefoon,
            "relatie_voorletters": km.relatie_contact_voorletters,
            "relatie_tussenvoegsel": km.relatie_contact_tussenvoegsel,
            "relatie_achternaam": km.relatie_contact_achternaam,
            "relatie_email": km.relatie_contact_email,
            "relatie_telefoon": km.relatie_contact_telefoon,
        }
        # An empty value would hide the sender settings' default on the last step.
        self.set_contacten({**{k: v for k, v in contacten.items() if v}, "taal": km.taal})
        if km.effective_status() == Status.FOUT:
            self.data["vervangt"] = km.pk

    def save(self) -> None:
        all_concepts = dict(self.request.session.get(SESSION_KEY, {}))
        all_concepts[self.key] = self.data
        self.request.session[SESSION_KEY] = all_concepts

    def clear(self) -> None:
        all_concepts = dict(self.request.session.get(SESSION_KEY, {}))
        all_concepts.pop(self.key, None)
        self.request.session[SESSION_KEY] = all_concepts
        self.data = {}
