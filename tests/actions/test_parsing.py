"""actions/parsing.py: one normalised value from the customer's own words."""
from __future__ import annotations

from datetime import date

import pytest

from actions import parsing
from actions.parsing import NO_DEMAND, extract_all

TODAY = date(2026, 11, 22)  # a Sunday


# -- phone ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "13812345678",
    "138 1234 5678",
    "138-1234-5678",
    "+86 138 1234 5678",
    "+8613812345678",
    "0086 13812345678",
    "86-13812345678",
    "１３８１２３４５６７８",
    "１３８ １２３４ ５６７８",
    "一三八一二三四五六七八",
    "幺三八 幺二三四 五六七八",
    "一三八-1234-五六七八",
    "我的手機是13812345678，白天都能接",
    "电话：138-1234-5678。",
])
def test_phone_forms(text):
    assert parsing.parse_phone(text) == "13812345678"


@pytest.mark.parametrize("text", [
    "12345", "1234567", "1381234567", "138123456789", "23812345678",
    "卡号6222021381234567890", "尾号5678", "我没有手机", "",
])
def test_not_a_phone(text):
    assert parsing.parse_phone(text) is None


def test_phone_correction_takes_the_last_number():
    assert parsing.parse_phone("不是13812345678，是13912345678") == "13912345678"


def test_phone_masking():
    assert parsing.mask_phone("13812345678") == "138****5678"


# -- amount --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("五千", 5000), ("1.2万", 12000), ("12,800.50", 12800.5), ("一万二", 12000),
    ("两千五百块", 2500), ("两千五", 2500), ("5k", 5000), ("5K", 5000), ("3w", 30000),
    ("1.5w", 15000), ("五点五万", 55000), ("1万2千", 12000), ("五千块", 5000),
    ("大概五千左右", 5000), ("3000", 3000), ("￥3000", 3000), ("¥ 12,800.50", 12800.5),
    ("人民币三千八百元", 3800), ("一百二十万", 1_200_000), ("十块钱", 10), ("5000元", 5000),
    ("１２，８００元", 12800), ("一萬二", 12000), ("200块", 200),
])
def test_amount_answers(text, expected):
    assert parsing.parse_amount(text) == pytest.approx(expected)


@pytest.mark.parametrize("text,expected", [
    ("被转走了5000元，手续费50元", 5000),
    ("扣了200元", 200),
    ("我卡里少了3000块，不知道被谁转走了", 3000),
    ("理财产品亏了一万二", 12000),
    ("上周五我在解放路支行存了五万块定期", 50000),
    ("信用卡年费扣了我300", 300),
    ("你们ATM取款没出钞但是扣了我2000元", 2000),
])
def test_amount_in_a_complaint(text, expected):
    assert parsing.find_amount(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", [
    "等了三十分钟", "尾号1234", "扣了两次", "排了两个小时的队", "我在3号窗口",
    "电话13812345678", "11月8日下午三点", "卡号6222021381234567890", "我今年65岁",
])
def test_numbers_that_are_not_money(text):
    assert parsing.find_amount(text) is None


# -- date ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("昨天下午三点", "2026-11-21"),
    ("前天", "2026-11-20"),
    ("大前天", "2026-11-19"),
    ("十一月八号", "2026-11-08"),
    ("11月8日", "2026-11-08"),
    ("三天前", "2026-11-19"),
    ("上周五", "2026-11-13"),
    ("上星期五", "2026-11-13"),
    ("上礼拜一", "2026-11-09"),
    ("周五", "2026-11-20"),
    ("今天上午", "2026-11-22"),
    ("2026-11-08", "2026-11-08"),
    ("2026/11/8", "2026-11-08"),
    ("2026年11月8日", "2026-11-08"),
    ("二〇二六年十一月八日", "2026-11-08"),
    ("上个月15号", "2026-10-15"),
    ("两周前", "2026-11-08"),
    ("半个月前", "2026-11-07"),
    ("一个月前", "2026-10-22"),
    ("十二月一号", "2025-12-01"),   # no year and still to come → last year
    ("去年12月5日", "2025-12-05"),
    ("上週五", "2026-11-13"),       # Traditional
    ("昨晚", "2026-11-21"),
])
def test_dates(text, expected):
    assert parsing.parse_date(text, TODAY) == expected


def test_day_only_is_an_answer_but_not_a_mention():
    assert parsing.parse_date("8号", TODAY) == "2026-11-08"
    assert parsing.parse_date("25号", TODAY) == "2026-10-25"
    assert parsing.find_date("我在8号窗口等了很久", TODAY) is None


@pytest.mark.parametrize("text", ["等了三天", "8号窗口", "三点", "5000元", ""])
def test_not_dates(text):
    assert parsing.find_date(text, TODAY) is None


def test_earliest_date_is_the_event():
    assert parsing.find_date("上周五被扣款，今天去网点问", TODAY) == "2026-11-13"


def test_future_date_is_rejected():
    assert parsing.parse_date("2027-01-05", TODAY) is None
    assert not parsing.is_valid_date("2027-01-05", TODAY)
    assert parsing.is_valid_date("2026-11-22", TODAY)


