"""Fund-safety triage: the bank's safety advice for scams, unauthorised debits and lost cards.

Seed 001 (绿色通道): a case where the customer's money is at risk is handled first, and the
customer is told at once what protects the money now (110, freeze or 挂失 through the hotline,
keep the evidence, no more transfers), without any promise that it will be recovered. The
classes come from actions/classify.py (``fund_safety``); the words are the
``utter_fund_safety_<class>`` responses in bot/domain/triage.yml.

Not every high-priority case gets this advice: major mis-selling and 飞单 are high for their own
reason (no 110, no freezing), and a machine that paid out short or swallowed the cash (ATM少吐,
存款机吞钱) is a normal cash dispute — taxonomy.yml `priority.explained` keeps it out of the
fund-safety classes, even when the customer adds "卡一直在我身上" or "钱不翼而飞".
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from rasa_sdk.executor import CollectingDispatcher

from actions.classify import fund_safety

FUND_SAFETY = "fund_safety"  # the fund-safety class whose advice the customer has had


def advise_on_fund_safety(
    dispatcher: CollectingDispatcher, description: Optional[str], slots: Mapping[str, Any]
) -> Dict[str, Any]:
    """The bank's safety advice for a fund-safety case, once per intake.

    When ``description`` is a scam, an unauthorised debit or a lost card (classify.fund_safety)
    and the customer has not had the advice in this intake (the ``fund_safety`` slot is empty),
    say that class's advice (``utter_fund_safety_<class>``: 110, freeze or 挂失 through the
    hotline, keep the evidence, no more transfers, the 1 h contact) and return the slot that
    records it; otherwise say nothing and return {}. Call it wherever the description is
    (re)classified, in that turn: the customer hears it right after the apology when the opening
    message says it, or right after the message that makes the case one — never twice.
    """
    if slots.get(FUND_SAFETY):
        return {}
    kind = fund_safety(description or "")
    if kind is None:
        return {}
    dispatcher.utter_message(response=f"utter_fund_safety_{kind}")
    return {FUND_SAFETY: kind}
