"""Reading the eHerkenning dienstencatalogus (service catalogue) XML.

The parser is defusedxml's SAX parser: DTDs, entity declarations and external references are
refused before anything is read. It builds a small tree with line numbers, then checks the whole
file; any problem is a ``CatalogueError`` naming the line and the reason. Nothing is written
here: ``diensten.services.catalogus_import`` stores a fully checked result.

The signature (``ds:Signature``) of the catalogue is not verified yet.
"""

import io
import re
import uuid
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces

import defusedxml.sax
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

from accounts.constants import EHNiveau
from ketenportal.exceptions import DomainError

from .constants import NAMESPACES, SAML_NAMESPACE, Intermediation

MAX_CATALOGUE_BYTES = 50 * 1024 * 1024
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_OIN = re.compile(r"^\d{20}$")
# Most permissive first: a definition with several instances takes the most permissive value.
_PERMISSIVENESS = [
    Intermediation.GENERAL,
    Intermediation.REQUIRES_APPROVAL,
    Intermediation.SERVICE_PROVIDER_ONLY,
    Intermediation.NONE,
]


class CatalogueError(DomainError):
    def __init__(self, reason: str, *, line: int | None = None) -> None:
        self.line = line
        self.reason = reason
        message = (
            _("Line %(line)s: %(reason)s") % {"line": line, "reason": reason} if line else reason
        )
        super().__init__(message, code="catalogue_invalid")


@dataclass
class ParsedDienst:
    uuid: uuid.UUID
    naam_nl: str
    naam_en: str
    omschrijving_nl: str
    omschrijving_en: str
    eh_niveau: str
    intermediation: str = Intermediation.NONE
    line: int = 0


@dataclass
class ParsedDienstverlener:
    oin: str
    naam_nl: str
    naam_en: str
    is_public: bool
    diensten: list[ParsedDienst] = field(default_factory=list)
    line: int = 0


@dataclass
class _Node:
    ns: str
    name: str
    attrs: dict[str, str]
    line: int
    children: list["_Node"] = field(default_factory=list)
    text: str = ""

    def all(self, name: str, ns: str | None = None) -> list["_Node"]:
        return [c for c in self.children if c.name == name and (ns is None or c.ns == ns)]

    def first(self, name: str, ns: str | None = None) -> "_Node | None":
        found = self.all(name, ns)
        return found[0] if found else None

    def attr(self, name: str) -> str | None:
        return self.attrs.get(name)


class _TreeBuilder(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[_Node] = []
        self.root: _Node | None = None
        self._locator = None

    def setDocumentLocator(self, locator) -> None:  # noqa: N802 - SAX API
        self._locator = locator

    def _line(self) -> int:
        return self._locator.getLineNumber() if self._locator else 0

    def startElementNS(self, name, qname, attrs) -> None:  # noqa: N802 - SAX API
        ns, local = name
        attributes = {}
        for (attr_ns, attr_local), value in attrs.items():
            key = "xml:lang" if attr_ns == XML_NAMESPACE and attr_local == "lang" else attr_local
            attributes[key] = value
        node = _Node(ns or "", local, attributes, self._line())
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElementNS(self, name, qname) -> None:  # noqa: N802 - SAX API
        node = self.stack.pop()
        node.text = node.text.strip()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].text += content


def _read_tree(source: BinaryIO) -> _Node:
    data = source.read(MAX_CATALOGUE_BYTES + 1)
    if len(data) > MAX_CATALOGUE_BYTES:
        raise CatalogueError(_("The file is larger than 50 MB."))
    if not data.strip():
        raise CatalogueError(_("The file is empty."))
    builder = _TreeBuilder()
    parser = defusedxml.sax.make_parser()
    parser.forbid_dtd = True
    parser.forbid_entities = True
    parser.forbid_external = True
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(builder)
    try:
        parser.parse(io.BytesIO(data))
    except DefusedXmlException as exc:
        line = getattr(builder, "_locator", None)
        raise CatalogueError(
            _(
                "The file contains a DTD, entity declaration or external reference, which is "
                "refused for safety."
            ),
            line=line.getLineNumber() if line else None,
        ) from exc
    except SAXParseException as exc:
        raise CatalogueError(
            _("The file is not well-formed XML (%(error)s).") % {"error": exc.getMessage()},
            line=exc.getLineNumber(),
        ) from exc
    if builder.root is None:
        raise CatalogueError(_("The file is empty."))
    return builder.root


