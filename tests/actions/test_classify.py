"""actions/classify.py: category, business line, priority and flags from the taxonomy data."""
from __future__ import annotations

import pytest

from actions.classify import (
    BUSINESS_LINES,
    CATEGORIES,
    business_line_label,
    case_kind,
    category_label,
    classify,
    detect_flags,
    priority_label,
    taxonomy,
)

CASES = [
    # (complaint, category, business_line, priority)
    ("你好，我的信用卡被人盗刷了，我根本没有消费过！", "transaction_dispute", "bank_card", "high"),
    ("我卡里少了3000块，不知道被谁转走了", "transaction_dispute", "bank_card", "high"),
    ("微信绑定的卡被扣了三笔钱，每笔一千，不是我本人操作的", "transaction_dispute", "bank_card", "high"),
    ("接到冒充你们客服的电话，被骗转了两万块", "transaction_dispute", "payment", "high"),
    ("我的银行卡昨天丢了，今天发现被人取走了五千", "transaction_dispute", "bank_card", "high"),
    ("你们ATM取款没出钞但是扣了我2000元", "transaction_dispute", "cash", "normal"),
    ("跨行转账三天了还没到账，钱也扣了", "transaction_dispute", "payment", "normal"),
    ("同一笔消费重复扣款，扣了两次", "transaction_dispute", "payment", "normal"),
    ("柜员态度特别差，还冲我翻白眼", "staff_service", "other", "normal"),
    ("大堂经理对我大吼大叫，太没礼貌了", "staff_service", "other", "normal"),
    ("客户经理办业务的时候一直玩手机，爱答不理的", "staff_service", "other", "normal"),
    ("存钱的时候柜员不耐烦，还说你可以去投诉", "staff_service", "other", "normal"),
    ("在朝阳路支行排队排了两个小时，只开一个窗口", "business_operation", "other", "normal"),
    ("我的借记卡被冻结了，去网点也办不了，耽误我好多事", "business_operation", "bank_card", "normal"),
    ("办个销户要我跑了三趟，每次都说材料不全", "business_operation", "deposit", "normal"),
    ("房贷提前还款申请了一个月都没人处理", "business_operation", "loan", "normal"),
    ("柜员把我的存单金额录错了，害我白跑一趟", "business_operation", "deposit", "normal"),
    ("要我提供证明我妈是我妈的材料才给办，太离谱了", "business_operation", "other", "normal"),
    ("你们手机银行转账乱扣我手续费，扣了200元，太不合理了", "product_service", "payment", "normal"),
    ("信用卡年费凭什么收我300块，办卡时说免年费的", "product_service", "bank_card", "normal"),
    ("手机银行一直闪退，登录不了", "product_service", "payment", "normal"),
    ("ATM吞了我的卡，等了半小时都没人管", "product_service", "bank_card", "normal"),
    ("小额账户管理费每个季度都扣，没人告诉过我", "product_service", "deposit", "normal"),
    ("你們銀行的理財產品虧了一萬二，當初經理說保本的，根本是誤導銷售！", "product_service", "wealth", "high"),
    ("上周五我在解放路支行存了五万块定期，结果存单变成了保险单", "product_service", "wealth", "high"),
    ("房贷利率这么高，为什么不给我下调", "product_service", "loan", "normal"),
    ("一直接到你们的营销电话，我的个人信息是不是被泄露了", "other", "personal_info", "normal"),
    ("你们银行门口的停车位太少了", "business_operation", "other", "normal"),
    ("你们的广告牌挡住了我家店的招牌", "other", "other", "normal"),
    ("存了20万，客户经理让我买了个理财说是跟存款一样，结果是保险，五年不能取", "product_service", "wealth", "high"),
    ("昨天晚上收到短信说我信用卡消费了8000元，我根本没出过门", "transaction_dispute", "bank_card", "high"),
    ("办个继承手续要这个证明那个证明，跑了五六趟还没办下来", "business_operation", "deposit", "normal"),
    ("app更新以后我就登不上了，转账也转不了", "product_service", "payment", "normal"),
    ("去柜台取五万块钱，非要我说明用途，还要预约", "business_operation", "cash", "normal"),
    ("我的征信上多了一笔不是我的贷款", "business_operation", "personal_info", "normal"),
    ("信用卡逾期了一天就打了十几个催收电话到我单位", "staff_service", "bank_card", "normal"),
    ("柜员给我的五百块里有一张假币", "transaction_dispute", "cash", "normal"),
    ("转账转错了人，你们说帮不了我", "transaction_dispute", "payment", "normal"),
    ("银行卡在ATM上被人装了读卡器，卡里的钱被取光了", "transaction_dispute", "bank_card", "high"),
    ("我申请信用卡被拒了，也不告诉我原因", "business_operation", "bank_card", "normal"),
    ("存折上的钱被我儿子偷偷取走了，你们为什么不核实身份", "transaction_dispute", "deposit", "high"),
    ("开个户要等一个小时，还要填一堆表", "business_operation", "deposit", "normal"),
    ("基金亏了30%，当初说稳赚不赔", "product_service", "wealth", "high"),
    ("外币兑换的汇率比官网的差很多", "product_service", "cash", "normal"),
    ("我的卡丢了，而且刚收到短信被人刷了两千块", "transaction_dispute", "bank_card", "high"),
]


