"""Demo data of the groepen app (called by ``seed_demo``): two groups at the first intermediair."""

from accounts.models import Lidmaatschap, Organisatie
from diensten.models import Dienst, Dienstverlener
from diensten.scope import Scope

from . import services
from .models import Groep

FIRST_INTERMEDIAIR_KVK = "30123456"


def seed(stdout) -> None:
    organisatie = Organisatie.objects.filter(kvk_nummer=FIRST_INTERMEDIAIR_KVK).first()
    if organisatie is None or Groep.objects.filter(organisatie=organisatie).exists():
        return
    actor = (
        Lidmaatschap.objects.filter(organisatie=organisatie, user__username="beheerder")
        .select_related("user")
        .first()
    )
    if actor is None:
        return
    leden = {
        m.user.username: m
        for m in Lidmaatschap.objects.filter(organisatie=organisatie).select_related("user")
    }
    fiscaal = services.groep_create(actor=actor.user, organisatie=organisatie, naam="Fiscalisten")
    services.groep_leden_add(
        actor=actor.user,
        groep=fiscaal,
        lidmaatschappen=[leden[u] for u in ("jan.smit", "kees.bakker") if u in leden],
    )
    loon = services.groep_create(
        actor=actor.user, organisatie=organisatie, naam="Loonadministratie"
    )
    services.groep_leden_add(
        actor=actor.user,
        groep=loon,
        lidmaatschappen=[leden[u] for u in ("kees.bakker", "sara.visser") if u in leden],
    )
    uwv = Dienstverlener.objects.filter(naam_nl="UWV").first()
    loonheffingen = Dienst.objects.filter(
        naam_nl__icontains="loonheffingen"
    ).usable_via_ketenmachtiging()
    scope = Scope.of(
        dienstverleners=[uwv.pk] if uwv else [],
        diensten=list(loonheffingen.values_list("pk", flat=True)[:1]),
    )
    if not scope.is_empty:
        services.groep_set_scope(actor=actor.user, groep=loon, scope=scope)
    stdout.write("Demo groups: Fiscalisten, Loonadministratie.")
