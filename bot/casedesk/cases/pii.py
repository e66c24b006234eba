"""Free text at rest: what a customer or an agent wrote is stored masked, the full text only
Fernet-encrypted beside it.

`seal` gives (masked, ciphertext): phone, ID and card numbers masked by the shared rule set
(bot/redact.py) and the case's own customer name masked as lists show it (王*明). The ciphertext
is None when masking changed nothing. `reveal` gives the full text back, for the audited case
detail only (GET /api/cases/{no} and the console's case page); every other answer shows the
stored, masked text.
"""
from __future__ import annotations

from typing import Iterable, Optional, Tuple

from bot.redact import redact

from bot.casedesk.cases import case_rules
from bot.crypto import PiiCipher

# a one-character name (a surname alone) would mask every 王 in the text
MIN_NAME_CHARS = 2


def _names(names: Iterable[Optional[str]]) -> list:
    found = {n.strip() for n in names if n and len(n.strip()) >= MIN_NAME_CHARS}
    return sorted(found, key=len, reverse=True)  # 欧阳建国 before 建国


def mask(text: Optional[str], names: Iterable[Optional[str]] = ()) -> Optional[str]:
    """``text`` as it may be stored and shown in lists: numbers and the customer's name masked."""
    if not text:
        return text
    masked = redact(text)
    for name in _names(names):
        masked = masked.replace(name, case_rules.mask_name(name) or "")
    return masked


def seal(
    cipher: PiiCipher, text: Optional[str], names: Iterable[Optional[str]] = ()
) -> Tuple[Optional[str], Optional[str]]:
    """(masked text, ciphertext of the full text or None when nothing was masked)."""
    if text is None:
        return None, None
    masked = mask(text, names)
    return masked, (cipher.encrypt(text) if masked != text else None)


def reveal(cipher: PiiCipher, masked: Optional[str], enc: Optional[str]) -> Optional[str]:
    """The full text of a sealed value (audited case detail only)."""
    return cipher.decrypt(enc) if enc else masked


def case_names(cipher: PiiCipher, customer_name_enc: Optional[str]) -> list:
    """The names to mask in a case's free text: its customer's name, when known."""
    return _names([cipher.decrypt(customer_name_enc)]) if customer_name_enc else []


def name_hash(cipher: PiiCipher, name: Optional[str]) -> Optional[str]:
    """The look-up hash of a customer name (cases.customer_name_hash): one normalisation for
    filing, correcting, the migration's back-fill and the console's search."""
    return cipher.name_hash(case_rules.normalize_name(name))