# More phrasings, category only.
MORE = [
    ("上个月工资卡里无缘无故少了八百块，查流水也看不明白", "transaction_dispute"),
    ("支付宝提现到你们卡上三天了还没到", "transaction_dispute"),
    ("我在商场刷卡付了两次钱，商场说只收到一次", "transaction_dispute"),
    ("网上买东西退货了，退款一直没退回我卡里", "transaction_dispute"),
    ("卡里突然多了几笔境外消费，我人在国内", "transaction_dispute"),
    ("给我妈汇的钱她那边没收到，你们这边显示成功", "transaction_dispute"),
    ("想把定期取出来给孩子交学费，非要我妈本人来，她在医院躺着", "business_operation"),
    ("身份证过期了，手机银行转账被限制了，去网点又说要等", "business_operation"),
    ("办了三个月的房贷还没批下来，问了也不说为什么", "business_operation"),
    ("我的账户被锁了，说是可疑交易，我就是正常收了几笔货款", "business_operation"),
    ("网点周六说好营业的，去了发现关着门", "business_operation"),
    ("想打印一份流水，柜台说要预约，下周才能拿", "business_operation"),
    ("结清贷款一个月了，抵押还解不了", "business_operation"),
    ("给我存款的时候少存了一千，柜员点钞点错了", "business_operation"),
    ("开了个户被要求买理财才给开", "business_operation"),
    ("信用卡分期的手续费比宣传的高很多", "product_service"),
    ("你们的手机银行人脸识别一直过不了", "product_service"),
    ("自助机存钱存进去了，但是余额没变", "transaction_dispute"),
    ("理财到期了收益比说的少了一半", "product_service"),
    ("我70多岁了，柜员推销了一款五年期的保险，说是存款", "product_service"),
    ("信用卡莫名其妙被降了额度，也没通知我", "product_service"),
    ("积分兑换的礼品一直没发货", "product_service"),
    ("短信提醒服务每个月扣我两块钱，我从来没开通过", "product_service"),
    ("ATM机坏了好几天了也没人修", "product_service"),
    ("柜员一边办业务一边打电话，办错了还怪我", "staff_service"),
    ("保安不让我把电动车停门口，还推了我一下", "staff_service"),
    ("大堂经理一直忽悠我买基金，我说不要还一直缠着", "staff_service"),
    ("打电话问个问题，客服说话特别冲", "staff_service"),
    ("门口台阶太高，轮椅上不去", "business_operation"),  # seed 003 A类: 硬件设施、营业环境
    ("你们的广告牌挡住了我家店的招牌", "other"),
    ("网点里空调太冷了", "business_operation"),
    ("取号机坏了，大家只能乱排", "business_operation"),
    ("存折补登机一直显示故障", "product_service"),
    ("电话银行转人工要等二十分钟", "business_operation"),
    ("我的卡在外地用不了，说是没开通异地", "business_operation"),
    ("刚办的信用卡还没激活就收到年费账单", "product_service"),
    ("外汇汇款被退回来了，手续费却不退", "product_service"),
    ("我被电信诈骗转了五万，你们为什么不拦截", "transaction_dispute"),    ("我卡里的钱怎么少了两千，我都没用过这张卡", "transaction_dispute"),
    ("昨天晚上手机收到验证码，然后卡里就被划走了一万", "transaction_dispute"),
    ("信用卡账单上有一笔我没买过的东西", "transaction_dispute"),
    ("网购付款失败了，但是钱扣了，到现在还没退", "transaction_dispute"),
    ("ATM存钱的时候机器吞了我两千块，余额里没有", "transaction_dispute"),
    ("还信用卡的钱已经转进去了，你们还算我逾期", "transaction_dispute"),
    ("我的卡被别人绑定了微信支付，刷了好多钱", "transaction_dispute"),
    ("帮我爸办个养老金卡，跑了四趟都没办成", "business_operation"),
    ("改个密码而已，非要我去开户的网点", "business_operation"),
    ("存款证明要三个工作日才能开，太慢了", "business_operation"),
    ("你们网点只开一个窗口，几十个人排着", "business_operation"),
    ("贷款提前还清了，你们一直不给我开结清证明", "business_operation"),
    ("我老母亲八十多了走不动，你们非要她本人来网点", "business_operation"),
    ("你们的柜员把我的名字打错了，卡上名字不对", "business_operation"),
    ("手机银行更新以后转账老是提示系统繁忙", "product_service"),
    ("信用卡年费说好刷够次数就免，刷够了还是扣了", "product_service"),
    ("你们的存款利率比别的银行低太多了", "product_service"),
    ("买的理财产品风险等级根本没跟我说清楚", "product_service"),
    ("自助取款机一直提示暂停服务", "product_service"),
    ("大额转账手续费太贵了", "product_service"),
    ("那个柜员嘴里一直嘟嘟囔囔，骂我老糊涂", "staff_service"),
    ("我问了两遍，她就不耐烦地说你听不懂吗", "staff_service"),
    ("理财经理天天打电话骚扰我买产品，说了不要还打", "staff_service"),
    ("大堂经理看我是老人就不理我，先招呼别人", "staff_service"),
    ("客户经理把我的身份证复印件随便放在桌上", "staff_service"),
    ("你们银行的logo太丑了", "other"),
]


