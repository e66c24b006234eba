"""Does a message ask about a complaint already made (a progress lookup)? Read from its words, for
the NLU's IntentWordsReader (bot/nlu/intent_words.py): DIET's ``check_progress`` on a message with
none of them ("房贷利率早该下调了，你们一直没调，每个月多收我利息") is a new complaint that happened to
sound like waiting, and becomes DIET's runner-up. No Rasa import."""
from __future__ import annotations

import re

# the complaint or its number, in the customer's words (slips of the same pinyin, Traditional,
# Cantonese, English)
_COMPLAINT = (
    r"投诉|投訴|投述|投书|头诉|偷诉|客诉|申诉|申訴|反映|反应的|登记|提交|case|complaint|"
    r"[Tt]\s*[Ss]\s*[0-9]{4}|编号|編號|单号|嗰单|那单|那件事|那个事|那事|那个情况"
)
# what a lookup asks: progress, a result, an answer, a contact, a deadline, who handles it
_ASKS = (
    r"进度|進度|近度|进读|进展|進展|progress|update|status|follow|check|"
    # (结果 as "and then" tells the story: "结果扣了我两百八", "结果今天才到")
    r"(?:处理|调查|核实|核查|什么|啥|有|出|要个?|给个?|等|最后的?|最终的?)(?:结果|結果)|(?:结果|結果)(?=呢|吗|嗎|怎么样|怎樣|如何|出来|出來|出了|是什么|是啥|怎样|[?？])|"
    r"结论|答复|回复|回音|回电|消息|下文|动静|准话|"
    r"什么时候|啥时候|幾時|几时|多久|几天|到哪|去到邊|哪一步|什么阶段|怎么样了|怎么樣了|咋样了|成點|哪能了|"
    r"处理(?:到|得|完|好|了)|處理|办(?:结|好|了)|辦|跟进|跟進|催|有人管|谁(?:在)?(?:处理|负责|跟进)|哪个部门|"
    r"受理|收到|截止|期限|到期了?(?:没|吗)|联系我|联系您|核实完|调查(?:得|完)|查|解决|結|结了|最近那次|上次那"
)
_LOOKUP = re.compile(rf"(?:{_COMPLAINT})|(?:{_ASKS})", re.IGNORECASE)
_ASKS_ONLY = re.compile(_ASKS, re.IGNORECASE)
# a complaint about to be made ("那个…我想投诉，但不知道该怎么说", "我要投诉你们网点"): the one
# named is the new one, so it asks about none unless a lookup word comes too
_TO_BE_MADE = re.compile(r"(?:想|要|来|准备|打算|得)(?:去|来)?(?:投诉|投訴|反映|申诉|申訴)|投诉(?:一下|你们|你們)")


def asks_about_a_complaint(text: str) -> bool:
    text = text or ""
    if _TO_BE_MADE.search(text) and not _ASKS_ONLY.search(text):
        return False
    return bool(_LOOKUP.search(text))