# -- name ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("我叫王建国", "王建国"),
    ("免贵姓李，叫李娜", "李娜"),
    ("免贵姓李", "李"),
    ("我姓周，周小燕", "周小燕"),
    ("免贵姓欧阳，欧阳娜娜。", "欧阳娜娜"),
    ("我姓周，周一去的银行", "周"),   # a surname then a sentence, not a name
    ("我是陈先生", "陈先生"),
    ("叫我刘女士就行", "刘女士"),
    ("名字是赵海燕", "赵海燕"),
    ("我的名字叫孙浩", "孙浩"),
    ("本人郭德明", "郭德明"),
    ("你就叫我老吴吧", "老吴"),
    ("我叫冯建华，建设的建，中华的华", "冯建华"),
    ("我叫王建国电话13812345678", "王建国"),
    ("我叫黃志明", "黄志明"),
    ("我叫Lily王，英文名就行", "Lily王"),
])
def test_names_with_a_cue(text, expected):
    assert parsing.find_name(text) == expected
    assert parsing.parse_name(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("王建国", "王建国"), ("李女士", "李女士"), ("赵敏", "赵敏"), ("欧阳娜娜", "欧阳娜娜"),
    ("陳大文", "陈大文"), ("张伟。", "张伟"),
])
def test_bare_name_as_an_answer(text, expected):
    assert parsing.find_name(text) is None
    assert parsing.parse_name(text) == expected


@pytest.mark.parametrize("text", ["你好", "谢谢", "好的", "不想说", "我是你们的老客户", "算了，不投诉了", "13812345678"])
def test_not_names(text):
    assert parsing.parse_name(text) is None


# -- branch --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("朝阳路支行", "朝阳路支行"),
    ("在朝阳路支行办业务", "朝阳路支行"),
    ("昨天下午在高新区支行", "高新区支行"),
    ("朝陽路支行", "朝阳路支行"),
    ("人民广场营业部", "人民广场营业部"),
    ("我去的那个人民路支行", "人民路支行"),
    ("工商银行五四路支行", "五四路支行"),
    ("高新区支行的柜员态度差", "高新区支行"),
    ("就是东城那个网点", "东城支行"),
])
def test_branch_mentions(text, expected):
    assert parsing.find_branch(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("朝阳路那家", "朝阳路支行"),
    ("火车站附近那个", "火车站支行"),
    ("手机银行上操作的", parsing.ONLINE_CHANNEL),
    ("长青路那个网点", "长青路"),
])
def test_branch_answers(text, expected):
    assert parsing.parse_branch(text) == expected


@pytest.mark.parametrize("text", ["我住在东城", "你们支行"])
def test_branch_needs_a_branch_word_in_passing(text):
    assert parsing.find_branch(text) is None


def test_branch_lookup_comes_from_the_nlu_lookup_table():
    assert "朝阳路支行" in parsing.branch_names()


# -- don't know / no demand ------------------------------------------------------------------------

def test_not_known_and_no_demand():
    assert parsing.says_not_known("记不清了")
    assert parsing.says_not_known("不记得")
    assert parsing.parse_demand("没有，就是反映一下") == NO_DEMAND
    assert parsing.parse_demand("希望退还手续费") == "希望退还手续费"
    assert parsing.parse_demand("嗯") is None


def test_demand_keeps_the_customers_words_and_skips_confidentiality():
    assert parsing.find_demand("我不要赔偿，就要那个柜员给我道歉") == "我不要赔偿；要那个柜员给我道歉"
    assert parsing.find_demand("这件事请不要让她知道是我投诉的") is None


# -- extract_all -----------------------------------------------------------------------------------

def test_extract_all_everything_in_one_message():
    got = extract_all(
        "我叫李娜，手机13912345678。前天在高新区支行办业务，柜员态度特别差，还冲我翻白眼，"
        "我要投诉她，这件事请不要让她知道是我投诉的",
        TODAY,
    )
    assert got == {
        "customer_name": "李娜", "phone": "13912345678", "branch": "高新区支行",
        "occurred_at": "2026-11-20", "amount": None, "demand": None,
        "confidential": True, "compensation_requested": False,
    }


def test_extract_all_money_and_demand():
    got = extract_all("上周五我在解放路支行存了五万块定期，结果存单变成了保险单，要求全额退还！", TODAY)
    assert got["branch"] == "解放路支行"
    assert got["occurred_at"] == "2026-11-13"
    assert got["amount"] == 50000
    assert got["demand"] == "要求全额退还"
    assert got["compensation_requested"] is True


def test_extract_all_traditional_input():
    got = extract_all("我叫陳大文，電話１３６ １２３４ ５６７８，上週五在朝陽路支行被扣了一萬二", TODAY)
    assert got["customer_name"] == "陈大文"
    assert got["phone"] == "13612345678"
    assert got["branch"] == "朝阳路支行"
    assert got["occurred_at"] == "2026-11-13"
    assert got["amount"] == 12000