@pytest.mark.parametrize("text,category", MORE)
def test_category_of_varied_phrasings(text, category):
    assert classify(text)[0] == category


@pytest.mark.parametrize("text,category,business_line,priority", CASES)
def test_classify(text, category, business_line, priority):
    assert classify(text) == (category, business_line, priority)


def test_codes_are_the_contract_codes():
    for text, *_ in CASES:
        category, business_line, priority = classify(text)
        assert category in CATEGORIES
        assert business_line in BUSINESS_LINES
        assert priority in ("high", "normal")
    assert set(taxonomy().categories.order) == set(CATEGORIES)
    assert set(taxonomy().business_lines.order) == set(BUSINESS_LINES)


def test_every_code_has_a_plain_chinese_label():
    for code in CATEGORIES:
        assert category_label(code) and not category_label(code).isascii()
    for code in BUSINESS_LINES:
        assert business_line_label(code) and not business_line_label(code).isascii()
    assert category_label("transaction_dispute") == "交易争议"
    assert business_line_label("bank_card") == "银行卡"
    assert priority_label("high").startswith("加急")


@pytest.mark.parametrize("text,confidential,compensation", [
    ("这件事请不要让她知道是我投诉的", True, False),
    ("别告诉那个柜员是我投诉的，我怕被报复", True, False),
    ("希望你们匿名处理", True, False),
    ("要求赔偿我的误工费", False, True),
    ("把多扣的手续费退还给我", False, True),
    ("我不要赔偿，就要那个柜员给我道歉", False, False),
    ("不需要保密，随便", False, False),
    ("柜员态度差", False, False),
    ("請不要讓網點知道，另外要求賠償", True, True),
])
def test_flags(text, confidential, compensation):
    assert detect_flags(text) == {"confidential": confidential, "compensation_requested": compensation}


