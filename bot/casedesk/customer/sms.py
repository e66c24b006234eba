"""Text messages for customer notices: a pluggable sender (CASEDESK_SMS_SENDER, docs/notices.md).

`fake` (the default) sends nothing: it logs the masked number and the text, and the notice's
delivery row records the masked number and a `fake-…` reference. A real gateway is a module of
the bank's own, named as `package.module:factory`; the factory gets the desk's settings and
returns an object with `async send(phone, text) -> str` (the gateway's message id) that raises
on failure (the outbox retries, then marks the delivery failed).
"""
from __future__ import annotations

import importlib
import logging
import uuid
from typing import Protocol

from bot.casedesk.cases import case_rules
from bot.casedesk.settings import Settings

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> str:
        ...


class FakeSmsSender:
    """Records instead of sending: nothing leaves the machine, no full number is written."""

    async def send(self, phone: str, text: str) -> str:
        ref = f"fake-{uuid.uuid4().hex[:12]}"
        log.info("sms (fake, not sent) to=%s ref=%s text=%s", case_rules.mask_phone(phone), ref, text)
        return ref


def load_sender(settings: Settings) -> SmsSender:
    spec = settings.notices.sms_sender
    if spec == "fake":
        return FakeSmsSender()
    module_name, _, attr = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attr)
    return factory(settings)  # type: ignore[no-any-return]
