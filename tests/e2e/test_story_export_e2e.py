"""A real conversation exported as a test story (bot/trainer/stories.py) replays green in
`rasa test core` against the same model, and carries none of the customer's PII."""
from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from bot.trainer.stories import export_stories, story_name
from tests.e2e.conftest import SELECTED
from tests.e2e.dialogue import Customer, topic_of
from tests.stack import ROOT

NAME, PHONE = "欧阳建国", "13912345678"


@pytest.mark.timeout(600)
def test_exported_conversation_replays_green(stack, tmp_path):
    customer = Customer(stack, {"customer_name": f"我叫{NAME}", "phone": "139 1234 5678"})
    replies = customer.say("我卡里少了3000块，不知道被谁转走了")
    # answer the questions about name and phone, then cancel at the next question
    for _ in range(2):
        topic = topic_of(replies[-1] if replies else "")
        assert topic in ("customer_name", "phone"), customer.transcript
        replies = customer.say(customer.answers[topic])
    assert replies and topic_of(replies[-1]), customer.transcript
    customer.say("算了，不投诉了")

    text = export_stories([stack.conversation_id(customer.sender)], stack.rasa_url, stack.rasa_token)
    path = tmp_path / "test_exported.yml"
    path.write_text(text, encoding="utf-8")

    # no PII and no conversation id in the file; the placeholders are there instead
    for secret in (NAME, PHONE, "139 1234 5678", customer.sender):
        assert secret not in text, text
    # one phone, one name: the annotated entity and the slot share the placeholder
    assert re.search(r"\[13800000000\]\(phone\)(?!\d)", text), text
    assert "phone: '13800000000'" in text and "13800000001" not in text, text
    assert "customer_name: 张三" in text and "李四" not in text, text
    story = yaml.safe_load(text)["stories"][0]
    assert story["story"] == story_name(stack.conversation_id(customer.sender))
    intents = [s["intent"] for s in story["steps"] if "intent" in s]
    assert intents[0] == "complain" and intents[-1] == "cancel", text
    actions = [s["action"] for s in story["steps"] if "action" in s]
    assert actions[-1] == "action_cancel_intake", text

    if stack.backend != SELECTED[0]:
        return  # `rasa test` takes a minute: one replay per run is enough
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
           "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    result = subprocess.run(
        [str(ROOT / ".venv/bin/rasa"), "test", "core", "--model", str(stack.model),
         "--stories", str(path), "--fail-on-prediction-errors", "--out", str(tmp_path / "out")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=540,
    )
    assert result.returncode == 0, f"{text}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    failed = tmp_path / "out" / "failed_test_stories.yml"
    assert not failed.exists() or "stories:" not in failed.read_text(), failed.read_text()
