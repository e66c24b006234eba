"""The classes the blind intake set …07o found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

import pytest

from actions import parsing
from actions.classify import detect_flags, explain
from actions.intake_form import _DROPS_THE_COMPLAINT, _NAMES_A_CORRECTION
from bot.dialect import to_mandarin, to_mandarin_for_fields
from bot.lookup_words import asks_about_a_complaint


# -- one dialect reading for the field readers and the escalation rules --------------------------

def test_the_field_readers_read_dialect_pronouns_and_negators():
    # Henan, Wu and Cantonese read as Mandarin, as the escalation rules read them
    assert to_mandarin_for_fields("恁那网点俺去了三回") == "你们那网点我去了三回"
    assert to_mandarin_for_fields("唔该帮我查下佢哋系唔系扣错咗") == "麻烦帮我查下他们是不是扣错了"
    assert to_mandarin("阿拉伯数字") == "阿拉伯数字"  # Arabia keeps its name
    assert parsing.normalize("卡入面冇咗两千蚊") == "卡里面没了两千蚊"


@pytest.mark.parametrize("text", [
    "钱返咗嚟喇，唔使投诉喇",
    "系我自己搞错咗，唔投诉喇",  # 喇 is Cantonese 了
    "冇事喇，唔投诉",
])
def test_a_cantonese_cancel_still_cancels(text):
    # 唔 arrives as 不 from the dialect reading
    assert _DROPS_THE_COMPLAINT.search(parsing.normalize(text))


def test_a_complaint_not_dropped_stays():
    assert not _DROPS_THE_COMPLAINT.search(parsing.normalize("不投诉的话你们会改吗"))


def test_cantonese_confidentiality_after_the_dialect_reading():
    # 唔好 (别) arrives as 不好
    text = parsing.normalize("退钱就得，唔好话俾个经理知系我投诉")
    assert detect_flags(text)["confidential"] is True


# -- amounts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, amount", [
    ("每次收我三蚊，收咗五次，其实一次都唔应该收", 15.0),  # "not even once" counts nothing
    ("办了1.2万的分期，分6期，每期0.5%的手续费", 360.0),  # a rate each instalment of the sum split
    ("汇了三万美金出去，每一千被多扣了十块", 300.0),  # a difference per thousand of the sum
    ("买了十万的定期，利率少了0.3个点，一年下来大约少三百", 300.0),  # the customer's own result, roughly
    ("分10期，每期手续费45", 450.0),  # 分 + the instalments, without 了
])
def test_a_sum_worked_out_from_the_answer(text, amount):
    assert parsing.parse_amount(text) == amount


def test_a_rough_figure_put_right_in_a_story():
    # said in passing to another question: the exact figure, as in an answer to the amount one
    assert parsing.find_amount("上周三汇的款，对方少收了一百多，准确说是一百三十六") == 136.0


@pytest.mark.parametrize("text", [
    "目前还没发现被盗刷，账户里有一万来块",  # nothing lost yet: the balance is no sum at stake
    "还没看到有被扣的，卡里就三千多",
])
def test_no_loss_seen_yet_leaves_no_sum(text):
    assert parsing.parse_amount(text) is None


# -- priority, flags, corrections ----------------------------------------------------------------

def test_a_wallet_lifted_with_the_card_in_it_is_fund_safety():
    assert explain("公交车上包让人给摸走了，你们的储蓄卡在里面，卡里还有钱")["priority"] == ("high", "lost_card")


def test_a_fraud_feared_and_found_mistaken_is_normal():
    # 系 (Hakka/Cantonese 是) after 以为: the fear was mistaken
    assert explain("我仲以为系俾人骗咗，原来系账户太耐冇用俾冻结咗")["priority"][0] == "normal"
    assert explain("还以为是被人骗了，一问才知道是卡过期了")["priority"][0] == "normal"


def test_the_household_kept_from_the_branch_is_confidential():
    assert detect_flags("麻烦你们别跟那个柜员讲是俺家投诉的，以后还要去办事")["confidential"] is True


@pytest.mark.parametrize("text", [
    "不好意思，刚才说成我老公的名字了，我叫吴秀兰",
    "哎呀讲错咗，头先系我阿妈个名",
])
def test_a_name_said_as_someone_elses_is_a_correction(text):
    assert _NAMES_A_CORRECTION.search(parsing.normalize(text))


# -- a complaint about to be made is no lookup -----------------------------------------------------

def test_wanting_to_complain_is_no_progress_lookup():
    assert not asks_about_a_complaint("呃……我想投诉，就是不太会说😓")
