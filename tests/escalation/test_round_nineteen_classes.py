"""The classes the nineteenth blind escalation round found (test_blind_rounds.py), each in wording
of our own: none of these sentences is the round's."""
from __future__ import annotations

import pytest

from bot.escalation.detector import default_detector
from bot.escalation.spelling import plain_spelling
from bot.text import normalize_text


def _reason(text: str) -> str:
    found = default_detector().detect(normalize_text(text))
    return found.reason if found and found.strong else "none"


# -- a word broken up to slip past a filter ------------------------------------------------------

@pytest.mark.parametrize("text,plain", [
    ("我要 投 诉 到 底", "我要投诉到底"),
    ("转.人.工", "转人工"),
    ("跳-楼", "跳楼"),
    ("已经找 记者了，你们等着", "已经找记者了,你们等着"),
    ("发斗音曝光", "发抖音曝光"),
])
def test_a_broken_up_word_is_read_whole(text, plain):
    assert plain_spelling(normalize_text(text).lower()) == plain


@pytest.mark.parametrize("text", [
    # voice input ends its clauses with a space: a negation must not run on into the next one
    "我不会找媒体 你们放心 我就想把卡解冻",
    # a mark between two words is no broken word
    "北京-上海的汇款到了吗",
])
def test_a_gap_between_words_stays(text):
    assert plain_spelling(normalize_text(text).lower()) == normalize_text(text).lower()


@pytest.mark.parametrize("text,reason", [
    ("我 要 跳 楼 了，钱没了活不下去", "self_harm"),
    ("抖/音/视/频/已/经/拍/好/了", "media"),
    ("你们再拖，我就去 报 警", "regulator"),
    ("真 人 客 服", "human"),
])
def test_spaced_out_cues_hand_off(text, reason):
    assert _reason(text) == reason


# -- insults, English threats, beatings, police on a condition ------------------------------------

@pytest.mark.parametrize("text,reason", [
    ("你们这群吸血的寄生虫，我的钱都被你们吃了", "anger"),
    ("弱智客服，问三遍答非所问", "anger"),
    ("狗都比你们办事利索", "anger"),
    ("If this isn't fixed I'm gonna smash his face", "violence"),
    ("下回见到那个柜员，我把他打个半死", "violence"),
    ("今天再不给我退，否则我直接找派出所", "regulator"),
    ("我已经报了110，警察在路上，看你们怎么交代", "regulator"),
    ("我想跟你们行长当面谈一下，麻烦安排", "human"),
    ("这个只有信贷经理能处理，请帮我接过去", "human"),
])
def test_this_rounds_threats(text, reason):
    assert _reason(text) == reason


@pytest.mark.parametrize("text", [
    "我儿子是智障人士，他的卡能不能由我代办",
    "蜗牛爬都比你们快，等了半天",  # exasperation: mild
    "麻烦你跟你们经理说一声谢谢，服务很好",
    "我妈打热线的话，怎样才能转接人工？她不会按键",
    "快手上有个人说能帮我提额，是你们的员工吗",
    "有个骗子说不给他转钱就把我的照片发到群里曝光我，我报警了，想问下卡要不要冻结",
    "我起诉了欠我工钱的老板，判决款会打到你们卡上吗",
    "我是市中院的书记员，想问公务卡怎么还款",
    "我是报社跑财经的，想咨询个人养老金账户",
    "服务太好了，我会推荐同事们都来你们这办卡",
])
def test_this_rounds_calm_messages_stay(text):
    assert _reason(text) == "none"