@pytest.mark.parametrize("text,kind", [
    ("手机银行转账乱扣我手续费", "product_service/fee"),
    ("ATM吞了我的卡", "product_service/atm"),
    ("理财产品亏了一万二", "product_service/wealth"),
    ("手机银行一直闪退", "product_service/online"),
    ("信用卡额度被降了", "product_service"),
])
def test_case_kind_refines_product_service(text, kind):
    category, business_line, _ = classify(text)
    assert case_kind(category, business_line, text) == kind


def test_case_kind_of_other_categories_is_the_category():
    assert case_kind("staff_service", "other", "柜员态度差") == "staff_service"
    assert case_kind(None, None, "") == "other"


# -- fund safety (seed 001 绿色通道; docs/taxonomy.md §3) -------------------------------------------
# Our own wording: colloquial, typos and homophones (盗涮, 被片, 信用咔), Traditional, English
# numerals. The classes are general rules in taxonomy.yml `priority.fund_safety`, not these words.

FUND_SAFETY = [
    # (complaint, class)
    ("有人冒充公安让我把钱转到安全账户，我转了3万8", "scam"),
    ("接到個電話說是公安局的，說我捲入洗錢案，讓我把存款轉到安全帳戶配合調查，我轉了兩次一共八萬", "scam"),
    ("电话里说我涉嫌洗钱，要我配合调查把钱转过去核查，我转了五万", "scam"),
    ("老板在微信上让我给供应商打十万，后来才发现是假冒的", "scam"),
    ("我妈被人忽悠去刷单，先后转了一万二", "scam"),
    ("网恋对象带我在一个平台炒币，充了三十万现在提不出来了", "scam"),
    ("一个叫老师的人带我投资，说稳赚，我投进去二十万现在提不出来了", "scam"),
    ("在网上申请贷款，对方说要先交五千块解冻费才能放款，交完人就联系不上了", "scam"),
    ("有人自称京东客服说要帮我关闭百万保障，我按他说的转了八千", "scam"),
    ("我把验证码告诉了那个客服，然后卡里就少了两万", "scam"),
    ("被片了三万块，对方冒充客服", "scam"),
    ("我被骗了，钱都被转走了", "scam"),
    ("转了两万过去，现在怀疑是被骗了", "scam"),
    ("存折上少了两千块钱，我从来没取过", "unauthorised"),
    ("我的卡被人盗涮了三千块", "unauthorised"),
    ("信用咔被刷了好几千，我人一直在家", "unauthorised"),
    ("我从来没去柜台取过钱，存折上却显示取了五千", "unauthorised"),
    ("爸爸的存折莫名少了八千，他说自己根本没动过", "unauthorised"),
    ("卡一直在我钱包里，怎么会有一笔外地消费4999", "unauthorised"),
    ("账单上有一笔 USD 320 的境外交易，我这辈子没出过国", "unauthorised"),
    ("我的卡被复制了，异地取现两万", "unauthorised"),
    ("我卡里的钱莫名其妙没了，我从来没消费过", "unauthorised"),
    ("存折让人偷走了，钱被取了一万", "unauthorised"),
    # suspicion after a loss is the customer's suspicion, not a hypothesis
    ("卡里少了五千，是不是被盗刷了", "unauthorised"),
    ("卡里少了五千，我担心是被盗刷了", "unauthorised"),
    ("银行卡丢了，还没来得及挂失", "lost_card"),
    ("我的钱包在地铁上被偷了，里面有工资卡和信用卡", "lost_card"),
    ("挂失电话打了半小时都打不通，卡丢了急死了", "lost_card"),
    ("手机被偷了，上面有手机银行，我很怕钱被转走", "lost_card"),
]

