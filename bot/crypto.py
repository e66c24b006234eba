"""PII at rest: Fernet encryption for names and phones, keyed hashes for phone and name look-ups.

One secret (CASEDESK_SECRET_KEY) feeds all three through HKDF with different labels, so no lookup
hash can be turned into the encryption key or into the other hash, and operators manage one value.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_SALT = b"casedesk/v1"


def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=label).derive(
        secret.encode("utf-8")
    )


def derive_fernet(secret_key: str, label: bytes) -> Fernet:
    """A Fernet cipher for one purpose (label), derived from the one operator secret."""
    return Fernet(base64.urlsafe_b64encode(_derive(secret_key, label)))


class DecryptionFailed(Exception):
    """Ciphertext written under another key: the operator changed CASEDESK_SECRET_KEY."""


class PiiCipher:
    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 16:
            raise ValueError("CASEDESK_SECRET_KEY must be at least 16 characters")
        self._fernet = derive_fernet(secret_key, b"fernet")
        self._hmac_key = _derive(secret_key, b"phone-lookup-hmac")
        # a key of its own: a name hash and a phone hash of the same text never match
        self._name_key = _derive(secret_key, b"name-lookup-hmac")

    def __repr__(self) -> str:  # never let a key reach a log line through repr()
        return "PiiCipher(<redacted>)"

    def encrypt(self, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: Optional[str]) -> Optional[str]:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise DecryptionFailed() from exc

    def phone_hash(self, normalized_phone: Optional[str]) -> Optional[str]:
        if not normalized_phone:
            return None
        return hmac.new(self._hmac_key, normalized_phone.encode("ascii"), hashlib.sha256).hexdigest()

    def name_hash(self, normalized_name: Optional[str]) -> Optional[str]:
        """Exact look-up of a full name (domain.normalize_name first): the console's search
        finds a case by name without decrypting every row. A keyed hash, so a copy of the
        database alone cannot be matched against a list of common names."""
        if not normalized_name:
            return None
        return hmac.new(self._name_key, normalized_name.encode("utf-8"), hashlib.sha256).hexdigest()