def _texts_by_language(nodes: list[_Node]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for node in nodes:
        language = (node.attr("xml:lang") or "nl").lower()[:2]
        if node.text and language not in texts:
            texts[language] = node.text
    return texts


def _nl_en(nodes: list[_Node]) -> tuple[str, str]:
    texts = _texts_by_language(nodes)
    nl = texts.get("nl") or texts.get("en") or next(iter(texts.values()), "")
    return nl, texts.get("en", "")


def _bool(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "1")


def parse_catalogue(source: BinaryIO) -> list[ParsedDienstverlener]:
    """Parse and check a whole catalogue; raise ``CatalogueError`` at the first problem."""
    root = _read_tree(source)
    if root.name != "ServiceCatalogue" or root.ns not in NAMESPACES:
        raise CatalogueError(
            _(
                "This is not an eHerkenning service catalogue: the root element is "
                "'%(name)s', expected ServiceCatalogue in namespace %(ns)s."
            )
            % {"name": root.name, "ns": " or ".join(NAMESPACES)},
            line=root.line,
        )
    ns = root.ns
    levels = set(EHNiveau.values)
    intermediations = set(Intermediation.values)
    seen_oins: set[str] = set()
    seen_uuids: set[uuid.UUID] = set()
    result: list[ParsedDienstverlener] = []

    providers = root.all("ServiceProvider", ns)
    if not providers:
        raise CatalogueError(_("The catalogue contains no ServiceProvider."), line=root.line)
    for provider in providers:
        id_node = provider.first("ServiceProviderID", ns)
        oin = id_node.text if id_node is not None else ""
        if not _OIN.match(oin):
            raise CatalogueError(
                _("ServiceProviderID must be an OIN of 20 digits, not '%(value)s'.")
                % {"value": oin[:40]},
                line=(id_node or provider).line,
            )
        if oin in seen_oins:
            raise CatalogueError(
                _("ServiceProvider %(oin)s appears twice.") % {"oin": oin}, line=provider.line
            )
        seen_oins.add(oin)
        naam_nl, naam_en = _nl_en(provider.all("OrganizationDisplayName", ns))
        if not naam_nl:
            raise CatalogueError(
                _("ServiceProvider %(oin)s has no OrganizationDisplayName.") % {"oin": oin},
                line=provider.line,
            )
        dienstverlener = ParsedDienstverlener(
            oin=oin,
            naam_nl=naam_nl[:200],
            naam_en=naam_en[:200],
            is_public=_bool(provider.attr("IsPublic")),
            line=provider.line,
        )
        by_uuid: dict[uuid.UUID, ParsedDienst] = {}
        for definition in provider.all("ServiceDefinition", ns):
            uuid_node = definition.first("ServiceUUID", ns)
            service_uuid = _uuid(uuid_node, definition)
            if service_uuid in seen_uuids:
                raise CatalogueError(
                    _("ServiceUUID %(uuid)s appears twice.") % {"uuid": service_uuid},
                    line=uuid_node.line,
                )
            seen_uuids.add(service_uuid)
            naam_nl, naam_en = _nl_en(definition.all("ServiceName", ns))
            if not naam_nl:
                raise CatalogueError(
                    _("Service %(uuid)s has no ServiceName.") % {"uuid": service_uuid},
                    line=definition.line,
                )
            omschrijving_nl, omschrijving_en = _nl_en(definition.all("ServiceDescription", ns))
            level_node = definition.first("AuthnContextClassRef", SAML_NAMESPACE)
            level = level_node.text if level_node is not None else ""
            if level not in levels:
                raise CatalogueError(
                    _("Service %(uuid)s has an unknown assurance level '%(level)s'.")
                    % {"uuid": service_uuid, "level": level[:80]},
                    line=(level_node or definition).line,
                )
            dienst = ParsedDienst(
                uuid=service_uuid,
                naam_nl=naam_nl[:300],
                naam_en=naam_en[:300],
                omschrijving_nl=omschrijving_nl,
                omschrijving_en=omschrijving_en,
                eh_niveau=level,
                line=definition.line,
            )
            by_uuid[service_uuid] = dienst
            dienstverlener.diensten.append(dienst)
        for instance in provider.all("ServiceInstance", ns):
            instance_uuid = _uuid(instance.first("ServiceUUID", ns), instance)
            if instance_uuid in seen_uuids:
                raise CatalogueError(
                    _("ServiceUUID %(uuid)s appears twice.") % {"uuid": instance_uuid},
                    line=instance.line,
                )
            seen_uuids.add(instance_uuid)
            of_node = instance.first("InstanceOfService", ns)
            of_uuid = _uuid(of_node, instance, element="InstanceOfService")
            if of_uuid not in by_uuid:
                raise CatalogueError(
                    _(
                        "ServiceInstance refers to service %(uuid)s, which this service provider "
                        "does not define."
                    )
                    % {"uuid": of_uuid},
                    line=of_node.line,
                )
            intermediation_node = instance.first("ServiceIntermediation", ns)
            value = Intermediation.NONE
            if intermediation_node is not None:
                value = intermediation_node.attr("intermediationAllowed") or Intermediation.NONE
                if value not in intermediations:
                    raise CatalogueError(
                        _("Unknown intermediationAllowed value '%(value)s'.")
                        % {"value": value[:40]},
                        line=intermediation_node.line,
                    )
            dienst = by_uuid[of_uuid]
            if _PERMISSIVENESS.index(value) < _PERMISSIVENESS.index(dienst.intermediation):
                dienst.intermediation = value
        result.append(dienstverlener)
    return result


def _uuid(node: _Node | None, parent: _Node, *, element: str = "ServiceUUID") -> uuid.UUID:
    if node is None or not node.text:
        raise CatalogueError(_("%(element)s is missing.") % {"element": element}, line=parent.line)
    try:
        return uuid.UUID(node.text)
    except ValueError as exc:
        raise CatalogueError(
            _("'%(value)s' is not a valid UUID.") % {"value": node.text[:60]}, line=node.line
        ) from exc
