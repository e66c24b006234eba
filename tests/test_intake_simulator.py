"""The customer simulator's own pieces, without the stack (tests/e2e/intake_simulator.py).

The simulator is only useful if its checks are right: a bot that keeps the contract must pass
every seed, and each way of breaking the contract must be caught. ``OracleBot`` below keeps the
contract by reading what each answer conveys (``Answer.gives``) instead of its words; its
``flaws`` break it on purpose.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date

import pytest

from tests.e2e import intake_simulator as sim
from tests.e2e.intake_simulator import (
    ASKED_AGAIN,
    ASKED_TOO_OFTEN,
    LOOP,
    NOT_GIVEN,
    REQUEST_IGNORED,
    UNREQUESTED_HANDOFF,
    WRONG_FIELD,
    Answer,
    Conversation,
    SimulatedCustomer,
    Step,
    When,
    check,
    play,
)

TODAY = date(2026, 12, 3)

# the real domain's first wording of each question, so topic_of is exercised too
QUESTIONS = {
    "customer_name": "请问您怎么称呼？",
    "phone": "请问您的手机号码是多少？专人会通过这个号码联系您。",
    "branch": "请问是在哪个网点（支行）遇到的问题？",
    "occurred_at": "请问这件事大概是哪天发生的？",
    "amount": "请问涉及的金额大概是多少？",
    "demand": "请问您希望我们怎么处理这件事？",
}
READ_BACK = "我跟您核对一下登记的信息：\n{summary}\n请问是否确认提交？如有需要修改的地方，直接告诉我。"
# which facts each kind of complaint needs (as actions/intake_form.CASE_FIELDS, roughly)
NEEDS = {
    "card_fraud": ("occurred_at", "amount"), "police_scam": ("occurred_at", "amount"),
    "transfer_failed": ("occurred_at", "amount"), "atm_card": ("branch", "occurred_at"),
    "atm_cash": ("branch", "occurred_at", "amount"), "staff_attitude": ("branch", "occurred_at"),
    "queue": ("branch",), "close_refused": ("branch",), "annual_fee": ("amount",),
    "installment_fee": ("amount",), "wealth_missell": ("branch", "amount"), "face_fail": ("occurred_at",),
    "collection": (), "credit_report": (),
}


class OracleBot:
    """Keeps the contract: asks only what is missing, takes every fact an answer gives, gives up
    on a question after three unusable answers, honours cancel and handoff requests."""

    def __init__(self, customer: SimulatedCustomer, flaws: tuple = ()) -> None:
        self.customer = customer
        self.flaws = set(flaws)
        self.slots: dict = {}
        self.asking: str | None = None
        self.failed: Counter = Counter()
        self.asked: Counter = Counter()
        self.paused = False
        self.case: dict | None = None

    def order(self) -> list:
        return ["customer_name", "phone", *NEEDS[self.customer.profile.kind.key], "demand"]

    def ask(self, pre: list) -> list:
        for name in self.order():
            if name not in self.slots:
                self.asking = name
                self.asked[name] += 1
                return pre + [QUESTIONS[name]]
        if "reask_phone" in self.flaws and self.asked["phone"] == 1:
            self.asking = "phone"
            self.asked["phone"] += 1
            return pre + [QUESTIONS["phone"]]
        self.asking = "confirm"
        return pre + [READ_BACK.format(summary=self.slots)]

    def say(self, text: str) -> list:
        answer = self.customer.answers[-1]
        assert answer.text == text
        if answer.kind == "cancel":
            return ["好的，这次投诉就不提交了，我们不会登记。"]
        if answer.kind == "human":
            self.paused = True
            return ["好的，我这就为您转人工客服。"]
        for name, value in answer.gives.items():
            if name in sim.FIELDS or name == "confidential":
                self.slots[name] = value
        asking = self.asking
        if asking == "confirm":
            if answer.kind == "confirm":
                return self.file()
            return self.ask(["好的，已为您更正。"])
        if asking is not None and asking not in answer.gives:
            if answer.kind != "correction":
                self.failed[asking] += 1
            if self.failed[asking] >= 3:
                if "handoff_after_three" in self.flaws:
                    self.paused = True
                    return ["非常抱歉，我马上为您转接人工客服。"]
                self.slots[asking] = NOT_GIVEN
        return self.ask(["好的。"] if asking else ["非常抱歉给您带来了不好的体验。"])

    def file(self) -> list:
        def value(name):
            v = self.slots.get(name)
            if v in (None, NOT_GIVEN, sim.NO_DEMAND, sim.NO_BRANCH):
                return None
            if isinstance(v, When):
                return v.iso()
            if name == "amount":
                v = v * 10 if "wrong_amount" in self.flaws else v
                return f"{v:.2f}"
            return v
        self.case = {"case_no": "TS20261203000001", **{n: value(n) for n in sim.FIELDS},
                     "confidential": bool(self.slots.get("confidential"))}
        return ["您的投诉已登记，编号 TS20261203000001。请您记下这个编号。", "方便的话，请为本次服务打个分。"]


def converse(seed: int, flaws: tuple = ()) -> tuple:
    customer = SimulatedCustomer(seed, TODAY)
    bot = OracleBot(customer, flaws)
    conv = play(customer, bot.say, paused=lambda: bot.paused)
    return conv, bot, check(conv, bot.case)


# ── the customer ────────────────────────────────────────────────────────────────────────────
def answers_of(seed: int) -> list:
    customer = SimulatedCustomer(seed, TODAY)
    said = [customer.opening.text]
    for topic in ("customer_name", "phone", "phone", "branch", "occurred_at", "amount", "demand", "confirm"):
        said.append(customer.answer(topic).text)
    return said


def test_the_same_seed_is_the_same_customer():
    for seed in range(50):
        a, b = SimulatedCustomer(seed, TODAY), SimulatedCustomer(seed, TODAY)
        assert a.profile == b.profile
        assert answers_of(seed) == answers_of(seed)


def test_different_seeds_are_different_customers():
    openings = {SimulatedCustomer(seed, TODAY).opening.text for seed in range(200)}
    assert len(openings) > 150
    kinds = Counter(SimulatedCustomer(seed, TODAY).profile.kind.key for seed in range(600))
    assert set(kinds) == {k.key for k in sim.KINDS}
    registers = Counter(SimulatedCustomer(seed, TODAY).profile.register for seed in range(600))
    assert set(registers) == set(sim.REGISTERS)


def test_about_five_percent_cancel_and_five_percent_ask_for_a_person():
    endings = Counter(SimulatedCustomer(seed, TODAY).profile.ending for seed in range(3000))
    assert 0.035 < endings["cancel"] / 3000 < 0.065
    assert 0.035 < endings["human"] / 3000 < 0.065


def test_some_questions_get_three_bad_answers_in_a_row():
    streaks = 0
    for seed in range(400):
        customer = SimulatedCustomer(seed, TODAY)
        if customer.profile.ending != "file":
            continue
        kinds = [customer.answer("phone").kind for _ in range(4)]
        assert sum(k in sim.NON_ANSWERS for k in kinds) <= 3, kinds
        if all(k in sim.NON_ANSWERS for k in kinds[:3]):
            streaks += 1
            assert kinds[3] == "real"
    assert streaks >= 1


def _digits(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans("幺一二三四五六七八九零", "11234567890"))
    return re.sub(r"\D", "", text.replace("+86", ""))


def test_phone_forms_all_carry_the_meant_digits():
    for form in sim.phone_forms("13912345678"):
        assert _digits(form) == "13912345678", form
    for form in sim.phone_forms("057187023456", "0571"):
        assert _digits(form) == "057187023456", form


def test_numbers_in_words():
    assert sim.cn_number(38000) == "三万八千"
    assert sim.cn_number(2100) == "两千一百"
    assert sim.cn_number(200000) == "二十万"
    assert sim.cn_number(1005) == "一千零五"
    assert sim.cn_short(38000) == "三万八" and sim.cn_short(2100) == "两千一" and sim.cn_short(5000) is None
    assert {"3万8", "三万八", "¥38,000"} <= set(sim.amount_forms(38000))
    assert {"1.2万", "一万二"} <= set(sim.amount_forms(12000))


def test_approximate_dates_are_ranges():
    ranges = dict(sim.approximate_dates(TODAY))
    assert ranges["上个月"] == When(date(2026, 11, 1), date(2026, 11, 30), True)
    assert ranges["上周"] == When(date(2026, 11, 23), date(2026, 11, 29), True)
    assert ranges["月初"] == When(date(2026, 12, 1), date(2026, 12, 3), True)
    assert ranges["最近"].end == TODAY and ranges["最近"].iso() == "2026-11-27/2026-12-03"


def test_topics_of_the_assistants_questions():
    assert sim.topic_of("抱歉，我没能确认是哪个网点。请问是哪个支行或营业部？")[0] == "branch"
    assert sim.topic_of("我把您的投诉信息复述一遍，请您核对：\n手机号：138****5678\n没问题的话，请问是否确认提交？")[0] == "confirm"
    assert sim.topic_of("好的，请告诉我正确的涉及金额。") == ("correct_value", "amount")
    assert sim.topic_of("请问有什么可以帮您？如果您遇到了问题，直接描述一下经过就好。")[0] == "description"
    assert sim.topic_of("这个号码好像不是11位手机号，麻烦您再核对一下？")[0] == "phone"


# ── the checks, on a bot that keeps the contract and on ones that do not ─────────────────────
def test_a_bot_that_keeps_the_contract_passes_every_seed():
    failed = {}
    outcomes = Counter()
    for seed in range(600):
        conv, bot, failures = converse(seed)
        outcomes[conv.outcome] += 1
        if failures:
            failed[seed] = [str(f) for f in failures]
    assert not failed, dict(list(failed.items())[:5])
    assert outcomes["filed"] > 500 and outcomes["cancelled"] > 10 and outcomes["handoff"] > 10


def failure_classes(flaws: tuple, seeds=range(300)) -> Counter:
    found = Counter()
    for seed in seeds:
        found.update({f.key for f in converse(seed, flaws)[2]})
    return found


def test_a_question_asked_again_after_it_was_answered_is_caught():
    assert failure_classes(("reask_phone",))[ASKED_AGAIN] > 200


def test_a_handoff_after_three_bad_answers_is_caught():
    found = failure_classes(("handoff_after_three",))
    assert found[UNREQUESTED_HANDOFF] >= 1


def test_a_wrong_amount_is_caught():
    assert failure_classes(("wrong_amount",))[f"{WRONG_FIELD}: amount"] > 50


def _answer(text, kind="real", **gives):
    return Answer(text, kind, gives)


def hand_made(steps, outcome="filed", case_no="TS20261203000001", seed=1):
    customer = SimulatedCustomer(seed, TODAY)
    customer.profile.ending = "file"
    conv = Conversation(seed, customer, [Step(t, None, a, r) for t, a, r in steps], outcome, case_no=case_no)
    return conv


def test_the_checker_flags_a_hand_made_bad_transcript():
    conv = hand_made([
        (None, _answer("我的卡昨天被盗刷了五千块", "opening", occurred_at=When(date(2026, 12, 2), date(2026, 12, 2)),
                       amount=5000.0), ["抱歉", "请问您怎么称呼？"]),
        ("customer_name", _answer("asdfgh", "gibberish"), ["请问您贵姓？"]),
        ("customer_name", _answer("好的", "chitchat"), ["请问您的姓名是？"]),
        ("customer_name", _answer("嗯嗯", "chitchat"), ["请告诉我姓名"]),
        ("customer_name", _answer("我叫王建国", customer_name="王建国"), ["请问您的手机号码是多少？"]),
        ("phone", _answer("13912345678", phone="13912345678"), ["请问您的手机号码是多少？"]),
        ("phone", _answer("139 1234 5678", phone="13912345678"), ["请问涉及的金额大概是多少？"]),
        ("amount", _answer("五千", amount=5000.0), ["请问是否确认提交？"]),
        ("confirm", _answer("确认", "confirm"), ["已登记，编号 TS20261203000001"]),
    ])
    case = {"case_no": "TS20261203000001", "customer_name": "王建国", "phone": "13912345678",
            "occurred_at": "2026-12-03", "amount": "5000.00", "branch": None, "demand": None,
            "confidential": True}
    found = {str(f) for f in check(conv, case)}
    assert any(f.startswith(ASKED_TOO_OFTEN + ": customer_name") for f in found), found
    assert any(f.startswith(ASKED_AGAIN + ": phone") for f in found), found
    assert any(f.startswith(ASKED_AGAIN + ": amount") for f in found), found     # said in the opening
    assert any(f.startswith(WRONG_FIELD + ": occurred_at") for f in found), found
    assert any(f.startswith(WRONG_FIELD + ": confidential") for f in found), found
    assert len(found) == 5, found


def test_the_checker_passes_a_hand_made_good_transcript():
    conv = hand_made([
        (None, _answer("上个月信用卡被乱扣了三百年费", "opening",
                       occurred_at=When(date(2026, 11, 1), date(2026, 11, 30), True), amount=300.0),
         ["抱歉", "请问您怎么称呼？"]),
        ("customer_name", _answer("名字就不说了", "refuse", customer_name=NOT_GIVEN), ["请问您的手机号码是多少？"]),
        ("phone", _answer("你们几点下班？", "chitchat"), ["请问您的手机号码是多少？"]),
        ("phone", _answer("13912345678", phone="13912345670"), ["请问您希望我们怎么处理？"]),
        ("demand", Answer("刚才电话说错了，是13912345678", "correction", {"phone": "13912345678"}, "phone"),
         ["好的，已更正", "请留一个手机号码"]),                   # right after a correction: allowed
        ("phone", _answer("13912345678", phone="13912345678"), ["请问您希望我们怎么处理？"]),
        ("demand", _answer("希望退年费，另外请替我保密", demand="退年费", confidential=True), ["请问是否确认提交？"]),
        ("confirm", _answer("确认", "confirm"), ["已登记，编号 TS20261203000001"]),
    ])
    case = {"case_no": "TS20261203000001", "customer_name": None, "phone": "13912345678",
            "occurred_at": "2026-10-28/2026-12-03", "amount": "300.00", "branch": None,
            "demand": "希望退年费", "confidential": True}
    assert check(conv, case) == []


def test_the_checker_judges_endings():
    opening = (None, _answer("我的卡被吞了", "opening"), ["抱歉", "请问您怎么称呼？"])
    handoff = hand_made([opening, ("customer_name", _answer("asdf", "gibberish"), ["我马上为您转接人工客服"])],
                        outcome="handoff", case_no=None)
    assert [f.cls for f in check(handoff, None)] == [UNREQUESTED_HANDOFF]
    stuck = hand_made([opening], outcome="dead_end", case_no=None)
    assert [f.cls for f in check(stuck, None)] == [LOOP]
    cancel = hand_made([opening, ("customer_name", _answer("算了，不投诉了", "cancel"), ["请问您怎么称呼？"])],
                       outcome="filed")
    cancel.customer.requested = "cancel"
    assert REQUEST_IGNORED in [f.cls for f in check(cancel, {"case_no": "TS20261203000001"})]


@pytest.mark.parametrize("filed, meant, ok", [
    ("2026-12-01", When(date(2026, 12, 1), date(2026, 12, 1)), True),
    ("2026-12-01T16:00:00+08:00", When(date(2026, 12, 1), date(2026, 12, 1)), True),
    ("2026-12-02", When(date(2026, 12, 1), date(2026, 12, 1)), False),
    ("2026-11-01/2026-11-30", When(date(2026, 11, 1), date(2026, 11, 30), True), True),
    ("2026-11-05/2026-11-30", When(date(2026, 11, 1), date(2026, 11, 30), True), False),
    ("2026-11-15", When(date(2026, 11, 1), date(2026, 11, 30), True), False),
    (None, None, True),
    ("2026-12-01", None, False),
])
def test_dates_filed_against_dates_meant(filed, meant, ok):
    assert sim.field_matches("occurred_at", meant, filed, {}) is ok


def test_field_rules():
    assert sim.field_matches("customer_name", "陳美玲", "陈美玲", {})
    assert sim.field_matches("phone", "01062345678", "010-62345678", {})
    assert not sim.field_matches("phone", "01062345678", "62345678", {})
    assert sim.field_matches("amount", 38000.0, "38000.00", {})
    assert sim.field_matches("branch", "朝阳路支行", "朝阳路那个网点", {})
    assert sim.field_matches("branch", "朝阳路支行", "北京朝阳路", {"branch_name": "朝阳路支行"})
    assert not sim.field_matches("branch", None, "不涉及", {})
    assert sim.field_matches("branch", sim.NO_BRANCH, "线上渠道（手机银行/网银等）", {})
    assert sim.field_matches("branch", sim.NO_BRANCH, None, {})
    assert sim.field_matches("demand", "把卡还我，再检查一下那台机器", "要求把卡还我", {})
