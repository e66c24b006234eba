"""bot/phones.py: the one phone rule set (mobiles and landlines, China national digits)."""
from __future__ import annotations

import pytest

from bot import phones


@pytest.mark.parametrize("raw,expected", [
    # mobiles, however written
    ("13912345678", "13912345678"),
    ("139 1234 5678", "13912345678"),
    ("139-1234-5678", "13912345678"),
    ("+86 139 1234 5678", "13912345678"),
    ("+86-139-1234-5678", "13912345678"),
    ("0086 13912345678", "13912345678"),
    ("8613912345678", "13912345678"),
    ("１３９１２３４５６７８", "13912345678"),
    ("１８６ ０００１ ２３４５", "18600012345"),
    # landlines keep the trunk 0 and their area code
    ("0571-8702 3456", "057187023456"),
    ("(0571)87023456", "057187023456"),
    ("（０５７１）８７０２３４５６", "057187023456"),
    ("+86 571 8702 3456", "057187023456"),
    ("+86 (0571) 8702-3456", "057187023456"),
    ("0571—87023456", "057187023456"),
    ("010-6234 5678", "01062345678"),
    ("021 6234 5678", "02162345678"),
    ("0755-2345 6789", "075523456789"),
])
def test_normalize_phone(raw, expected):
    assert phones.normalize_phone(raw) == expected
    assert phones.is_phone(expected)


@pytest.mark.parametrize("raw", [
    "", "   ", "12345", "87023456",             # too short; a landline without its area code
    "23812345678", "12012345678",              # no such mobile prefix
    "1391234567", "139123456789",              # a digit short or long
    "6222 0212 3456 7890",                     # bank card
    "110101199001011234", "11010119900101123X",  # resident ID
    "2026-11-28", "20261128",                  # dates
    "400-820-8888", "95566",                   # service numbers: no call-back on them
    "+1 415 555 2671", "+852 9123 4567",       # not a mainland China number
    "١٣٩١٢٣٤٥٦٧٨",                             # digits of another script
    "电话13912345678",                         # a field value is the number only
])
def test_not_a_phone(raw):
    assert phones.normalize_phone(raw) is None


@pytest.mark.parametrize("text,expected", [
    ("我的手机是139 1234 5678，白天都能接", ["13912345678"]),
    ("我没有手机，座机0571-87023456", ["057187023456"]),
    ("手机13812345678，家里座机010-62345678", ["13812345678", "01062345678"]),
    ("电话号码是13812345678/13912345678", ["13812345678", "13912345678"]),
    ("扣了5000 13812345678", ["13812345678"]),
    ("2026-11-28 13812345678", ["13812345678"]),
    ("办公室(021)62345678转803", ["02162345678"]),
])
def test_find_phones_in_text(text, expected):
    assert phones.find_phones(text) == expected


@pytest.mark.parametrize("text", [
    "卡号6222 0212 3456 7890被盗刷",
    "卡号6228480139123456789",
    "身份证110101199001011234",
    "身份证110101 19900101 1234",
    "2026-11-28下午三点",
    "订单号202611281234567",
    "余额13000.00元",
    "尾号5678",
    "请拨打95566或者400-820-8888",
])
def test_numbers_that_are_not_phones(text):
    assert phones.find_phones(text) == []


def test_spans_point_at_the_number():
    text = "座机0571-87023456，谢谢"
    (start, end, digits), = phones.phone_spans(text)
    assert text[start:end] == "0571-87023456" and digits == "057187023456"


@pytest.mark.parametrize("digits,masked", [
    ("13912345678", "139****5678"),
    ("057187023456", "0571****3456"),
    ("01062345678", "010****5678"),
    ("02162345678", "021****5678"),
    ("075523456789", "0755****6789"),
    ("12345", "*****"),
    ("123456789", "****6789"),
    (None, None),
    ("", ""),
])
def test_mask_phone(digits, masked):
    assert phones.mask_phone(digits) == masked


@pytest.mark.parametrize("raw,expected", [
    # the numbering data knows 0730 (Yueyang) with 7-digit numbers only; the city has 8 now
    ("0730-82546137", "073082546137"),
    ("(0730)8254 6137", "073082546137"),
    ("+86 730 8254 6137", "073082546137"),
    ("0086-730-82546137", "073082546137"),
    ("0999-82546137", "099982546137"),
    ("0472-5163208", "04725163208"),           # valid as it is
    ("86 13899172046", "13899172046"),
])
def test_plausible_landlines_are_accepted(raw, expected):
    assert phones.normalize_phone(raw) == expected
    assert phones.is_phone(expected)


@pytest.mark.parametrize("raw", [
    "0571-8702345",     # Hangzhou numbers are 8 digits: a digit missing, not an old number
    "010-1234567",      # Beijing likewise
    "0730-12546137",    # no subscriber number starts with 1
    "0730-92546137",    # nor with 9 (service numbers)
    "0730-825461378",   # too long
    "730-82546137",     # no trunk 0 nor country code: just digits
    "13012345678901",
    "12012345678",      # mobiles stay strict
])
def test_implausible_landlines_are_not(raw):
    assert phones.normalize_phone(raw) is None


def test_plausible_landlines_in_text_and_masked():
    assert phones.find_phones("座机0730-82546137，手机13812345678") == ["073082546137", "13812345678"]
    assert phones.find_phones("卡号6222 0212 3456 7890被盗刷") == []
    assert phones.mask_phone("073082546137") == "0730****6137"
