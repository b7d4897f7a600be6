"""factory_boy factories for every model, with a trait per interesting state."""

import factory
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.plugins.phonenumber.models import PhoneDevice

from accounts.constants import EHNiveau, Rol, TweedeFactor
from accounts.models import EHMiddel, EHMiddelAanvraag, Lidmaatschap, Organisatie, User

TEST_PASSWORD = "Correct-Horse-Battery-9"


class OrganisatieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisatie
        skip_postgeneration_save = True

    naam = factory.Sequence(lambda n: f"Organisatie {n} B.V.")
    kvk_nummer = factory.Sequence(lambda n: f"{40000000 + n:08d}")
    straat = "Dorpsstraat"
    huisnummer = factory.Sequence(lambda n: str(n + 1))
    postcode = "1234AB"
    plaats = "Utrecht"

    @factory.post_generation
    def abonnement(self, create, extracted, **kwargs):
        """An active subscription for the ketenmachtiging module (made without the service:
        no audit row, no message), so a test organisation works as every existing one does.
        ``OrganisatieFactory(abonnement=False)`` for one without."""
        if create and extracted is not False:
            AbonnementFactory(organisatie=self)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.nl")
    voorletters = "A.B."
    last_name = factory.Sequence(lambda n: f"Achternaam{n}")
    eh_niveau = EHNiveau.EH3
    tweede_factor = TweedeFactor.OTP
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    class Params:
        with_totp_device = factory.Trait(
            totp_device=factory.RelatedFactory(
                "tests.factories.TOTPDeviceFactory", factory_related_name="user"
            )
        )
        with_sms_device = factory.Trait(
            tweede_factor=TweedeFactor.SMS,
            sms_device=factory.RelatedFactory(
                "tests.factories.PhoneDeviceFactory", factory_related_name="user"
            ),
        )
        eh2plus = factory.Trait(eh_niveau=EHNiveau.EH2_PLUS)
        eh4 = factory.Trait(eh_niveau=EHNiveau.EH4)
        belastingdienst_only = factory.Trait(alleen_belastingdienst=True)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "default"
    confirmed = True


class PhoneDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneDevice

    user = factory.SubFactory(UserFactory)
    name = "default"
    number = factory.Sequence(lambda n: f"+3161{n:07d}")
    method = "sms"
    confirmed = True


class StaticDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaticDevice

    user = factory.SubFactory(UserFactory)
    name = "backup"


class LidmaatschapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lidmaatschap

    user = factory.SubFactory(UserFactory, with_totp_device=True)
    organisatie = factory.SubFactory(OrganisatieFactory)
    rol = Rol.GEBRUIKER

    class Params:
        beheerder = factory.Trait(rol=Rol.BEHEERDER)


class EHMiddelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EHMiddel

    organisatie = factory.SubFactory(OrganisatieFactory)
    houder = factory.SubFactory(UserFactory)
    niveau = EHNiveau.EH3
    soort = "app"
    uitgegeven_op = factory.LazyFunction(lambda: timezone.localdate() - relativedelta(years=1))
    geldig_tot = factory.LazyFunction(lambda: timezone.localdate() + relativedelta(years=2))

    class Params:
        ingetrokken = factory.Trait(
            status="ingetrokken", ingetrokken_op=factory.LazyFunction(timezone.now)
        )


class EHMiddelAanvraagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EHMiddelAanvraag

    organisatie = factory.SubFactory(OrganisatieFactory)
    voornaam = "Sanne"
    achternaam = factory.Sequence(lambda n: f"de Wit {n}")
    email = factory.Sequence(lambda n: f"sanne{n}@example.nl")
    telefoonnummer = "+31612345678"
    niveau = EHNiveau.EH3
    soort = "app"


class DienstverlenerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "diensten.Dienstverlener"

    oin = factory.Sequence(lambda n: f"{n:020d}")
    naam_nl = factory.Sequence(lambda n: f"Dienstverlener {n}")
    naam_en = factory.LazyAttribute(lambda o: f"{o.naam_nl} (EN)")


class DienstFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "diensten.Dienst"

    uuid = factory.Faker("uuid4", cast_to=None)
    dienstverlener = factory.SubFactory(DienstverlenerFactory)
    naam_nl = factory.Sequence(lambda n: f"Dienst {n}")
    naam_en = factory.LazyAttribute(lambda o: f"Service {o.naam_nl}")
    eh_niveau = EHNiveau.EH3
    intermediation = "generalAvailable"

    class Params:
        no_intermediation = factory.Trait(intermediation="noIntermediation")
        withdrawn = factory.Trait(
            aangeboden=False, ingetrokken_op=factory.LazyFunction(timezone.now)
        )


class GroepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "groepen.Groep"

    organisatie = factory.SubFactory(OrganisatieFactory)
    naam = factory.Sequence(lambda n: f"Groep {n}")
    algemene_bevoegdheid = True


def _today():
    return timezone.localdate()


class KetenmachtigingFactory(factory.django.DjangoModelFactory):
    """A requested ketenmachtiging, status aanvraag verstuurd by default; a trait per status:
    ``KetenmachtigingFactory(actief=True)``."""

    class Meta:
        model = "ketenmachtigingen.Ketenmachtiging"

    intermediair = factory.SubFactory(OrganisatieFactory)
    intermediair_naam = factory.LazyAttribute(
        lambda o: o.intermediair.naam if o.intermediair else "X"
    )
    intermediair_kvk_nummer = factory.LazyAttribute(
        lambda o: o.intermediair.kvk_nummer if o.intermediair else "12345678"
    )
    relatie_naam = factory.Sequence(lambda n: f"Relatie {n} B.V.")
    relatie_kvk_nummer = factory.Sequence(lambda n: f"{60000000 + n:08d}")
    relatie_adres = "Kerkstraat 1"
    relatie_postcode_plaats = "3511AB Utrecht"
    algemene_bevoegdheid = True
    looptijd_jaren = 5
    status = "aanvraag_verstuurd"
    taal = "nl"
    relatie_contact_email = factory.Sequence(lambda n: f"contact{n}@relatie.nl")
    contact_email = "beheer@intermediair.nl"
    contact_telefoon = "+31201234567"
    verstuurd_op = factory.LazyFunction(timezone.now)
    uitnodiging_geldig_tot = factory.LazyFunction(lambda: _today() + relativedelta(months=3))

    class Params:
        actief = factory.Trait(
            status="actief",
            startdatum=factory.LazyFunction(_today),
            einddatum=factory.LazyFunction(lambda: _today() + relativedelta(years=5)),
            geactiveerd_op=factory.LazyFunction(timezone.now),
            leverancier="Ketenportal",
        )
        ontvangen = factory.Trait(status="aanvraag_ontvangen")
        incompleet = factory.Trait(status="incompleet", status_reden="Handtekening ontbreekt")
        fout = factory.Trait(status="fout", status_reden="Mailserver weigerde")
        verlopen = factory.Trait(
            status="verlopen",
            startdatum=factory.LazyFunction(lambda: _today() - relativedelta(years=5, days=2)),
            einddatum=factory.LazyFunction(lambda: _today() - relativedelta(days=2)),
        )
        beeindigd = factory.Trait(
            status="beeindigd", beeindigd_op=factory.LazyFunction(timezone.now)
        )


class AbonnementFactory(factory.django.DjangoModelFactory):
    """A subscription for the ketenmachtiging module, active for a year already; traits for the
    other states."""

    class Meta:
        model = "abonnementen.Abonnement"
        django_get_or_create = ("organisatie", "module")

    organisatie = factory.SubFactory(OrganisatieFactory, abonnement=False)
    module = "ketenmachtigingen"
    status = "actief"
    actief_van = factory.LazyFunction(lambda: timezone.localdate() - relativedelta(years=1))
    eerst_actief_van = factory.LazyAttribute(lambda o: o.actief_van)

    class Params:
        beeindigd = factory.Trait(
            status="beeindigd",
            beeindigd_op=factory.LazyFunction(lambda: timezone.localdate() - relativedelta(days=1)),
        )
        aangevraagd = factory.Trait(
            status="aangevraagd",
            actief_van=None,
            eerst_actief_van=None,
            toegang_aangevraagd_op=factory.LazyFunction(timezone.now),
        )
