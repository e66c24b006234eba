"""bot/quality/reply_check.py: the 质检 every agent reply (and every bot text) passes before it
is sent — no promise of compensation or outcome, no whole card/ID/phone number, no rude words.
Honest replies an agent writes every day must pass: a false block costs a supervisor's time."""
from __future__ import annotations

import pytest

from bot.quality.reply_check import (
    CARD,
    ID_NUMBER,
    PHONE,
    PROMISE,
    RUDE,
    RULE_LABELS,
    check_reply,
    numbers,
)

# what agents write all day: process and time commitments, apologies, last four digits, masked
# numbers, case numbers, amounts, dates, the hotline, cautions about what cannot be promised
CLEAN = [
    "我们会在15日内给您答复",
    "您的卡号尾号1234",
    "您好，我是客服李娜，年费的问题我马上帮您核实。",
    "非常抱歉给您带来不便，您反映的情况我已经详细记录。",
    "我们承诺在15天内给您答复。",
    "是否赔偿、赔偿多少，需要责任部门调查核实后决定，我们会及时告知您。",
    "会不会赔偿要看调查结果，我们会第一时间告诉您。",
    "资金是否可以追回，需要公安机关调查后才能确定，请您先拨打110报警。",
    "您提出的赔偿要求我已经如实记录，会由责任部门评估。",
    "请您放心，我们一定会认真核实，24小时内会有专人联系您。",
    "您的案件编号是TS20261122000123，请妥善保存。",
    "我们会拨打您尾号5678的手机与您联系。",
    "请您拨打95566，按0转人工，工作人员会为您冻结账户。",
    "如需找回登录密码，我可以帮您找回密码，请按以下步骤操作。",
    "您的手机号138****5678还在使用吗？",
    "您留的号码是 138****5678，对吗？",
    "这笔5000元的扣款发生在2026-11-22 10:30，我们会调取交易记录。",
    "涉及金额12,800.50元，我已经记在案件里了。",
    "十一月二十二日下午三点的交易我们已经记录。",
    "请您提供一下银行卡的尾号和交易时间。",
    "很理解您的心情，换作是我也会着急。",
    "我会把您的情况反馈给朝阳路支行的负责人，他们会在24小时内联系您。",
    "这个问题需要后台核查，核查结果出来后我们第一时间通知您。",
    "退款会原路退回到您的账户，一般需要3到5个工作日。",
    "不好意思让您久等了，我这边已经接手您的问题。",
    "您说的情况我都明白了，我们一定会认真对待。",
    "您可以通过我行官网或手机银行查询处理进度。",
    "为了您的资金安全，建议您尽快冻结账户并修改密码。",
    "如果您对处理结果不满意，可以申请核查，也可以向金融监管部门反映。",
    "我们不能保证一定能追回，但会尽最大努力协助公安机关。",
    "钱能不能追回来，要看公安机关的侦查结果。",
    "您的意见对我们很重要，谢谢您的耐心。",
    "我已为您登记了回电，明天上午10点前会有同事给您回电。",
    "您提到的那位柜员，我们会核实当时的监控和服务记录。",
    "给您带来困扰，真的很抱歉。",
    "请您稍等，我查一下。",
    "好的，我们会尽快为您处理，请保持电话畅通。",
    "手续费退还的要求已经记录，责任部门会核实收费是否合规。",
    "本次投诉编号TS20261206000001，处理时限为15个自然日。",
    "如情况复杂需要延期，最长不超过30日，我们会提前告知您。",
    "您是对的，这件事确实是我们没有解释清楚，我向您道歉。",
    "您反映的垃圾短信问题，我们会转给信息安全部门核查。",
    "您也可以拨打12378或向消协反映，这是您的权利。",
    "请问您希望我们怎样处理？我会如实记录您的诉求。",
    "身份证号不用发给我，办理时请带上身份证原件到网点。",
    "请不要把完整卡号、密码或验证码告诉任何人，包括我们的工作人员。",
    "您的身份证末四位是1234，对吗？",
    "谢谢您的理解和支持，祝您生活愉快！",
    "您好，客服王明为您服务。",
    "我理解您很着急，我们一起把事情理清楚。",
    "第一笔扣款是11月3日，第二笔是11月5日，对吗？",
    "相信您一定能理解我们需要核实的原因。",
    "您要投诉吧？好的，我这就为您登记。",
    "如对处理结果不满意，您可以投诉到金融监管总局。",
    "我们一定会把您的意见转达给网点负责人。",
    "您这个问题我们肯定会认真查清楚，查清后第一时间联系您。",
    "我們會在15日內給您答覆。",  # Traditional: read like Simplified
]


@pytest.mark.parametrize("reply", CLEAN)
def test_honest_replies_pass(reply: str) -> None:
    check = check_reply(reply)
    assert check.passed, check.reasons
    assert check.reasons == [] and check.summary == "质检通过。"


