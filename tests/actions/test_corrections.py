"""actions/corrections.py: what a correction names and the new value it gives."""
from __future__ import annotations

from datetime import date

from actions.corrections import read_correction, typed_values

TODAY = date(2026, 12, 5)


def test_the_size_of_a_slip_is_no_value():
    # "说少了三百" says how wrong the first figure was; the value is the one after 是
    text = "等等我翻一下账单……不对，是八千二，刚才说少了三百"
    assert read_correction("amount", text, {}, TODAY) == 8200
    assert read_correction("occurred_at", text, {}, TODAY) is None
    assert typed_values(text, TODAY) == {"amount": 8200}


def test_the_last_digits_of_a_phone_put_right():
    text = "号码说错了，后面四位是5521，不是5512"
    assert read_correction("phone", text, {"phone": "13712345512"}, TODAY) == "13712345521"


def test_a_number_given_again_in_full_still_wins():
    text = "刚才那个是公司座机，打我手机吧：139 1111 2222"
    assert read_correction("phone", text, {"phone": "13800000000"}, TODAY) == "13911112222"
    assert read_correction("occurred_at", text, {}, TODAY) is None
