"""Small service catalogues for tests, in the eHerkenning XML format."""

import uuid

NS13 = "urn:etoegang:1.13:service-catalog"
NS11 = "urn:etoegang:1.11:service-catalog"
LOA = "urn:etoegang:core:assurance-class:loa"


def service(
    uid: str,
    name_nl: str,
    *,
    name_en: str = "",
    level: str = "3",
    intermediation: str | None = "generalAvailable",
    description: str = "",
) -> dict:
    return {
        "uuid": uid,
        "name_nl": name_nl,
        "name_en": name_en,
        "level": level,
        "intermediation": intermediation,
        "description": description,
    }


def catalogue(providers: list[tuple[str, str, str, list[dict]]], *, ns: str = NS13) -> bytes:
    """``providers``: (oin, name_nl, name_en, services)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<esc:ServiceCatalogue xmlns:esc="{ns}" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" esc:Version="urn:etoegang:1.13:53">',
    ]
    for oin, name_nl, name_en, services in providers:
        parts.append('<esc:ServiceProvider esc:IsPublic="true">')
        parts.append(f"<esc:ServiceProviderID>{oin}</esc:ServiceProviderID>")
        parts.append(
            f'<esc:OrganizationDisplayName xml:lang="nl">{name_nl}</esc:OrganizationDisplayName>'
        )
        if name_en:
            parts.append(
                f'<esc:OrganizationDisplayName xml:lang="en">{name_en}</esc:OrganizationDisplayName>'
            )
        for s in services:
            parts.append('<esc:ServiceDefinition esc:IsPublic="true">')
            parts.append(f"<esc:ServiceUUID>{s['uuid']}</esc:ServiceUUID>")
            parts.append(f'<esc:ServiceName xml:lang="nl">{s["name_nl"]}</esc:ServiceName>')
            if s["name_en"]:
                parts.append(f'<esc:ServiceName xml:lang="en">{s["name_en"]}</esc:ServiceName>')
            if s["description"]:
                parts.append(
                    f'<esc:ServiceDescription xml:lang="nl">{s["description"]}</esc:ServiceDescription>'
                )
            level = s["level"] if s["level"].startswith("urn:") else f"{LOA}{s['level']}"
            parts.append(f"<saml:AuthnContextClassRef>{level}</saml:AuthnContextClassRef>")
            parts.append("</esc:ServiceDefinition>")
        for n, s in enumerate(services, start=1):
            parts.append('<esc:ServiceInstance esc:IsPublic="true">')
            parts.append(f"<esc:ServiceID>urn:etoegang:DV:{oin}:services:{n}</esc:ServiceID>")
            parts.append(
                f"<esc:ServiceUUID>{uuid.uuid5(uuid.NAMESPACE_URL, s['uuid'])}</esc:ServiceUUID>"
            )
            parts.append(f"<esc:InstanceOfService>{s['uuid']}</esc:InstanceOfService>")
            if s["intermediation"]:
                parts.append(
                    f'<esc:ServiceIntermediation esc:intermediationAllowed="{s["intermediation"]}"/>'
                )
            parts.append("</esc:ServiceInstance>")
        parts.append("</esc:ServiceProvider>")
    parts.append("</esc:ServiceCatalogue>")
    return "\n".join(parts).encode()


UWV = "00000001000000000001"
BD = "00000001003214345000"
U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
U3 = "33333333-3333-4333-8333-333333333333"
U4 = "44444444-4444-4444-8444-444444444444"


def basic() -> bytes:
    return catalogue(
        [
            (
                BD,
                "Belastingdienst",
                "Tax Administration",
                [
                    service(U1, "Omzetbelasting", name_en="VAT", description="Aangifte doen"),
                    service(U2, "Loonheffingen", name_en="Payroll taxes", level="4"),
                ],
            ),
            (
                UWV,
                "UWV",
                "",
                [
                    service(U3, "Verzuim melden", level="2plus", intermediation=None),
                    service(U4, "Ontslagaanvraag", intermediation="serviceProviderOnly"),
                ],
            ),
        ]
    )
