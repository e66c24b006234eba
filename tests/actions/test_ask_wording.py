"""The form's questions as Rasa renders them: utter_ask_<slot> with conditional variations on
the ``ask_wording`` slot, through Rasa's own TemplatedNaturalLanguageGenerator and the real
domain (bot/domain).

The wordings are the domain's to change (a trainer may reword a question); what these tests pin
is the mechanism: each re-ask state of the validator ends in the variations written for it —
declined > a second failure (``reask_again``) > a first failure (``reask``) > the first ask —
falling back to the next one a question does not have, on every channel.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Optional, Set

import pytest
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from actions.custom_forms import ask_wording
from actions.intake_form import FORM_SLOTS
from tests.actions.helpers import ROOT

WORDINGS = (None, "reask", "reask_again", "declined")
CHANNELS = ("rest", "socketio", "wechat", "collector")


@lru_cache(maxsize=1)
def rasa_domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


def written(slot: str, wording: Optional[str]) -> Set[str]:
    """The texts the domain lists for utter_ask_<slot> under this wording (None: the plain ones)."""
    texts = set()
    for variation in rasa_domain().responses[f"utter_ask_{slot}"]:
        conditions = [c for c in variation.get("condition") or [] if c.get("name") == "ask_wording"]
        if (conditions[0]["value"] if conditions else None) == wording:
            texts.add(variation["text"])
    return texts


def expected_wording(slot: str, state: Dict[str, Any]) -> Optional[str]:
    """The wording a re-ask state calls for, among those the question has."""
    mine = state.get("slot") == slot
    count = int(state.get("count") or 0) if mine else 0
    candidates = []
    if mine and state.get("reason") == "declined":
        candidates.append("declined")
    if count >= 2:
        candidates.append("reask_again")
    if count >= 1:
        candidates.append("reask")
    return next((w for w in candidates if written(slot, w)), None)


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


@pytest.mark.parametrize("slot", FORM_SLOTS)
def test_every_question_has_a_first_ask_and_other_words_for_a_re_ask(slot):
    assert len(written(slot, None)) >= 2 and len(written(slot, "reask")) >= 2
    assert not written(slot, None) & written(slot, "reask")
    assert bool(written(slot, "declined")) == (slot == "phone")  # only the phone may be refused
    for name in (f"utter_reask_{slot}", f"utter_reask_{slot}_again", f"utter_{slot}_declined"):
        assert name not in rasa_domain().responses, f"{name}: a variation of utter_ask_{slot} now"


def test_no_action_server_call_per_question():
    names = rasa_domain().action_names_or_texts
    assert not [n for n in names if n.startswith("action_ask_") and n != "action_ask_confirmed"]


def test_the_wording_slot_takes_exactly_the_values_the_responses_use():
    domain = rasa_domain()
    slot = next(s for s in domain.slots if s.name == "ask_wording")
    values = set(slot.values) - {"__other__"}  # Rasa adds __other__ to every categorical slot
    assert values == {"reask", "reask_again", "declined", "near_match", "narrow"}
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
def test_each_wording_renders_its_own_variations(slot, wording):
    # a wording a question lacks is never set (ask_wording falls back); Rasa would then use the
    # plain variations, the first ask
    expected = written(slot, wording) or written(slot, None)
    for channel in CHANNELS:
        assert eligible_texts(slot, wording, channel) == expected, (slot, wording, channel)


@pytest.mark.asyncio
@pytest.mark.parametrize("slot", FORM_SLOTS)
async def test_rasa_generates_the_question_from_the_tracker(slot):
    nlg = TemplatedNaturalLanguageGenerator(rasa_domain().responses)
    for wording in WORDINGS:
        expected = written(slot, wording) or written(slot, None)
        for _ in range(10):
            message = await nlg.generate(f"utter_ask_{slot}", tracker_with(wording), "rest")
            assert message["text"] in expected, (slot, wording, message)


@pytest.mark.parametrize("slot", FORM_SLOTS)
def test_every_re_ask_state_gets_its_wording(slot):
    """The validator's ask_wording for each reask state (the domain as the action server gets
    it) renders the variations that state calls for."""
    domain_dict = rasa_domain().as_dict()
    states = [{}, None] + [
        {"slot": s, "count": count, "reason": reason}
        for s in (slot, "phone" if slot != "phone" else "amount")
        for count in range(4)
        for reason in (None, "invalid", "declined")
    ]
    for state in states:
        wording = ask_wording(slot, state or {}, domain_dict)
        assert wording == expected_wording(slot, state or {}), (slot, state)
        assert eligible_texts(slot, wording) == written(slot, expected_wording(slot, state or {})), (slot, state)