NOT_FUND_SAFETY = [
    "不是诈骗，就是排队慢",
    "我没被骗，就是想问问手续费为什么这么高",
    "差点被骗，幸好柜员拦住了，表扬一下",
    "你们的防诈骗宣传短信太多了，天天发",
    "你们银行就是骗子，乱收年费",
    "这不是诈骗吗，年费收两次",
    "收到冒充你们银行的短信，我没理，你们是不是泄露了信息",
    "卡丢了，已经挂失了，补卡要等两个星期太慢了",
    "挂失补办存折要本人来，我妈住院来不了",
    "ATM取钱没出钞，但是扣了我两千",
    "转账转错人了，转给了陌生人五千，能不能帮我要回来",
    "我从来没开通过短信提醒，每个月还扣我两块",
    "银行说我账户涉嫌洗钱把卡冻结了，我就是做小生意的",
    "帳戶被凍結了，說我涉嫌電詐，我什麼都沒做",
    "万一我的卡被盗刷了怎么办，你们的安全措施太差",
    "担心卡被盗刷，想把免密支付关掉，你们APP找不到",
    "我怀疑是诈骗电话，没理他",
    "信用卡年费莫名其妙扣了两百",
    "不是我操作失误，是柜员录错了金额",
    "柜员让我把密码告诉她，我没说",
    "公交卡丢了，里面还有五十块",
]


@pytest.mark.parametrize("text,kind", FUND_SAFETY)
def test_fund_safety_cases_are_high_priority_with_their_class(text, kind):
    from actions.classify import fund_safety

    assert classify(text)[2] == "high"
    assert fund_safety(text) == kind


@pytest.mark.parametrize("text", NOT_FUND_SAFETY)
def test_negated_hypothetical_or_explained_cases_are_not_fund_safety(text):
    from actions.classify import fund_safety

    assert fund_safety(text) is None
    assert classify(text)[2] == "normal"


@pytest.mark.parametrize("text", [t for t, kind in FUND_SAFETY if kind in ("scam", "unauthorised")])
def test_scams_and_unauthorised_debits_are_transaction_disputes(text):
    assert classify(text)[0] == "transaction_dispute"


def test_mis_selling_is_high_for_its_own_reason_not_fund_safety():
    from actions.classify import fund_safety, rule_decision

    text = "理财经理骗我说保本，我被骗买了五万的分红险"
    assert classify(text)[2] == "high"
    assert rule_decision(text).reason == "mis_selling"
    assert fund_safety(text) is None  # no 110 and no freezing for a mis-sold policy


# -- which facts a kind of case needs (CASE_FIELDS in actions/intake_form.py) ------------------

@pytest.mark.parametrize("text,kind", [
    # no branch to name: collectors, 征信, the app, the hotline
    ("你们的催收天天给我打电话，还打到我公司去了", "staff_service/collection"),
    ("催收员在电话里骂我老赖，说要上门", "staff_service/collection"),
    ("逾期才一天就开始催款，一天打五六个电话", "staff_service/collection"),
    ("我的征信报告上多了一条逾期记录，我每个月都按时还的", "business_operation/credit_report"),
    ("徵信上顯示我有一筆貸款沒結清，早就還完了", "business_operation/credit_report"),
    ("手机银行转账被限制了，说要去网点核实", "business_operation/online"),
    ("在APP上申请的消费贷，审核了一个月还没结果", "business_operation/online"),
    ("打你们热线转人工等了四十分钟", "business_operation/online"),
    ("你们客服电话里的那个女的态度太差了，直接挂我电话", "staff_service/phone"),
    # in a branch or at a machine: the branch matters
    ("在朝阳路支行柜台取了五万，回家一数少了一千", "transaction_dispute/counter"),
    ("柜员给我的钱里有两张假币", "transaction_dispute/counter"),
    ("网点的ATM吞了我两千块没入账", "transaction_dispute/atm"),
    ("身份证过期了，手机银行转账被限制了，去网点又说要等", "business_operation"),
    ("在手机银行上改个预留手机号，我跑去支行三次都没办好", "business_operation"),
    ("大堂里的客服人员爱答不理", "staff_service"),
    ("柜员态度差", "staff_service"),
    # anywhere: the transaction is found by date and amount
    ("我的卡被人盗刷了五千", "transaction_dispute"),
    ("有人冒充公安让我把钱转到安全账户，我转了3万8", "transaction_dispute"),
])
def test_case_kind_says_where_it_happened(text, kind):
    category, business_line, _ = classify(text)
    assert case_kind(category, business_line, text) == kind


