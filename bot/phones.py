"""One phone rule set for the assistant and the case desk: mainland China mobiles and landlines.

Validity comes from Google's numbering-plan data (the ``phonenumbers`` package), not from our
own digit patterns: it knows which mobile prefixes are allocated and how long each city's
landline numbers are, so a card tail, an ID number or a date is not taken for a phone.

A phone is stored as China **national digits**, the way a clerk dials it from inside China:

* mobile: 11 digits, "13912345678";
* landline: trunk prefix 0 + area code + subscriber number, "057187023456" (0571-8702 3456),
  "01062345678" (010-6234 5678).

Service numbers (400/800, 95xxx), foreign numbers and landlines without an area code are not
accepted: the bank cannot reliably call a customer back on them.

Mobiles are checked strictly (the library's validity: an allocated 1[3-9] prefix, 11 digits).
The library's landline data lags behind the cities: many moved from 7- to 8-digit subscriber
numbers after it was written ("0730-8254 6137" is a real Yueyang number it calls invalid). So a
landline is also accepted when it is *plausible*: written with its trunk 0 or +86, an area code
the library knows (010, 02x, or a three-digit code), and a subscriber number of a length that
code has, or of 8 digits (numbers grow, they never shrink), starting with 2–8.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import List, Optional, Tuple

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType

REGION = "CN"
_CALLABLE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}

# the shape of a stored value (what normalize_phone returns): a quick check, not the rule
NATIONAL_RE = re.compile(r"^(?:1\d{10}|0\d{9,11})$")

# what may surround the digits of a value typed into one field: "+86 (0571) 8702-3456"
_VALUE_CHARS = re.compile(r"^[0-9+\-() .\u2010-\u2015\u2212]+$")


# a subscriber number's first digit: 0 is the trunk, 1 a mobile or a service, 9 a service (95xxx)
_SUBSCRIBER_START = "2345678"


@lru_cache(maxsize=None)
def _subscriber_lengths(area: str) -> Tuple[int, ...]:
    """The subscriber lengths the library knows for an area code ("730" → (7,), "571" → (8,)),
    found by probing a few numbers; () for a code that is none."""
    lengths = []
    for length in (7, 8):
        for first in _SUBSCRIBER_START:
            probes = (first + tail[: length - 1] for tail in ("1234567", "6543210", "8888888", "0000000"))
            if any(_probe_valid(area + probe) for probe in probes):
                lengths.append(length)
                break
    return tuple(lengths)


def _probe_valid(national: str) -> bool:
    try:
        number = phonenumbers.parse("0" + national, REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _CALLABLE


def _plausible_landline(national: str) -> Optional[str]:
    """The area code of a landline's national significant number ("73082546137" → "730") that
    the library calls invalid only because its data lags behind, else None."""
    if not national.isdigit():
        return None
    for size in (2, 3):
        area, subscriber = national[:size], national[size:]
        if size == 2 and not re.fullmatch(r"10|2\d", area):
            continue
        if size == 3 and not re.fullmatch(r"[3-9]\d\d", area):
            continue
        if subscriber[:1] not in tuple(_SUBSCRIBER_START):
            continue
        known = _subscriber_lengths(area)
        if known and (len(subscriber) in known or len(subscriber) == 8):
            return area
    return None


def _national(number: phonenumbers.PhoneNumber, plausible: bool = False) -> Optional[str]:
    """National digits of a callable China number; with ``plausible``, a landline the library
    does not know to be valid is also taken when it is plausible (module doc)."""
    if number.country_code != 86:
        return None
    if not phonenumbers.is_valid_number(number):
        national = phonenumbers.national_significant_number(number)
        if plausible and _plausible_landline(national):
            return "0" + national
        return None
    if phonenumbers.number_type(number) not in _CALLABLE:
        return None
    # the library's national format carries the trunk 0 of landlines ("0571 8702 3456")
    return re.sub(r"\D", "", phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))


def normalize_phone(text: Optional[str]) -> Optional[str]:
    """A field holding one phone number ("+86 139 1234 5678", "(0571)87023456", full-width
    digits) → national digits, or None. Words around the number are not accepted here: use
    ``find_phones`` for free text."""
    if not text:
        return None
    # NFKC turns full-width digits into ASCII; digits of other scripts stay and are refused
    value = unicodedata.normalize("NFKC", text).strip()
    if not value or not _VALUE_CHARS.match(value):
        return None
    try:
        number = phonenumbers.parse(value, REGION)
    except phonenumbers.NumberParseException:
        return None
    return _national(number, plausible=_has_trunk_or_country_code(value))


def _has_trunk_or_country_code(raw: str) -> bool:
    """"0730-…", "(0730)…", "+86 730…", "0086 730…", "86-730…": how a landline is written with
    its area code; "730 8254 6137" is too much like any other run of digits."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", raw))
    return raw.lstrip(" (（").startswith("+") or bool(re.match(r"0(?!0)|0086|86", digits))


def phone_spans(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, national digits) of every callable China number written in the text.

    The matcher only accepts a number that stands on its own, so the digits inside a card
    number, an ID number, an order number or a date are never read as a phone."""
    out: List[Tuple[int, int, str]] = []
    for match in PhoneNumberMatcher(text or "", REGION, leniency=Leniency.VALID):
        digits = _national(match.number)
        if digits:
            out.append((match.start, match.end, digits))
    # landlines the library's data does not know yet ("0730-8254 6137"): a second, looser pass,
    # kept only where it is a plausible landline and overlaps nothing found above
    for match in PhoneNumberMatcher(text or "", REGION, leniency=Leniency.POSSIBLE):
        if any(match.start < end and start < match.end for start, end, _ in out):
            continue
        if not _has_trunk_or_country_code(match.raw_string):
            continue
        digits = _national(match.number, plausible=True)
        if digits and not is_mobile(digits):
            out.append((match.start, match.end, digits))
    return sorted(out)


def find_phones(text: str) -> List[str]:
    """Every callable number in free text, in order of appearance (digits must be Arabic or
    full-width; spoken Chinese digits are the caller's business)."""
    return [digits for _, _, digits in phone_spans(text)]


def is_phone(value: object) -> bool:
    """A stored value: national digits of a callable number."""
    return isinstance(value, str) and bool(NATIONAL_RE.match(value)) and normalize_phone(value) == value


def is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits.startswith("1")


def _area_code(digits: str) -> Optional[str]:
    """"0571" of "057187023456": the library knows each area code's length (010/02x are 3)."""
    try:
        number = phonenumbers.parse(digits, REGION)
    except phonenumbers.NumberParseException:
        return None
    length = phonenumbers.length_of_geographical_area_code(number)
    if length:
        return "0" + phonenumbers.national_significant_number(number)[:length]
    area = _plausible_landline(phonenumbers.national_significant_number(number))
    return "0" + area if area else None


def mask_phone(digits: Optional[str]) -> Optional[str]:
    """139****5678 for a mobile, 0571****3456 for a landline (the area code says where, the
    last four let the customer recognise it); anything else keeps its last four at most."""
    if not digits:
        return digits
    if is_mobile(digits):
        return f"{digits[:3]}****{digits[-4:]}"
    if digits.startswith("0") and len(digits) >= 10:
        area = _area_code(digits)
        if area:
            return f"{area}****{digits[-4:]}"
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"****{digits[-4:]}"
