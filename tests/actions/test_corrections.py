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


def test_a_group_of_phone_digits_put_right():
    # the old group named after 不是 is replaced where it stands; "中间四位" names the place
    assert read_correction("phone", "中间那四位我报反了，应该是3412，不是4312",
                           {"phone": "13943127788"}, TODAY) == "13934127788"
    assert read_correction("phone", "中间四位是5566", {"phone": "13811112222"}, TODAY) == "13855662222"


def test_a_wrong_character_is_a_name_put_right():
    text = "名字打错字了，是李玥，玥是王字旁加个月"
    assert read_correction("customer_name", text, {"customer_name": "李钥"}, TODAY) == "李玥"


def test_a_figure_disowned_in_the_same_breath_is_the_old_one():
    text = "看错了，多扣的那笔是一百二十八，二百六是我别的消费"
    assert read_correction("amount", text, {"amount": 260}, TODAY) == 128


def test_a_word_in_passing_names_no_description():
    from actions.corrections import named_fields
    assert "description" not in named_fields("不对，是上周五，周六是我去打听情况的")
    assert "description" in named_fields("情况说错了，是柜员多收了钱")
