"""The input guard's rules: ids per channel, characters nobody types, the length limits."""
from __future__ import annotations

import pytest

from bot.channels import guard


@pytest.mark.parametrize("sender", ["t-1a2b", "crm.42", "ab_c@x", "A" * 64])
def test_rest_ids_a_client_may_choose(sender):
    assert guard.valid_sender("rest", sender)


@pytest.mark.parametrize("sender", [
    "\ud800", "a\x00b", "", "-leading", "has space", "rest:x", "A" * 65, "王五", None, 42, ["x"],
])
def test_rest_ids_refused(sender):
    assert not guard.valid_sender("rest", sender)


def test_rest_ids_live_in_their_own_namespace():
    openid = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"
    assert guard.valid_sender("wechat", openid) and guard.valid_sender("rest", openid)
    assert guard.rest_sender_id(openid) == "rest:" + openid
    # no WeChat or web id can be a REST conversation id
    assert not guard.valid_sender("wechat", guard.rest_sender_id(openid))
    assert not guard.valid_sender("socketio", guard.rest_sender_id("0" * 32))


@pytest.mark.parametrize("session_id,ok", [
    ("0123456789abcdef0123456789abcdef", True),
    ("01234567-89ab-cdef-0123-456789abcdef", True),
    ("oAbCdEfGhIjKlMnOpQrStUvWxYz0", False),  # an OpenID
    ("0123456789ABCDEF0123456789ABCDEF", False),
    ("\ud800", False), ("", False), (None, False),
])
def test_web_session_ids_are_uuids(session_id, ok):
    assert guard.valid_sender("socketio", session_id) is ok


def test_unknown_channel_has_no_valid_ids():
    assert not guard.valid_sender("telegram", "abc")


def test_clean_text_removes_what_nobody_types_and_keeps_the_rest():
    assert guard.clean_text("你好\ud800\x00世界\x07") == "你好世界"
    assert guard.clean_text("  第一行\r\n第二行\r第三行\t！ ") == "第一行\n第二行\n第三行\t！"
    assert guard.clean_text("😀 卡被盗刷了 ５０００元") == "😀 卡被盗刷了 ５０００元"
    assert guard.clean_text(None) == "" and guard.clean_text({"a": 1}) == ""


def test_lengths():
    assert guard.nlu_text("字" * guard.NLU_MAX_CHARS) == "字" * guard.NLU_MAX_CHARS
    assert guard.nlu_text("字" * (guard.NLU_MAX_CHARS + 10)) == "字" * guard.NLU_MAX_CHARS
    assert not guard.too_long("字" * guard.MAX_MESSAGE_CHARS)
    assert guard.too_long("字" * (guard.MAX_MESSAGE_CHARS + 1))
    reply = guard.too_long_reply()
    assert str(guard.MAX_MESSAGE_CHARS) in reply and "您" in reply


def test_client_metadata_cannot_carry_our_keys():
    assert guard.clean_metadata({"bank_channel": "wechat", "page": "/chat"}) == {"page": "/chat"}
    assert guard.clean_metadata("x") is None and guard.clean_metadata(None) is None


class _Out:
    def __init__(self):
        self.sent = []

    async def send_text_message(self, recipient_id, text, **kwargs):
        self.sent.append((recipient_id, text))


async def test_guarded_turn_answers_instead_of_failing_silently():
    from rasa.core.channels.channel import UserMessage

    out = _Out()

    async def broken(message):
        raise RuntimeError("storage down")

    passed = await guard.guarded(broken, UserMessage("你好", out, "0" * 32), "socketio")
    assert passed and out.sent == [("0" * 32, guard.FAILURE_REPLY)]


async def test_guarded_refuses_bad_ids_and_long_messages_before_rasa():
    from rasa.core.channels.channel import UserMessage

    seen, out = [], _Out()

    async def rasa(message):
        seen.append(message)

    assert not await guard.guarded(rasa, UserMessage("hi", out, "\ud800"), "socketio")
    assert not await guard.guarded(rasa, UserMessage("长" * 50_000, out, "0" * 32), "socketio")
    assert out.sent == [("0" * 32, guard.too_long_reply())] and not seen
    assert await guard.guarded(rasa, UserMessage("你好\x00", out, "0" * 32, metadata={"bank_x": 1}), "socketio")
    assert seen[0].text == "你好" and seen[0].metadata == {}


def test_failure_reply_is_the_domains_utter_action_failed():
    """One apology for a failed turn, whether the channel or an action failed."""
    from pathlib import Path

    import yaml

    from bot import rasa_failsafe

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot/domain/intake.yml").read_text(encoding="utf-8"))
    texts = [v["text"] for v in domain["responses"][rasa_failsafe.RESPONSE]]
    assert guard.FAILURE_REPLY == rasa_failsafe.DEFAULT_TEXT and texts == [rasa_failsafe.DEFAULT_TEXT]
