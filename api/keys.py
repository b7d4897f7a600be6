"""API keys: how they look, how they are hashed and found.

A key is ``kp_<prefix>_<secret>``: the prefix (8 characters) is stored and shown so a person can
tell keys apart; the whole key is stored only as its SHA-256.
"""

import hashlib
import hmac
import secrets

PREFIX_LENGTH = 8
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: prefixes are read aloud


def new_key() -> tuple[str, str]:
    """A fresh key and its visible prefix."""
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(PREFIX_LENGTH))
    return f"kp_{prefix}_{secrets.token_urlsafe(32)}", f"kp_{prefix}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "kp" or len(parts[1]) != PREFIX_LENGTH:
        return None
    return f"kp_{parts[1]}"


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
