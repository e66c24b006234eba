"""The form's questions as Rasa renders them: utter_ask_<slot> with conditional variations on
the ``ask_wording`` slot, through Rasa's own TemplatedNaturalLanguageGenerator and the real
domain (bot/domain).

Until the questions moved into the domain, an action per slot (action_ask_<slot>) chose one of
four responses from the ``reask`` count. Their texts are kept below, so these tests show that
every re-ask state still ends in the same sentences as before.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional

import pytest
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from actions.custom_forms import ask_wording
from actions.intake_form import FORM_SLOTS
from tests.actions.helpers import ROOT

# The former responses, verbatim: utter_ask_<slot>, utter_reask_<slot>, utter_reask_<slot>_again,
# utter_<slot>_declined.
OLD: Dict[str, List[str]] = {
    "utter_ask_description": ["请您具体说说遇到了什么问题，好吗？", "麻烦您简单描述一下事情的经过。"],
    "utter_reask_description": [
        "不好意思，我还没弄明白发生了什么。能再具体说说吗？比如在哪里办的什么业务、出了什么问题。",
        "抱歉，我还没听明白。您可以说说是什么业务、遇到了什么情况，我来记录。",
    ],
    "utter_ask_customer_name": ["请问您怎么称呼？", "方便告诉我您的姓名吗？"],
    "utter_reask_customer_name": ["不好意思，我没听清您的称呼，请问您贵姓？", "抱歉，刚才没听清，请问您的姓名是？"],
    "utter_reask_customer_name_again": [
        "您可以直接告诉我姓名，比如“王建国”；只说“姓王”也可以。",
        "告诉我您的姓名就可以了，例如“李娜”；不方便的话说“姓李”也行。",
    ],
    "utter_ask_phone": ["请问您的手机号码是多少？专人会通过这个号码联系您。", "请留一个方便联系您的手机号码，好吗？"],
    "utter_reask_phone": ["这个号码好像不是11位手机号，麻烦您再核对一下？", "这个号码位数好像不太对，麻烦您核对一下11位手机号？"],
    "utter_reask_phone_again": [
        "抱歉，我还是没能识别这个号码。请直接输入11位手机号码，例如：138 1234 5678。",
        "还是没能识别呢。请输入11位手机号码，格式像这样：139 8765 4321。",
    ],
    "utter_phone_declined": [
        "理解您的顾虑。留手机号是为了专人能联系您、告诉您处理进展，号码只用于这次投诉。方便留一个吗？",
        "明白您的顾虑。这个手机号只用于专人联系您、反馈处理进展，不会用于其他用途。方便留一个吗？",
    ],
    "utter_ask_branch": ["请问是在哪个网点（支行）遇到的问题？", "请问您去的是哪个网点？"],
    "utter_reask_branch": ["抱歉，我没能确认是哪个网点。请问是哪个支行或营业部？", "不好意思，没能确认网点。请问是哪个支行或营业部？"],
    "utter_reask_branch_again": [
        "您可以告诉我网点名称，比如“朝阳路支行”，或者大概的位置；记不清的话，说“不记得”也可以。",
        "说网点名称就行，比如“高新区支行”，也可以说大概位置；实在记不清，回复“不记得”即可。",
    ],
    "utter_ask_occurred_at": ["请问这件事大概是哪天发生的？", "请问是哪天的事情？"],
    "utter_reask_occurred_at": ["抱歉，我没能听懂这个日期，请问大概是哪一天？", "不好意思，这个日期我没看明白，请问是哪一天？"],
    "utter_reask_occurred_at_again": [
        "您可以说“昨天”“上周五”或“11月8日”这样的日期；记不清的话，说“不记得”也可以。",
        "可以用“前天”“上周三”“11月8日”这样的说法告诉我日期；记不清的话回复“不记得”就好。",
    ],
    "utter_ask_amount": ["请问涉及的金额大概是多少？", "请问一共涉及多少钱？"],
    "utter_reask_amount": ["抱歉，我没听清金额，请问大概涉及多少钱？", "不好意思，这个金额我没看明白，请问涉及多少钱？"],
    "utter_reask_amount_again": [
        "请告诉我一个大概的金额就行，比如“5000元”或“一万二”；不确定的话，说“不清楚”也可以。",
        "说个大概的金额就行，比如“3000元”或“两千五”；不清楚的话回复“不清楚”即可。",
    ],
    "utter_ask_demand": ["请问您希望我们怎么处理这件事？", "您对这件事有什么诉求或希望，可以告诉我吗？"],
    "utter_reask_demand": [
        "不好意思，请问您希望得到怎样的处理？没有具体诉求的话，说“没有”也可以。",
        "抱歉，请问您希望我们怎样处理？如果只是想反映情况，说“没有”也可以。",
    ],
}
WORDINGS = (None, "reask", "reask_again", "declined")
# the former response for each wording
FORMER = {
    None: "utter_ask_{}",
    "reask": "utter_reask_{}",
    "reask_again": "utter_reask_{}_again",
    "declined": "utter_{}_declined",
}
CHANNELS = ("rest", "socketio", "wechat", "collector")


@lru_cache(maxsize=1)
def rasa_domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


def old_ask_response(slot: str, state: Dict[str, Any]) -> str:
    """What action_ask_<slot> chose (the former custom_forms.ask_response)."""
    count = int(state.get("count") or 0) if state.get("slot") == slot else 0
    declined = state.get("slot") == slot and state.get("reason") == "declined"
    candidates = []
    if declined:
        candidates.append(f"utter_{slot}_declined")
    if count >= 2:
        candidates.append(f"utter_reask_{slot}_again")
    if count >= 1:
        candidates.append(f"utter_reask_{slot}")
    candidates.append(f"utter_ask_{slot}")
    return next(name for name in candidates if name in OLD)


def tracker_with(wording: Optional[str]) -> DialogueStateTracker:
    domain = rasa_domain()
    return DialogueStateTracker.from_events("ask-wording", [SlotSet("ask_wording", wording)], slots=domain.slots)


def eligible_texts(slot: str, wording: Optional[str], channel: str = "rest") -> set:
    """Every text Rasa may pick for utter_ask_<slot> with this ask_wording (it picks at random
    among them)."""
    variations = ResponseVariationFilter(rasa_domain().responses).responses_for_utter_action(
        f"utter_ask_{slot}", channel, tracker_with(wording).current_slot_values()
    )
    return {v["text"] for v in variations}


def test_the_old_texts_are_all_in_the_domain_and_nothing_else_is():
    domain = rasa_domain()
    for slot in FORM_SLOTS:
        texts = [v["text"] for v in domain.responses[f"utter_ask_{slot}"]]
        old = [t for name in (f.format(slot) for f in FORMER.values()) for t in OLD.get(name, [])]
        assert sorted(texts) == sorted(old), slot
    for name in OLD:
        if not name.startswith("utter_ask_"):
            assert name not in domain.responses, f"{name} should be a variation of utter_ask_<slot> now"


def test_no_action_server_call_per_question():
    names = rasa_domain().action_names_or_texts
    assert not [n for n in names if n.startswith("action_ask_") and n != "action_ask_confirmed"]


def test_the_wording_slot_takes_exactly_the_values_the_responses_use():
    domain = rasa_domain()
    slot = next(s for s in domain.slots if s.name == "ask_wording")
    values = set(slot.values) - {"__other__"}  # Rasa adds __other__ to every categorical slot
    assert values == {"reask", "reask_again", "declined"}
    assert not slot.influence_conversation
    used = {
        c["value"]
        for name, variations in domain.responses.items()
        for v in variations
        for c in v.get("condition") or []
        if c.get("name") == "ask_wording"
    }
    assert used == values


@pytest.mark.parametrize("slot", FORM_SLOTS)
@pytest.mark.parametrize("wording", WORDINGS)
def test_each_wording_renders_the_former_response(slot, wording):
    former = FORMER[wording].format(slot)
    # a wording a question lacks is never set (ask_wording falls back); Rasa would then use the
    # plain variations, the first ask
    expected = set(OLD[former] if former in OLD else OLD[f"utter_ask_{slot}"])
    for channel in CHANNELS:
        assert eligible_texts(slot, wording, channel) == expected, (slot, wording, channel)


@pytest.mark.asyncio
@pytest.mark.parametrize("slot", FORM_SLOTS)
async def test_rasa_generates_the_question_from_the_tracker(slot):
    nlg = TemplatedNaturalLanguageGenerator(rasa_domain().responses)
    for wording in WORDINGS:
        former = FORMER[wording].format(slot)
        expected = set(OLD[former] if former in OLD else OLD[f"utter_ask_{slot}"])
        for _ in range(10):
            message = await nlg.generate(f"utter_ask_{slot}", tracker_with(wording), "rest")
            assert message["text"] in expected, (slot, wording, message)


@pytest.mark.parametrize("slot", FORM_SLOTS)
def test_every_re_ask_state_says_what_the_ask_actions_said(slot):
    """The validator's ask_wording for each reask state (the domain as the action server gets it)
    renders the sentences of the response the former ask action chose for that state."""
    domain_dict = rasa_domain().as_dict()
    states = [{}, None] + [
        {"slot": s, "count": count, "reason": reason}
        for s in (slot, "phone" if slot != "phone" else "amount")
        for count in range(4)
        for reason in (None, "invalid", "declined")
    ]
    for state in states:
        wording = ask_wording(slot, state or {}, domain_dict)
        assert wording in WORDINGS
        assert eligible_texts(slot, wording) == set(OLD[old_ask_response(slot, state or {})]), (slot, state)
