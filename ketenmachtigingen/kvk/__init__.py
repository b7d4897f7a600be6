"""Company lookups in the KvK Handelsregister, for filling in a client by KvK number or RSIN.

``lookup("6959 9084")`` parses what a person typed and asks the backend that
``settings.KVK_BACKEND`` names: ``"local"`` (a shipped JSON dataset, no network) or ``"api"``
(the KvK's Zoeken and Basisprofiel APIs). Every failure is a ``KvkError`` (a ``DomainError``)
with a translated message fit for a form error.
"""

from .api import ApiBackend
from .client import KvkQuery, get_backend, lookup, lookup_active, parse_input
from .errors import KvkError, KvkInactive, KvkInvalidInput, KvkNotFound, KvkUnavailable
from .local import LocalBackend
from .types import Bedrijf, KvkBackend

__all__ = [
    "ApiBackend",
    "Bedrijf",
    "KvkBackend",
    "KvkError",
    "KvkInactive",
    "KvkInvalidInput",
    "KvkNotFound",
    "KvkQuery",
    "KvkUnavailable",
    "LocalBackend",
    "get_backend",
    "lookup",
    "lookup_active",
    "parse_input",
]
