"""Secrets that must be recoverable (webhook signing secrets), encrypted at rest.

The key is derived from ``SECRET_KEY`` (HKDF, a purpose of its own); after a key rotation the
old keys in ``SECRET_KEY_FALLBACKS`` still decrypt, so endpoints keep their secrets.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"ketenportal webhook secrets"


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _multi() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(k) for k in keys])


def encrypt(value: str) -> str:
    return _multi().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _multi().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # pragma: no cover - only after losing the old SECRET_KEY
        raise ValueError("The secret cannot be decrypted with the current SECRET_KEY.") from exc
