"""Classes of complaint the priority and the fund-safety advice depend on (seed 001 绿色通道:
涉及客户资金安全、重大误导 → high; docs/taxonomy.md §3), each in many customers' voices —
colloquial, elderly, dialect, Traditional characters, typos, mixed English — with the hard
negatives that must not change. The words are general rules in actions/taxonomy.yml
(`priority.debit`, `priority.explained`, `fund_safety.unauthorised.unexplained` / `with_debit`,
`cash_shortfall`, `private_sale`, `mis_selling`), not these sentences.
"""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.classify import case_kind, classify, fund_safety, rule_decision
from actions.triage import advise_on_fund_safety


def _unauthorised(text: str) -> None:
    assert classify(text)[0] == "transaction_dispute", text
    assert classify(text)[2] == "high", text
    assert fund_safety(text) == "unauthorised", text


def _normal_no_advice(text: str) -> None:
    assert classify(text)[2] == "normal", text
    assert fund_safety(text) is None, text


# -- 1. unauthorised card use, said as a denial of the transaction -------------------------------

DENIALS = [
    "不是我刷的",
    "我根本没消费过",
    "这笔不是我本人操作的",
    "我没授权",
    "卡在我手上钱却被取了",
    "半夜收到扣款短信我在睡觉",
    "信用卡上有一笔3000的消费，不是我刷的",
    "我没授权，凭什么扣我800",
    "收到短信说消费了2000，可我那会儿在睡觉啊",
    "凌晨三点扣了我两千多，那时候我在睡觉",       # 三点多扣 is not 多扣 (a double charge)
    "昨天凌晨2点多扣了我3000，我那时候在睡觉，根本不可能消费",
    "这笔交易不是我做的",
    "这几笔都不是我本人操作的，请帮我冻结",
    "这笔钱不是俺取的，俺老汉一直在屋里头",       # dialect
    "老人家说他没去银行取过钱，存折上却少了六千",  # elderly, said by family
    "我媽說她沒在那家超市買過東西，卡卻扣了兩百多",  # Traditional
    "這筆消費不是我刷的",
    "我沒授權過這筆交易",
    "閣下，這筆交易唔係我做嘅，張卡一直喺我銀包",  # Cantonese
    "i didn't make this payment，这笔不是我付的",
    "there is a charge i did not make，卡上扣了1200",
    "收到扣款通知800元，可是卡就在我手里",
    "卡一直在钱包里，怎么会有一笔外地的消费",
    "我根本没在这个商户消费过",
    "我这个月账单多了三笔网购，我从没在那些网站买过东西",
    "快捷支付扣了我五百，我没绑过这个",
    "卡里的钱被人用支付宝转走了三千，我支付宝根本没绑这张卡",
    "有一笔取现五千，我没去取过钱",
    "有笔扣款我完全不认识，商户名是一串英文",
    "凌晨收到短信，消费2999元，我睡着了啊",
]

NOT_DENIALS = [
    # the customer made the payment; the grievance is the merchant or their own mistake
    ("这笔是我刷的，但商户多收了钱", "transaction_dispute"),
    ("这笔是我刷的，只是商户刷了两次", "transaction_dispute"),
    ("这笔钱是我自己转的，但是转错人了", "transaction_dispute"),
    ("是我授权的代扣，但是扣款金额不对", "transaction_dispute"),
    # "不是我说…" is not about a transaction
    ("不是我说你们，排队太久了", "business_operation"),
    ("不是我说，你们柜员态度太差了", "staff_service"),
    ("不是我操作失误，是柜员录错了金额", "business_operation"),
    ("不是本人操作的话要带委托书，太麻烦", None),
    ("不是我本人办不了吗？我妈住院了来不了", None),
    # a denial about something that is not money (征信, a service, a freeze, data)
    ("没经过我授权就查了我的征信", "business_operation"),
    ("我没授权你们给我打推销电话", None),
    ("我没授权你们把我的号码给别人", None),
    ("我没授权，你们凭什么冻结我的卡", None),
    ("柜员把我的账户流水拿给我老公看了，我没同意", "staff_service"),
    ("定期到期了自动转存成了三年的，我没同意", None),
    # a named fee, a failed payment, an alibi without a debit, a hypothesis
    ("我根本没用过这张卡，凭什么收年费", "product_service"),
    ("我没消费成功，但是钱扣了", None),
    ("我在家等了三天都没人回电话", None),
    ("我在上班没时间去网点，转账被限制了", None),
    ("扣了我两百块，我在上班没时间去网点问", None),
    ("我在家里用手机银行转了五百给朋友，他说没收到", "transaction_dispute"),
    ("给我妈转了两千，她说没收到，不知道是谁的问题", "transaction_dispute"),
    ("凌晨两点多扣了我一笔年费，都没提前通知", "product_service"),
    ("是不是我刷的我也记不清了，就想查一下账单明细", None),
    ("担心不是我刷的，想查一下", None),
    ("我的账户被锁了，说是可疑交易，我就是正常收了几笔货款", "business_operation"),
]