def test_extract_all_with_emoji():
    got = extract_all("😡😡😡气死了！！我叫王建国📱13812345678，昨天被扣了5000元💰", TODAY)
    assert got["customer_name"] == "王建国"
    assert got["phone"] == "13812345678"
    assert got["occurred_at"] == "2026-11-21"
    assert got["amount"] == 5000


def test_extract_all_very_long_rant():
    rant = "你们银行太过分了！" * 300 + "我叫王建国，电话13812345678，昨天在朝阳路支行被扣了5000元。" + "气死我了！" * 300
    got = extract_all(rant, TODAY)
    assert got["customer_name"] == "王建国"
    assert got["phone"] == "13812345678"
    assert got["branch"] == "朝阳路支行"
    assert got["amount"] == 5000


def test_extract_all_nothing_stated():
    got = extract_all("你好", TODAY)
    assert all(v in (None, False) for v in got.values())
    assert set(got) == {"customer_name", "phone", "branch", "occurred_at", "amount", "demand",
                        "confidential", "compensation_requested"}


# -- values as docs/taxonomy.md §4 decides them ------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("五千块", 5000), ("3K", 3000), ("八百元", 800), ("200块钱", 200), ("¥500", 500),
    ("5000RMB", 5000), ("两万多", 20000), ("九百多块", 900), ("八十几块", 80), ("两万出头", 20000),
    ("三五千", 5000), ("八九百块", 900), ("三千到五千", 5000), ("两块五", 2.5), ("十二万五", 125000),
    ("两张一百", 200), ("五张一百的", 500),
])
def test_amount_forms_in_the_guide(text, expected):
    assert parsing.parse_amount(text) == pytest.approx(expected)


@pytest.mark.parametrize("text,expected", [
    ("被骗子转走了一万八", 18000),                       # 万 by itself makes it money
    ("账单上有一笔999的境外消费", 999),                   # "一笔 N 的消费"
    ("每个月都有一笔29.9的扣费", 29.9),
    ("刷了三笔，分别是199、299和399", 399),              # a list of sums
    ("存了八万，现在少了两千三", 2300),                   # the sum lost beats the principal
    ("付了50块，结果扣了500", 500),
    ("取了一万块，里面有两张假的一百", 200),              # notes counted out
    ("每年扣我三百年费", 300),                            # 年费 is not a year
])
def test_amount_at_stake(text, expected):
    assert parsing.find_amount(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", [
    "信用卡额度从五万降到了一万", "网银单笔限额才五万", "取五万以上要预约", "年化4.5%", "好几千块",
])
def test_limits_rates_and_vague_sums_are_not_amounts(text):
    assert parsing.find_amount(text) is None


@pytest.mark.parametrize("text,expected", [
    ("三千二", 3200), ("大概1.5万吧", 15000), ("不是三千，是三万", 30000), ("金额错了，应该是四千五", 4500),
    ("钱数改成2万", 20000),
])
def test_amount_answers_and_corrections_in_one_message(text, expected):
    assert extract_all(text, TODAY)["amount"] == pytest.approx(expected)


def test_a_bare_date_is_not_an_amount():
    got = extract_all("2026.11.3", TODAY)
    assert got["amount"] is None and got["occurred_at"] == "2026-11-03"


@pytest.mark.parametrize("text,expected", [
    ("邓丽", "邓丽"), ("魏", "魏"), ("孙女士。", "孙女士"), ("谭晓东 13712345678", "谭晓东"),
    ("叫我老周就好", "老周"), ("叫我强哥就行", "强哥"), ("名字就写钟雪吧", "钟雪"),
    ("姓名写错了，应该是邵华", "邵华"), ("名字不对，是范冰不是范兵", "范冰"), ("我叫严丽不叫严莉", "严丽"),
])
def test_names_in_answers_and_corrections(text, expected):
    assert extract_all(text, TODAY)["customer_name"] == expected


@pytest.mark.parametrize("text", [
    "我不知道", "你好", "谢谢客服", "谢啦", "都对", "好的", "周五", "朝阳路支行", "我是来投诉的",
    "本人来办业务的", "ok", "hello",
])
def test_phrases_that_are_not_names(text):
    assert extract_all(text, TODAY)["customer_name"] is None


@pytest.mark.parametrize("text,expected", [
    ("开发区", "开发区支行"),                  # a bare stem as the answer
    ("长江路那边", "长江路支行"),
    ("和平街的", "和平街支行"),
    ("高新那个网点", "高新区支行"),            # a short form naming one branch only
    ("不是城北，是城南支行", "城南支行"),
    ("在萬達那個支行", "万达广场支行"),
])
def test_branch_answers_in_one_message(text, expected):
    assert extract_all(text, TODAY)["branch"] == expected


@pytest.mark.parametrize("text", ["我要去人民银行告你们", "人民币汇率太坑了", "金融监管总局会管你们的"])
def test_short_forms_only_stand_for_a_branch_as_a_place(text):
    assert extract_all(text, TODAY)["branch"] is None
