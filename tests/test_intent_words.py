"""The words that settle an intent (bot/withdrawal.py, bot/lookup_words.py), in our own wording.

A complaint made before and a verb that drops it make a withdrawal whatever else the message
tells; refusing, being pushed to withdraw, withdrawing something else and asking how it works do
not. DIET's withdraw_complaint with no complaint named becomes a cancel. A lookup names a
complaint or asks of its progress."""
from __future__ import annotations

import pytest

from bot.text import normalize_text
from bot.lookup_words import asks_about_a_complaint
from bot.withdrawal import names_a_complaint, read_intent, withdraws


@pytest.mark.parametrize("text", [
    "撤诉",
    "我想撤訴",
    "那件投诉我不要了",
    "投诉撤了吧",
    "麻烦撤销我之前的投诉",
    "取消我前几天的投诉",
    "上个月我投诉过网点排队的事，后来行长亲自打电话来道歉，投诉就撤回吧",
    "我爸之前投诉了ATM吞卡，卡已经拿回来了，他让我说一声，帮忙撤回",
    "本人12月1日提交的投诉，问题已解决，现申请撤回",
    "编号ts20261130000099的投诉不用处理了",
    "TS20261130000099 撤销，谢谢",
    "我的客訴已經處理好，麻煩撤回",
    "阿拉个投诉撤脱伊",
    "上回的投述莫管了",
    "前天那个头诉不要了",
    "我上个月投的那个诉撤了吧，已经退款了",
    "please withdraw my complaint, it's sorted",
    "我要撤诉，可以吗？",
])
def test_a_withdrawal(text: str) -> None:
    assert withdraws(normalize_text(text)), text


@pytest.mark.parametrize("text", [
    "我要投诉，信用卡被乱扣年费，这张卡我不要了",
    "基金撤单撤不了我要投诉",
    "客户经理天天打电话催我撤诉，这算什么服务",
    "你们休想让我撤回投诉",
    "我不撤诉，必须给个说法",
    "去年那件事我早就撤诉了，今天来问存款利率",
    "投诉以后还能撤销吗？我还没想好投不投",
    "帮我撤销一笔转错的转账",
    "把每个月的自动扣款取消掉",
    "微信里那条消息怎么撤回",
    "我想投诉你们取消了我的信用卡额度",
    "我表姐把她的投诉撤回了，结果钱还是没退",
    "撤诉以后多久生效？",
    "如果我投诉了，过两天还能撤回吗",
    "听说撤诉之后就不能再投诉同一件事，是真的吗",
])
def test_not_a_withdrawal(text: str) -> None:
    assert not withdraws(normalize_text(text)), text


def test_the_intent_read() -> None:
    assert read_intent("前几天的投诉撤回吧", "complain") == "withdraw_complaint"
    assert read_intent("前几天的投诉撤回吧", "check_progress") == "withdraw_complaint"
    # DIET's withdrawal with no complaint named: a cancel (of the intake, or of the case just filed)
    assert read_intent("那个预约取消掉吧", "withdraw_complaint") == "cancel"
    assert read_intent("投诉撤回", "withdraw_complaint") is None
    # threats and requests for a person are the escalation component's
    assert read_intent("撤诉可以，叫你们行长出来", "request_human") is None
    assert read_intent("我的卡被盗刷了", "complain") is None
    # DIET's withdrawal that the words decline: DIET's runner-up (the component picks it)
    assert read_intent("经理天天劝我撤回投诉，烦死了", "withdraw_complaint") == "next_best"


def test_a_complaint_named() -> None:
    assert names_a_complaint("上次那个投诉") and names_a_complaint("TS20261130000099 取消")
    assert not names_a_complaint("算了，不用了")


# ── a lookup must ask about a complaint (bot/lookup_words.py) ───────────────────────────────────

@pytest.mark.parametrize("text", [
    "我那个投诉现在怎么样了", "查一下进度", "TS20261130000099", "什么时候能有结果", "上回反映的事有人管吗",
    "我嘅投訴跟成點", "any update on my case",
])
def test_a_lookup_asks_about_a_complaint(text: str) -> None:
    assert asks_about_a_complaint(normalize_text(text)), text


@pytest.mark.parametrize("text", [
    "信用卡分期的手续费比说好的高，你们一直不改",
    "存款到期了利息一直没到账，你们这样下去谁还敢存",
])
def test_a_story_that_sounds_like_waiting_is_no_lookup(text: str) -> None:
    assert not asks_about_a_complaint(normalize_text(text)), text


# a complaint about to be made names the new one (blind set 06o): no lookup unless asked
@pytest.mark.parametrize("text", [
    "嗯……我要投诉，也不晓得从哪说起",
    "您好，想来反映个情况",
    "我准备投诉你们那个营业厅",
])
def test_a_complaint_about_to_be_made_is_no_lookup(text: str) -> None:
    assert not asks_about_a_complaint(normalize_text(text)), text


def test_a_complaint_to_be_made_with_a_lookup_word_is_still_a_lookup() -> None:
    assert asks_about_a_complaint(normalize_text("我想投诉的那件事，现在处理到哪一步了"))


# -- bare exasperation (bot/exasperation.py; issue 12, blind set 06m) --------------------------

from bot.exasperation import exasperated_only  # noqa: E402


@pytest.mark.parametrize("text", [
    "真是无语了你们",
    "我真的醉了，什么银行啊",
    "呵呵，你们可真行",
    "佩服佩服，办个事跑断腿",
    "绝了，又是这样",
    "气死我了真的",
])
def test_fed_up_with_nothing_given_up_opens_a_complaint(text: str) -> None:
    assert exasperated_only(normalize_text(text)), text


@pytest.mark.parametrize("text", [
    "算了算了，服了，不投诉了",
    "无语，不弄了",
    "真行，那就这样吧，取消",
    "没事了，谢谢",
    "好的",
    "我的卡被吞了",
])
def test_a_cancel_in_words_or_no_exasperation_is_left_to_diet(text: str) -> None:
    assert not exasperated_only(normalize_text(text)), text
