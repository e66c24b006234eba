"""快捷回复 (issue 15): canned replies supervisors manage and agents insert in the workspace.

A reply may hold two placeholders, filled for the case in hand when the workspace is drawn:
{客户称呼} (the customer's surname and 先生/女士, "尊敬的客户" without a name) and {案件编号}. Any
other brace is refused when the reply is saved, so no agent ever sends "{客户姓名}" to a customer.

A canned reply is checked by the same 质检 as every reply (bot/quality/reply_check.py) when it is
saved — a promise of compensation or rude wording is refused with the reason — and again when
an agent sends it, as any text (reply_checks.send_reply). Every change is audited.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.names import COMPOUND_SURNAMES
from bot.quality.reply_check import check_reply

from bot.casedesk import db as casedb
from bot.crypto import PiiCipher
from bot.casedesk.api.errors import BadRequest, NotFound
from bot.casedesk.models import Case, CannedReply

MAX_TITLE, MAX_TEXT, MAX_REPLIES = 40, 500, 100
SALUTATION, CASE_NO = "{客户称呼}", "{案件编号}"
PLACEHOLDERS = (SALUTATION, CASE_NO)
# what a placeholder is replaced by when a reply is checked on saving
_SAMPLE = {SALUTATION: "王先生/女士", CASE_NO: "TS20261206000001"}
_BRACES = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class Canned:
    id: int
    title: str
    text: str


def salutation(name: Optional[str]) -> str:
    """王建国 → 王先生/女士; 欧阳建国 → 欧阳先生/女士; no name → 尊敬的客户."""
    name = (name or "").strip()
    if not name:
        return "尊敬的客户"
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return f"{surname}先生/女士"


def fill(text: str, case: Case, cipher: PiiCipher) -> str:
    return (text.replace(SALUTATION, salutation(cipher.decrypt(case.customer_name_enc)))
            .replace(CASE_NO, case.case_no))


def _clean(title: str, text: str) -> Dict[str, str]:
    title, text = " ".join((title or "").split()), (text or "").strip()
    if not title or not text:
        raise BadRequest("请填写标题和回复内容。", code="missing_field")
    if len(title) > MAX_TITLE or len(text) > MAX_TEXT:
        raise BadRequest(f"标题最多 {MAX_TITLE} 个字，回复内容最多 {MAX_TEXT} 个字。", code="too_long")
    unknown = [b for b in _BRACES.findall(text) if b not in PLACEHOLDERS]
    if unknown:
        raise BadRequest(
            f"回复里的 {'、'.join(unknown)} 无法自动填写：只能使用 {SALUTATION} 和 {CASE_NO}。", code="unknown_placeholder")
    sample = text
    for key, value in _SAMPLE.items():
        sample = sample.replace(key, value)
    checked = check_reply(sample)
    if not checked.passed:
        raise BadRequest(f"这条快捷回复没有通过质检，不能保存：{'；'.join(checked.reasons)}", code="reply_blocked")
    return {"title": title, "text": text}


async def all_replies(db: casedb.Database) -> List[Canned]:
    async with db.reading() as s:
        rows = (await s.execute(select(CannedReply).order_by(CannedReply.title, CannedReply.id))).scalars()
        return [Canned(r.id, r.title, r.text) for r in rows]


async def save(db: casedb.Database, reply_id: Optional[int], title: str, text: str, actor: str,
               remote: Optional[str]) -> Canned:
    """Creates (reply_id None) or changes a canned reply."""
    values = _clean(title, text)
    now = db.settings.clock()
    async with db.writing() as s:
        if reply_id is None:
            count = len((await s.execute(select(CannedReply.id))).all())
            if count >= MAX_REPLIES:
                raise BadRequest(f"快捷回复最多 {MAX_REPLIES} 条，请先删除不用的。", code="too_many")
            row = CannedReply(**values, updated_by=actor, updated_at=now)
            s.add(row)
        else:
            row = await _row(s, reply_id)
            row.title, row.text, row.updated_by, row.updated_at = values["title"], values["text"], actor, now
        await s.flush()
        casedb.audit(s, now, actor, "canned.save", None, remote, json.dumps({"id": row.id, "title": row.title}, ensure_ascii=False))
        return Canned(row.id, row.title, row.text)


async def delete(db: casedb.Database, reply_id: int, actor: str, remote: Optional[str]) -> None:
    now = db.settings.clock()
    async with db.writing() as s:
        row = await _row(s, reply_id)
        casedb.audit(s, now, actor, "canned.delete", None, remote, json.dumps({"id": row.id, "title": row.title}, ensure_ascii=False))
        await s.delete(row)


async def _row(s: AsyncSession, reply_id: int) -> CannedReply:
    row = (await s.execute(select(CannedReply).where(CannedReply.id == reply_id))).scalar_one_or_none()
    if row is None:
        raise NotFound("未找到这条快捷回复，可能已被删除。")
    return row
