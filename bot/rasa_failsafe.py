"""When an action fails, the customer hears what happened and what to do, never silence.

Rasa logs an exception raised while running an action (the action server down or crashing,
a timeout, a bad answer) and goes on as if the action had returned nothing: the customer's
message gets an empty reply, and "确认" during a crash of the filing action got no case number
and no word. Here the failing action instead returns one bot message (the domain's
``utter_action_failed``) and hands the turn back to the customer (``action_listen``). Nothing the
customer said is lost: their message is in the tracker, an active form stays active on the same
question, and the case desk's filing is idempotent, so saying "确认" again files once.

A rejection (``ActionExecutionRejection``) is part of the dialogue, not a failure: it passes.
Rasa 3.6 has no hook for this, hence a patch of ``MessageProcessor._run_action`` (re-check on a
Rasa upgrade).
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Awaitable, Callable, List

log = logging.getLogger(__name__)

RESPONSE = "utter_action_failed"
# used only when the domain has no such response (an older model)
DEFAULT_TEXT = (
    "抱歉，系统刚才出了点问题，您刚才的这条消息没有处理成功，之前说的内容都还在。"
    "请稍后再发一次；如果着急，也可以拨打本行客服热线，由人工为您处理。"
)


def _failsafe(action: Any, run: Callable[..., Awaitable[List[Any]]]) -> Callable[..., Awaitable[List[Any]]]:
    from rasa.core.actions.action import ActionExecutionRejection
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import BotUttered, FollowupAction

    @functools.wraps(run)
    async def guarded_run(output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return await run(output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception:
            # the traceback may quote the customer's message: the log redaction masks numbers
            log.exception("action %s failed; the customer is told and the turn ends", action.name())
            message = None
            if RESPONSE in domain.responses:
                try:
                    message = await nlg.generate(RESPONSE, tracker, output_channel.name())
                except Exception:  # never fail the apology itself
                    message = None
            message = message or {"text": DEFAULT_TEXT}
            return [
                BotUttered(message.get("text"), data={k: v for k, v in message.items() if k != "text"},
                           metadata={"utter_action": RESPONSE}),
                FollowupAction(ACTION_LISTEN_NAME),
            ]

    return guarded_run


def install() -> None:
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor._run_action
    if getattr(original, "__module__", None) == __name__:
        return

    @functools.wraps(original)
    async def _run_action(self: Any, action: Any, tracker: Any, output_channel: Any, nlg: Any, prediction: Any) -> bool:
        action.run = _failsafe(action, action.run)
        return await original(self, action, tracker, output_channel, nlg, prediction)

    MessageProcessor._run_action = _run_action