@pytest.mark.parametrize("text", DENIALS)
def test_a_denied_transaction_is_an_unauthorised_debit(text):
    _unauthorised(text)


@pytest.mark.parametrize("text,category", NOT_DENIALS)
def test_what_only_looks_like_a_denial_stays_normal(text, category):
    _normal_no_advice(text)
    if category:
        assert classify(text)[0] == category


# -- 2. recurring deductions the customer never signed up for ------------------------------------

UNKNOWN_DEDUCTIONS = [
    "每个月被扣19块，我从来没开通过什么会员",
    "莫名其妙的自动扣费",
    "不知道是什么的代扣",
    "每月都扣我29块，从来没开通过",
    "卡里每个月自动扣十五块，我都不知道是什么",
    "有个代扣我不知道是哪来的，每月扣钱",
    "每个月被扣一笔会员费，我没开过会员",
    "每個月被扣19塊，我從來沒開通過什麼會員",
    "信用卡每月都有一笔自动续费，我根本没订阅过",
    "my card gets charged every month 19块 for some subscription 我没开过",
    "老是每个月少个二三十块，我也没办过啥业务啊",
    "自动续费扣了我三个月的钱，我从来没点过同意",
    "微信里有个代扣每个月扣钱，我根本不记得开过",
    "卡里每个月雷打不动扣我25，从来没办过啥会员",
    "每月15号都有人扣我9块9，我不晓得是啥",
    "莫名奇妙每个月少30块，问了你们也说不清",        # typo 奇 for 其
    "信用卡账单每月有一笔12元的“增值服务费”，我没开通过",
    "自动扣款每个月都有，我根本没签过什么代扣协议",
    "这个月又被扣了个什么会员费，谁给我开的",
    "每月被扣一笔“安心保障费”，我压根没办过",
    "信用卡上有一笔我不认识的会员年费，不知道是谁扣的",  # a fee they cannot identify
]

KNOWN_FEES = [
    "信用卡年费凭什么收我300",
    "短信通知费我知道但不想交",
    "账户管理费太高",
    "每个月扣两块短信费，我知道但是不想交",
    "小额账户管理费每个季度都扣",
    "我从来没开通过短信提醒，每个月还扣我两块",    # the bank's own alert fee: a fee dispute
    "每月都扣账户管理费，我从来没同意过",
    "信用卡年费莫名其妙扣了两百",
    "我没开通过什么分期，为什么收手续费",
    "每年扣一次年费，我知道有年费，就是觉得不该收",
    "短信提醒费每个月两块，我知道是什么，想取消",
    "我开通的视频会员自动续费忘了取消，钱被扣了，能退吗",
    "自动续费的会员我知道，就是想取消取消不了",
    "代扣水电费，我不知道怎么取消",
    "贷款每个月自动扣款，扣款日能不能改",
    "我没有收到任何短信通知就被扣了小额管理费",
]


@pytest.mark.parametrize("text", UNKNOWN_DEDUCTIONS)
def test_an_unknown_recurring_deduction_is_an_unauthorised_debit(text):
    _unauthorised(text)


@pytest.mark.parametrize("text", KNOWN_FEES)
def test_a_fee_the_customer_can_name_stays_normal(text):
    _normal_no_advice(text)


# -- 3. major mis-selling and 飞单 (high for that reason: no 110, no freezing) --------------------