PROMISES = [
    "我们保证赔偿您的全部损失",
    "一定赔给您",
    "可以全额赔付",
    "钱肯定退给您",
    "我们包赔",
    "我们承诺解决",
    "我们承诺给您退款",
    "保证三天内解决",
    "一定给您解决",
    "放心，钱一定能追回来",
    "我们会帮您把钱追回来",
    "被骗的钱会追回的",
    "损失会全额找回",
    "及时冻结就能追回损失",
    "放心，资金可以拿回来",
    "我们会赔偿您的损失",
    "这个钱我们会退还给您",
    "我们百分之百给您退款",
    "我保证让您满意",
    "您放心，这事肯定给您解决",
    "我们一定能解决",
    "这事我们绝对会给您一个满意的结果",
    "我們保證賠償您的損失",  # Traditional
]


@pytest.mark.parametrize("reply", PROMISES)
def test_promises_are_blocked(reply: str) -> None:
    check = check_reply(reply)
    assert check.rules == [PROMISE]
    (finding,) = check.findings
    assert finding.words and all(w for w in finding.words)
    assert finding.reason.startswith("承诺赔偿或处理结果：“")
    assert "15日内" in finding.reason  # what may be said instead


@pytest.mark.parametrize(
    "reply, rule, mask",
    [
        ("您的卡号是6222021234567890123", CARD, "***************0123"),
        ("卡号 6222 0212 3456 7890 已经冻结", CARD, "************7890"),
        ("卡号6222-0212-3456-7890", CARD, "************7890"),
        ("卡号６２２２０２１２３４５６７８９０", CARD, "************7890"),
        ("卡号六二二二零二一二三四五六七八九零", CARD, "************7890"),
        ("您的身份证110101199003071234已登记", ID_NUMBER, "110101********1234"),
        ("身份证号11010119900307123X", ID_NUMBER, "110101********123X"),
        ("身份证 110101 19900307 1234", ID_NUMBER, "110101********1234"),
        ("我们会打13812345678联系您", PHONE, "138****5678"),
        ("电话是１３８１２３４５６７８", PHONE, "138****5678"),
        ("电话 138-1234-5678", PHONE, "138****5678"),
        ("电话 138 1234 5678", PHONE, "138****5678"),
        ("电话 1 3 8 1 2 3 4 5 6 7 8", PHONE, "138****5678"),
        ("+86 138 1234 5678", PHONE, "138****5678"),
        ("008613812345678", PHONE, "138****5678"),
        ("您的号码一三八一二三四五六七八对吗", PHONE, "138****5678"),
        ("您的号码是幺三八幺二三四五六七八", PHONE, "138****5678"),
        ("支行电话010-62345678", PHONE, "010****5678"),
    ],
)
def test_whole_numbers_are_blocked_and_shown_masked(reply: str, rule: str, mask: str) -> None:
    check = check_reply(reply)
    assert check.rules == [rule]
    assert check.findings[0].words == (mask,)
    assert RULE_LABELS[rule] in check.summary
    # the reason never repeats the number in full
    assert all(mask in r for r in check.reasons)


def test_a_masked_number_quoted_beside_a_whole_one_is_not_counted_twice() -> None:
    found = numbers("原号码138****5678，新号码13987654321")
    assert found == {PHONE: ("139****4321",)}


@pytest.mark.parametrize(
    "reply",
    [
        "您可以去投诉我",
        "你尽管投诉吧",
        "有本事你去告",
        "你听不懂吗？",
        "我都说了多少遍了",
        "这事不归我管",
        "关我什么事",
        "你是不是傻",
        "你自己看着办",
        "少废话",
        "你烦不烦啊",
        "神经病",
        "这是你自己的问题，怪你自己",
        "爱信不信",
        "你聽不懂嗎",  # Traditional
    ],
)
def test_rude_wording_is_blocked(reply: str) -> None:
    check = check_reply(reply)
    assert check.rules == [RUDE]
    assert check.findings[0].reason.startswith("不文明用语：“")


def test_several_rules_at_once_each_with_its_words() -> None:
    check = check_reply("你听不懂吗？我们保证赔偿，卡号6222021234567890123，电话13812345678")
    assert check.rules == [PROMISE, CARD, PHONE, RUDE]
    assert [f.words for f in check.findings] == [
        ("保证赔",), ("***************0123",), ("138****5678",), ("听不懂吗",)
    ]
    assert check.summary == "未发送：这条回复未通过发送前质检（承诺赔偿或处理结果、完整银行卡号、完整电话号码、不文明用语）。"
    assert len(check.reasons) == 4


def test_empty_text_passes() -> None:
    assert check_reply("").passed
