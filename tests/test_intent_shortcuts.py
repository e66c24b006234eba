"""Customers' "/intent" shortcuts are not honoured, except the web chat's own "/greet"."""
from __future__ import annotations

import pytest
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.message import Message

import bot.nlu  # noqa: F401  (installs the guard, as loading our model does)
from bot.intent_shortcuts import is_allowed

DOMAIN = Domain.from_dict({"intents": ["greet", "affirm", "complain", "restart"], "entities": ["phone"]})


def handled(text: str) -> Message:
    message = Message(data={"text": text, "intent": {"name": "complain", "confidence": 0.9}})
    (out,) = RegexMessageHandler().process([message], DOMAIN)
    return out


@pytest.mark.parametrize("text", ["/restart", "/affirm", '/complain{"phone": "13812345678"}', " /restart"])
def test_typed_shortcuts_keep_the_nlu_result(text):
    out = handled(text)
    assert out.get("intent")["name"] == "complain"
    assert not out.get("entities")


def test_the_web_chat_greeting_still_works():
    assert handled("/greet").get("intent")["name"] == "greet"


@pytest.mark.parametrize("text,allowed", [("/greet", True), ("/greet{}", True), ("/restart", False),
                                         ("我要投诉/转人工", True), ("", True)])
def test_is_allowed(text, allowed):
    assert is_allowed(text) is allowed