MIS_SELLING = [
    # (complaint, reason)
    ("系统里查不到这个产品", "private_sale"),
    ("经理给我买的理财，到期了去问，说你们系统里查不到这个产品", "private_sale"),
    ("理财经理卖给我的产品在你们银行官网根本查不到", "private_sale"),
    ("买的理财产品银行系统里没有记录", "private_sale"),
    ("經理推薦的理財在系統裡查不到，錢拿不回來", "private_sale"),
    ("理财经理卖给我一个产品，现在去查，你们行里根本没有这个产品", "private_sale"),
    ("我买的那个理财，银行系统里查无此产品，经理也不接电话了", "private_sale"),
    ("理财经理卖的产品根本不是你们银行的，是外面公司的", "private_sale"),
    ("客户经理私下卖的", "private_sale"),
    ("客户经理私底下介绍了一个投资项目，投了二十万现在血本无归", "private_sale"),
    ("客户经理让我把钱转到他个人账户，说帮我买高收益理财", "private_sale"),
    ("客户经理让我把钱转到他老婆的账户，说是帮我买内部理财", "private_sale"),
    ("那个经理让我把钱打到一个公司账户买理财，现在联系不上", "private_sale"),
    ("说是存款结果是保险", "mis_selling"),
    ("当时讲好保本的，现在告诉我本金亏了四成", "mis_selling"),
    ("经理说这个理财保证本金，现在本金亏了一半", "mis_selling"),
    ("说好的本金绝对安全，结果亏了三万", "mis_selling"),
    ("我只是去存个定期，出来手里拿的是一份分红保险合同", "mis_selling"),
    ("存钱的时候稀里糊涂就签了保险合同", "mis_selling"),
    ("我妈去存定期，被柜员弄成了分红险，她根本不知道", "mis_selling"),
    ("柜员把我妈的五万存款弄成了理财产品，她一点都不知道", "mis_selling"),
    ("保险合同不是我签的，是经理替我签的", "mis_selling"),
    ("经理说存这个跟存定期一样还保本，原来是十年期的保险", "mis_selling"),
]

NOT_MIS_SELLING = [
    "理财收益没有预期高",
    "买的理财收益没有预期高，有点失望",
    "基金跌了，收益没有预期高",
    "理财到期收益比预期少了一点",
    "理财收益比预期低一点，有点不满意",
    "基金这几个月跌了，我知道有风险，就是想问问怎么赎回",
    "理财经理推荐的产品，风险说清楚了，亏了我认，就是赎回太慢",
    "理财经理说清楚了不保本，亏了我认",
    "买的是非保本理财，亏了一点，就是想问问赎回规则",
    "我想把存款转成理财，手续太麻烦",
    "去年存款到期，我自己买了份保险，现在理赔被拒",
    "你们没有这个产品吗？我想买",
    "APP上查不到这个产品了，是不是下架了",
    "保险理赔在银行系统里查不到进度",
    "理财在手机银行上查不到收益明细",
    "我在其他公司的产品收益更高，你们的理财太差",
    "手机银行里查不到我的转账记录",
]


@pytest.mark.parametrize("text,reason", MIS_SELLING)
def test_major_mis_selling_and_private_sales_are_high_without_safety_advice(text, reason):
    assert classify(text)[2] == "high"
    assert rule_decision(text).reason == reason
    assert fund_safety(text) is None
    assert classify(text)[1] == "wealth"


@pytest.mark.parametrize("text", NOT_MIS_SELLING)
def test_a_disappointing_return_or_a_question_is_not_mis_selling(text):
    _normal_no_advice(text)


# -- 4. a machine that paid out short or swallowed the cash: a dispute, not fund safety ----------

MACHINE_SHORTFALL = [
    "取五千只吐出四千五",
    "存款机吞钱没入账",
    "少出了两张",
    "ATM取五千只吐出四千五，账上扣了五千",
    "取款机少出了两张一百的",
    "在自助机取了3000，数了一下只有2800",
    "取钱的时候机器只吐了一半，卡里扣了全额",
    "存款机把我的钱吞了，余额没变",
    "存钱的机器吃了我三千块钱，屏幕显示交易失败",
    "ATM取了两千，少吐了两张，我数了好几遍",
    "櫃員機取款少了五百",
    "atm机器少吐钱了",
    "自动取款机吐出来的钱少了一百",
    # the card never left the customer, the money is "gone": still the machine, not a thief
    "存款机吞了我五千块，到现在还没入账，我卡一直在身上",
    "存款机把我的一万块吞了，一直没到账，卡还在我身上呢",
    "ATM取钱钱没出来，账户却扣了，钱不翼而飞了",
    "存钱的时候机器把钱吃了，屏幕显示故障，钱不翼而飞",
    "在自助存款机存了两千，机器卡住了，钱没了",
    "取款机没取到钱，卡里扣了1000，我人就站在机器前面",
    "老汉在ATM取钱，机器吐了一半就卡住了，钱被吞了",
    "在你们ATM取了两千，只出来一千八",
    "取款機少吐了兩張一百，帳上扣了全額",
    "ATM机子吐钱吐一半就卡住了，剩下的钱没出来，账户扣了",
    "自助存款机存了五千，只入账了四千五",
    "我在自助机上取三千，数了两遍只有两千九",
    "the ATM only gave me 500 but took 1000 from my account",
]