# -- confidentiality and compensation in the customer's own words ---------------------------------

@pytest.mark.parametrize("text,confidential", [
    ("千万别跟她说是我投诉的", True),
    ("别让那个经理知道是我说的", True),
    ("替我保密啊", True),
    ("不要透露我的名字", True),
    ("怕他们报复我", True),
    ("別讓他知道", True),
    ("能不能别告诉网点是我反映的", True),
    ("我不希望那个柜员知道是我", True),
    ("拜托别说出去", True),
    ("万一他找我麻烦怎么办", True),
    ("我怕被穿小鞋", True),
    ("保密协议签了好几份", False),
    ("我忘了密码，重置要跑网点", False),
    ("我不怕他知道", False),
    ("无所谓让他知道", False),
    ("让他知道也没关系，就是要他改", False),
    ("我不怕报复", False),
    ("别让我等太久", False),
    ("不用保密", False),
    # dialect: 莫 for 别, 晓得 for 知道
    ("莫让那个柜员晓得是我反映的哦", True),
    ("甭让他们网点知道是俺说的", True),
    # the customer's data kept private is no anonymity
    ("我的个人信息你们一定要保密，别再泄露了", False),
])
def test_confidentiality_in_colloquial_words(text, confidential):
    assert detect_flags(text)["confidential"] is confidential


@pytest.mark.parametrize("text,compensation", [
    ("把少的钱补给我", True),
    ("损失谁来承担", True),
    ("你们得赔", True),
    ("退我手续费", True),
    ("误工费要报销", True),
    ("这钱必须还给我", True),
    ("汇款被退回来了，也不说原因", False),
    ("医保报销款打到卡上了", False),
    ("钱不钱的无所谓，我没想过要赔偿", False),
    ("我不要赔偿，就要那个柜员给我道歉", False),
])
def test_compensation_in_colloquial_words(text, compensation):
    assert detect_flags(text)["compensation_requested"] is compensation


@pytest.mark.parametrize("text,confidential", [
    ("也别跟催收说是我投诉的", True),
    ("不要和大堂经理讲是我反映的", True),
    ("别跟我说是系统问题", False),
])
def test_keeping_who_complained_from_anyone_is_confidential(text, confidential):
    assert detect_flags(text)["confidential"] is confidential


@pytest.mark.parametrize("text,confidential", [
    ("我留的证件号码你们会保密的吧？", False),          # the customer's data, not who complained
    ("经理当时让我保密，说是内部渠道", False),            # secrecy someone else asked for
    ("我的资料要保密，还有别让那个柜员知道是我投诉的", True),  # a real request beside it
    ("侬覅讲是我投诉额", True),                          # Wu 覅
    ("别让我们网点的主任晓得是我反映的", True),
])
def test_anonymity_with_unless(text, confidential):
    assert detect_flags(text)["confidential"] is confidential


@pytest.mark.parametrize("text,priority", [
    ("早上收到短信说卡里转出去八千，收款方我根本不认识", "high"),
    ("我自己转账时输错了账号，收款人不认识，想追回来", "normal"),
])
def test_money_moved_to_a_stranger(text, priority):
    from actions.classify import classify_rules_only
    assert classify_rules_only(text)[2] == priority


@pytest.mark.parametrize("text,confidential", [
    ("甭跟支行讲是我反映的", True),                      # dialect negators in every anonymity pattern
    ("莫告诉那个柜员", True),
    ("他推荐的是内部保密产品，说不对外卖", False),        # a product sold as secret
])
def test_anonymity_in_dialect_and_secret_products(text, confidential):
    assert detect_flags(text)["confidential"] is confidential