# money missing with no machine fault: fund safety all the same
MISSING_WITHOUT_A_FAULT = [
    "卡里少了五千，我从来没取过",
    "账户少了两万，我从来没取过钱，也没去过ATM",
    "存折上少了两千块钱，我从来没取过",
    "储蓄卡一直放在抽屉里，余额少了8千，流水显示是在外省ATM取的",
    "我的卡在身上，却在外地ATM被取了三千",
    "卡一直在我身上，却有人在外地ATM取走了六千",
    "我爸的存折上少了两万，他八十多了根本不会用ATM",
]


@pytest.mark.parametrize("text", MACHINE_SHORTFALL)
def test_a_machine_shortfall_is_a_cash_dispute_without_fund_safety(text):
    assert classify(text) == ("transaction_dispute", "cash", "normal")
    assert fund_safety(text) is None
    dispatcher = CollectingDispatcher()
    assert advise_on_fund_safety(dispatcher, text, {}) == {}
    assert dispatcher.messages == []  # no 110, no freezing the card for a machine fault


def test_more_detail_about_a_machine_fault_does_not_turn_it_into_fund_safety():
    description = "ATM少吐了两张一百；卡一直在我身上；钱到现在还没退回来"
    assert classify(description)[2] == "normal"
    assert advise_on_fund_safety(CollectingDispatcher(), description, {}) == {}


@pytest.mark.parametrize("text", [t for t in MACHINE_SHORTFALL if "机" in t or "ATM" in t.upper()])
def test_a_machine_shortfall_asks_for_the_branch(text):
    assert case_kind(*classify(text)[:2], text) == "transaction_dispute/atm"


@pytest.mark.parametrize("text", MISSING_WITHOUT_A_FAULT)
def test_money_missing_without_a_machine_fault_stays_fund_safety(text):
    _unauthorised(text)
    dispatcher = CollectingDispatcher()
    assert advise_on_fund_safety(dispatcher, text, {}) == {"fund_safety": "unauthorised"}
    assert [m.get("response") for m in dispatcher.messages] == ["utter_fund_safety_unauthorised"]


# -- 5. identity theft: a card, account or loan opened in the customer's name --------------------

IDENTITY_THEFT = [
    "名下多了张卡我没办过",
    "有人冒用我身份证开户",
    "我名下多了一张信用卡，我从来没办过",
    "有人用我的身份证在你们银行开了户",
    "查了一下我名下居然有个账户，我根本不知道",
    "身份证被人冒用办了贷款",
    "我名下莫名其妙多了一个账户",
    "有人拿我身份证复印件办了张卡",
    "我从没借过钱，你们说我名下有一笔贷款逾期了",
    "身份证被人拿去办了张信用卡，现在催我还钱",
    "身份证丢了以后，被人拿去办了信用卡还透支了",
    "怎么多了一张我没办过的卡",
    "我查了下我名下居然有三张卡，有两张不是我办的",
    "有人冒名用我的身份证在你们行开了个账户",
    "你们怎么让别人用我的身份证办贷款",
    "我名下多出来一个账户，我从来没在你们行开过户",
    # found through the credit report, "去" before the verb (issue 12, third round)
    "打征信报告一看，名下挂着一张信用卡，我压根没去申请过",
    "名下有张储蓄卡，我从来没来你们这办过",
]

NOT_IDENTITY_THEFT = [
    "我名下有两张卡，想注销一张",
    "我名下的卡太多了想注销几张",
    "名下的那张卡是我自己办的，现在想注销",
    "担心有人冒用我身份证开户",
    "可以用我的身份证给我妈开户吗",
    "有人给我打电话说我名下有张卡要注销，我没理他",
]


@pytest.mark.parametrize("text", IDENTITY_THEFT)
def test_identity_theft_is_high(text):
    category, _, priority = classify(text)
    assert priority == "high"
    assert category in ("transaction_dispute", "business_operation")
    assert fund_safety(text) == "unauthorised"


@pytest.mark.parametrize("text", NOT_IDENTITY_THEFT)
def test_an_account_the_customer_knows_of_is_not_identity_theft(text):
    _normal_no_advice(text)


# -- 6. phishing: a link clicked, a code scanned, details entered on a fake page -----------------

PHISHING = [
    "点了短信里的链接填了信息，卡里钱就没了",
    "扫了个码领补贴，结果被扣了三千",
    "在一个假网站输了验证码",
    "收到个短信说积分兑换，点进去填了卡号密码，第二天钱全没了",
    "点开链接输了银行卡号和验证码，然后收到扣款短信",
    "在一个仿冒你们银行的网页上登录了，结果被转了一万",
    "加了个群扫码领红包，输完密码卡里就少了800",
    "在钓鱼网站上填了信用卡信息",
    "點了簡訊裡的連結輸入了卡號和密碼，帳戶少了五千",           # Traditional
    "點咗短信條連結，填咗卡號，跟住就俾人扣咗兩千蚊",            # Cantonese
]

NOT_PHISHING = [
    "短信链接打不开",
    "收到诈骗短信我没点",
    "有人冒充银行发短信叫我点链接，我没点",
    "你们发的短信链接点不开",
    "我在网站上输验证码老是提示错误",
    "扫码输了密码付了50块，商家说没收到",
    "在手机银行app上输了验证码转了5000，对方说没收到",
    "手机银行扫码付款扣了两次",
]


@pytest.mark.parametrize("text", PHISHING)
def test_phishing_with_details_entered_or_money_gone_is_a_scam(text):
    assert classify(text)[2] == "high", text
    assert fund_safety(text) == "scam", text


@pytest.mark.parametrize("text", NOT_PHISHING)
def test_a_link_or_code_without_details_given_or_money_gone_stays_normal(text):
    _normal_no_advice(text)


# -- 7. Cantonese unauthorised use (碌咗, 俾人/畀人, 冇, 唔係) ---------------------------------------

CANTONESE_UNAUTHORISED = [
    "張卡俾人喺網上碌咗8888蚊",
    "我冇收到驗證碼但係畀人扣咗錢",
    "唔係我簽賬",
    "我张卡畀人碌咗三千几蚊，我冇用过",
    "戶口俾人轉走咗一萬蚊",
    "唔係我碌嘅卡",
    "我冇簽過呢筆賬",
]

NOT_CANTONESE_UNAUTHORISED = [
    "我冇收到驗證碼",
    "張卡碌唔到",
    "我用信用卡碌咗三千蚊，想分期",
    "呢筆係我簽賬，但係商戶收多咗",
    "我冇碌過卡，點解會收年費",
]


@pytest.mark.parametrize("text", CANTONESE_UNAUTHORISED)
def test_cantonese_unauthorised_use_is_high(text):
    assert classify(text)[2] == "high", text
    assert fund_safety(text) == "unauthorised", text


@pytest.mark.parametrize("text", NOT_CANTONESE_UNAUTHORISED)
def test_cantonese_card_use_of_ones_own_stays_normal(text):
    _normal_no_advice(text)


# -- 8. an account in the customer's name learnt from the bank's SMS -----------------------------

ACCOUNT_NEVER_OPENED = [
    "收到短信说我开了个二类账户，我根本没开过",
    "谁拿我身份证开的户",
    "收到你们银行短信，说我新开了一个账户，可我从来没去开过",
    "银行发短信恭喜我开户成功，我都没办过啊",
    "是谁用我的身份证办的卡",
    "谁冒用我身份證開的帳戶",
    "收到短信話我開咗個戶口，我根本冇開過",
]

ACCOUNT_KNOWN = [
    "我开了个二类账户，想问怎么升级",
    "帮我开个二类账户",
    "收到短信说我开了二类账户，是我自己在app上开的，想问限额",
    "谁帮我开的户？网点哪个柜员",
    "拿我身份证开户要多久",
    "身份证过期了，开户开不了",
    "短信说我开通了短信提醒，我没开过这个服务",
]


@pytest.mark.parametrize("text", ACCOUNT_NEVER_OPENED)
def test_an_account_opened_without_the_customer_is_identity_misuse(text):
    assert classify(text)[2] == "high", text
    assert fund_safety(text) == "unauthorised", text


@pytest.mark.parametrize("text", ACCOUNT_KNOWN)
def test_an_account_the_customer_opened_or_asks_about_stays_normal(text):
    _normal_no_advice(text)


# -- 9. went to deposit, signed papers, came home with insurance (mis-selling, no safety advice) --

DEPOSIT_TURNED_INSURANCE = [
    "我去存定期，柜台让我签了一堆字，回家一看是保险",
    "本来想存钱，稀里糊涂买成了分红险",
    "去銀行存錢，職員叫我簽咗幾張紙，返屋企先知係保險",
    "我妈去存定期，签了几份文件，后来发现是一份分红保险",
    "本来是去存款的，结果稀里糊涂买成了年金险",
    "想存三年定期，结果签完拿回来的是保险合同",
]

NOT_DEPOSIT_TURNED_INSURANCE = [
    "我想买保险，问问有哪些",
    "定期到期了想转存",
    "存定期的时候柜员推荐保险，我没买",
    "我去存定期，柜员让我签了好多字，太麻烦了",
    "我自己买了分红险，现在想退保",
]


@pytest.mark.parametrize("text", DEPOSIT_TURNED_INSURANCE)
def test_a_deposit_turned_into_insurance_is_mis_selling(text):
    assert classify(text)[2] == "high", text
    assert rule_decision(text).reason == "mis_selling", text
    assert fund_safety(text) is None, text


@pytest.mark.parametrize("text", NOT_DEPOSIT_TURNED_INSURANCE)
def test_a_question_about_insurance_or_a_deposit_stays_normal(text):
    _normal_no_advice(text)


# -- fifth round (2026-12-05) --------------------------------------------------------------------

def test_the_banks_suspicion_must_be_in_its_own_clause():
    # the bank in one clause, a relative calling it a scam in the next: the customer's own scam
    text = "对方自称是法院的，让我配合调查，我就在你们网银上转了一万，后来我儿子说这是骗子"
    assert fund_safety(text) == "scam"
    assert classify(text)[2] == "high"
    # the bank itself suspecting a fraud (a risk-control stop) is still no scam
    assert fund_safety("我给我妹转钱，你们柜员非说我是被骗了，不给转") is None


def test_a_deposit_found_to_be_insurance_in_a_later_sentence_is_mis_selling():
    text = "那年我去存三万块定期，经理说有个收益高的，我就签了。今年要用钱去取，柜台才告诉我是保险"
    assert classify(text)[2] == "high"


def test_an_account_in_my_name_i_could_not_have_opened_is_unauthorised():
    text = "征信上显示我名下有个信用卡账户，发卡地是我从没去过的城市"
    assert fund_safety(text) == "unauthorised"
    assert fund_safety("我名下有个账户是我自己开的，现在想注销") is None


def test_sixth_round_fund_safety():
    assert fund_safety("半夜被扣了两笔，我在上夜班，卡一直放在单位柜子的包里") == "unauthorised"
    assert fund_safety("有人拿假证件补办了我的手机卡，第二天卡里的钱就被转走了") in ("unauthorised", "scam")
    assert classify("有人拿假证件补办了我的手机卡，第二天卡里的钱就被转走了")[2] == "high"
    # a relative's card taken to the counter is no scam destination
    assert fund_safety("我拿着我爸的卡去取他的养老金，柜员说要本人来，取不出来") is None


# -- the bank's anti-fraud questions are not a scam the customer tells of ------------------------

@pytest.mark.parametrize("text", [
    "我去柜台取三万块给儿子买车，柜员问东问西，说怕我被骗，非要我儿子来",
    "取自己的钱还要被审问，当我是上当受骗的糊涂老太太啊",
    "银行的人担心老人被骗，我理解，可也不能不让取吧",
])
def test_staff_worried_the_customer_might_be_scammed_is_no_scam(text):
    _normal_no_advice(text)


def test_a_scam_after_the_staffs_warning_is_still_a_scam():
    text = "柜员怕我被骗提醒过我，结果我还是被骗了，冒充公安让我转了两万到安全账户"
    assert classify(text)[2] == "high" and fund_safety(text) == "scam"


@pytest.mark.parametrize("text", [
    "转账的时候输错了一位卡号，五百块转到陌生人那去了，对方联系不上",
    "手机银行上选错了收款人，钱打过去了，现在找不到人",
])
def test_a_transfer_the_customer_sent_to_the_wrong_person_is_no_fraud(text):
    _normal_no_advice(text)


def test_an_account_in_my_name_at_a_bank_i_never_used_is_identity_misuse():
    text = "查征信发现我名下有一张你们行的信用卡，在外省开的，我从来没办过"
    assert classify(text)[2] == "high" and fund_safety(text) == "unauthorised"
