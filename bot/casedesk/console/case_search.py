"""Finding cases for the console's case list and its exports (issue 15): the search box and the
filters read from the query string, one list of SQL conditions with the access rule always in
it, and rows that carry masked customer data only.

Free of HTTP: `parse` takes the query string's MultiMapping, the rest takes and gives data.
Nothing here loads an encrypted column, so nothing here can decrypt: a phone or a name is found
through its keyed hash (cases.phone_hash, cases.customer_name_hash), the way the case was filed.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode

from multidict import MultiMapping
from sqlalchemy import func, select

from bot.branches import directory

from bot.casedesk.cases import case_rules, pii
from bot.casedesk.cases.access import visible_cases
from bot.crypto import PiiCipher
from bot.casedesk.db import Database, overdue_clause
from bot.casedesk.cases.case_rules import CHINA_TZ, OPEN_STATUSES, Category, Priority, SlaStatus, Status
from bot.casedesk.api.errors import BadRequest
from bot.casedesk.models import Case
from bot.casedesk.console import labels

PAGE_SIZE = 50
# an export is a file someone keeps: past this, narrow the filters rather than get a partial file
EXPORT_LIMIT = 20_000
MAX_QUERY_CHARS = 64
OPEN = "open"  # the status filter's "not finished yet" choice

# the filters as they appear in the URL; the search box is `q`, the page `page`
FILTER_PARAMS = ("q", "from", "to", "status", "category", "branch", "priority", "sla")
FLAG_PARAMS = ("confidential", "repeat", "group")

BAD_QUERY = (
    "无法识别搜索内容。请输入案件编号（如 TS20261122000123，或它的前几位）、完整的手机号或座机号"
    "（如 138 1234 5678、0571-8702 3456），或客户的完整姓名。"
)

_CASE_NO_PREFIX = re.compile(r"TS[0-9]{0,20}")
_DIGITS = re.compile(r"[0-9]{8,20}")
_DAY = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?")
_DAY_DIGITS = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
# a name: letters of any script and the dot of a transliterated name (买买提·艾力), no digits
_NAME = re.compile(r"[^\W\d_]+(?:[·•・.．][^\W\d_]+)*")


@dataclass(frozen=True)
class Search:
    """What the search box was read as."""

    kind: str  # case_no | phone | name
    value: str  # a case-number prefix, or a keyed hash
    shown: str  # what the page says it looked for: masked for a phone or a name


@dataclass(frozen=True)
class CaseFilter:
    q: str = ""
    search: Optional[Search] = None
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    status: str = ""
    category: str = ""
    branch: str = ""
    priority: str = ""
    sla: str = ""
    flags: Tuple[str, ...] = ()
    page: int = 1

    @property
    def active(self) -> bool:
        """Any search or filter set (the empty-result message offers to clear them)."""
        return any(v for k, v in self._fields().items())

    def _fields(self) -> Dict[str, Any]:
        return {
            "q": self.q, "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "", "status": self.status,
            "category": self.category, "branch": self.branch, "priority": self.priority,
            "sla": self.sla, **{flag: flag in self.flags for flag in FLAG_PARAMS},
        }

    def query(self, page: Optional[int] = None) -> str:
        """The filters as a query string, for the pager and the export links (same filters)."""
        pairs = [(k, "1" if v is True else v) for k, v in self._fields().items() if v]
        if page is not None and page > 1:
            pairs.append(("page", str(page)))
        return urlencode(pairs)

    def audit_view(self) -> Dict[str, Any]:
        """The filters for an export's audit row: a phone or a name only as the page shows it."""
        out = {k: v for k, v in self._fields().items() if v}
        if self.search is not None:
            out["q"] = f"{labels.SEARCH_KIND_LABELS[self.search.kind]}:{self.search.shown}"
        return out


def describe(f: CaseFilter) -> List[str]:
    """The filters in words ("状态：未办结"), for the page and the export's title line."""
    out = []
    if f.search is not None:
        out.append(f"{labels.SEARCH_KIND_LABELS[f.search.kind]}：{f.search.shown}")
    if f.date_from or f.date_to:
        start = f.date_from.isoformat() if f.date_from else "最早"
        end = f.date_to.isoformat() if f.date_to else "今天"
        out.append(f"受理日期：{start} 至 {end}")
    if f.status:
        out.append(f"状态：{labels.OPEN_STATUS_LABEL if f.status == OPEN else labels.status_label(f.status)}")
    if f.category:
        out.append(f"分类：{labels.label(labels.CATEGORY_LABELS, f.category)}")
    if f.branch:
        out.append(f"网点：{directory().name_of(f.branch) or f.branch}")
    if f.priority:
        out.append(f"优先级：{labels.label(labels.PRIORITY_LABELS, f.priority)}")
    if f.sla:
        out.append(f"办理时限：{labels.SLA_STATUS_LABELS[f.sla]}")
    out += [labels.FLAG_LABELS[flag] for flag in f.flags]
    return out


# ---------------------------------------------------------------------------------------------
# The query string


def _one(query: MultiMapping[str], name: str) -> str:
    # a GET form sends each field once; a hand-made URL with two takes the first
    value = query.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def read_search(raw: str, cipher: PiiCipher) -> Search:
    """The search box: a case number (whole or its start), a phone (any way it is typed: spaces,
    dashes, +86, full-width digits — bot/phones.py, as when the case was filed) or a full name."""
    compact = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    if _CASE_NO_PREFIX.fullmatch(compact):
        return Search("case_no", compact, compact)
    phone = case_rules.normalize_phone(raw)
    if phone is not None:
        return Search("phone", cipher.phone_hash(phone) or "", case_rules.mask_phone(phone) or "")
    if _DIGITS.fullmatch(compact):
        # digits that are no phone: a case number typed without its TS (or its first digits:
        # 20261122 finds that day's cases)
        return Search("case_no", "TS" + compact, "TS" + compact)
    name = "".join(unicodedata.normalize("NFKC", raw).split())
    if _NAME.fullmatch(name) and len(name) <= 50:
        return Search("name", pii.name_hash(cipher, name) or "", case_rules.mask_name(name) or "")
    raise ValueError(raw)


def _day(raw: str, which: str) -> date:
    """A day as people type it: 2026-11-01, 2026-11-1, 2026/11/1, 2026.11.1, 2026年11月1日, 20261101."""
    text = unicodedata.normalize("NFKC", raw).strip()
    m = _DAY.fullmatch(text) or _DAY_DIGITS.fullmatch(text)
    try:
        if m is None:
            raise ValueError(raw)
        value = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError(f"受理日期的“{which}”格式不正确，请按 2026-11-21 的格式填写。")
    if not 2000 <= value.year <= 2100:
        raise ValueError(f"受理日期的“{which}”超出合理范围，请检查年份。")
    return value


def _choice(raw: str, allowed: Any, message: str, errors: List[str]) -> str:
    if raw and raw not in allowed:
        errors.append(message)
        return ""
    return raw


def parse(query: MultiMapping[str], cipher: PiiCipher) -> Tuple[CaseFilter, List[str]]:
    """The filters of a request and the Chinese messages for the values that could not be used
    (a bad value is dropped from the filter and named in a message; other parameters are
    ignored, so a link with an extra parameter still opens the list)."""
    errors: List[str] = []
    q = _one(query, "q")[:200]
    search = None
    if q:
        try:
            if len(q) > MAX_QUERY_CHARS:
                raise ValueError(q)
            search = read_search(q, cipher)
        except ValueError:
            errors.append(BAD_QUERY)
    dates: Dict[str, Optional[date]] = {"from": None, "to": None}
    for name, which in (("from", "从"), ("to", "至")):
        raw = _one(query, name)
        if raw:
            try:
                dates[name] = _day(raw, which)
            except ValueError as exc:
                errors.append(str(exc))
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors.append("受理日期的开始日期晚于结束日期，请检查。")
    status = _choice(_one(query, "status"), [OPEN, *Status.values()], "案件状态不在可选范围内，请从列表中选择。", errors)
    category = _choice(_one(query, "category"), Category.values(), "投诉分类不在可选范围内，请从列表中选择。", errors)
    branch = _choice(
        _one(query, "branch"), {b.code for b in directory().branches}, "网点不在网点目录中，请从列表中选择。", errors
    )
    priority = _choice(_one(query, "priority"), Priority.values(), "优先级不在可选范围内，请从列表中选择。", errors)
    sla = _choice(
        _one(query, "sla"), [s.value for s in SlaStatus if s != SlaStatus.NONE],
        "办理时限状态不在可选范围内，请从列表中选择。", errors,
    )
    flags = tuple(f for f in FLAG_PARAMS if _one(query, f) not in ("", "0"))
    page_raw = _one(query, "page") or "1"
    page = 1
    if page_raw.isascii() and page_raw.isdigit() and 0 < len(page_raw) <= 6 and int(page_raw) > 0:
        page = int(page_raw)
    else:
        errors.append("页码应为正整数。")
    return (
        CaseFilter(
            q=q, search=search, date_from=dates["from"], date_to=dates["to"], status=status,
            category=category, branch=branch, priority=priority, sla=sla, flags=flags, page=page,
        ),
        errors,
    )


# ---------------------------------------------------------------------------------------------
# SQL


def _beijing_midnight(day: date) -> datetime:
    """Dates on the page are Beijing days, like every time the console shows."""
    return datetime.combine(day, time(0), tzinfo=CHINA_TZ)


def _next_prefix(prefix: str) -> str:
    # every case number starting with "TS2026" lies in ["TS2026", "TS2027"): a range an index
    # answers on both backends (LIKE 'TS2026%' is not indexed on SQLite, nor on PostgreSQL
    # outside the C collation)
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def conditions(f: CaseFilter, scope: Optional[str], now: datetime) -> List[Any]:
    """The WHERE clause of a filtered list; the viewer's access rule is always the first term."""
    conds: List[Any] = [visible_cases(scope)]
    s = f.search
    if s is not None and s.kind == "case_no":
        conds += [Case.case_no >= s.value, Case.case_no < _next_prefix(s.value)]
    elif s is not None and s.kind == "phone":
        conds.append(Case.phone_hash == s.value)
    elif s is not None and s.kind == "name":
        conds.append(Case.customer_name_hash == s.value)
    if f.date_from:
        conds.append(Case.created_at >= _beijing_midnight(f.date_from))
    if f.date_to:
        conds.append(Case.created_at < _beijing_midnight(f.date_to + timedelta(days=1)))
    if f.status == OPEN:
        conds.append(Case.status.in_([st.value for st in OPEN_STATUSES]))
    elif f.status:
        conds.append(Case.status == f.status)
    if f.category:
        conds.append(Case.category == f.category)
    if f.branch:
        conds.append(Case.branch_code == f.branch)
    if f.priority:
        conds.append(Case.priority == f.priority)
    soon = now + case_rules.DUE_SOON_WITHIN
    if f.sla == SlaStatus.OVERDUE.value:
        conds.append(overdue_clause(now))
    elif f.sla == SlaStatus.DUE_SOON.value:
        conds += [Case.next_due_at >= now, Case.next_due_at < soon]
    elif f.sla == SlaStatus.ON_TIME.value:
        conds.append(Case.next_due_at >= soon)
    # `== True`, not IS: SQLite uses an index for equality on a boolean column
    if "confidential" in f.flags:
        conds.append(Case.confidential == True)  # noqa: E712 (SQL)
    if "repeat" in f.flags:
        conds.append(Case.repeat_flag == True)  # noqa: E712 (SQL)
    if "group" in f.flags:
        conds.append(Case.group_flag == True)  # noqa: E712 (SQL)
    return conds


# only what a list row shows: no encrypted column is ever read here
_COLUMNS = (
    Case.case_no, Case.created_at, Case.channel, Case.category, Case.business_line, Case.status,
    Case.priority, Case.branch, Case.branch_code, Case.customer_name_masked, Case.phone_masked,
    Case.owner, Case.next_due_at, Case.contact_due_at, Case.reply_due_at, Case.decision_due_at,
    Case.contacted_at, Case.replied_at, Case.resolved_at, Case.confidential, Case.repeat_flag,
    Case.group_flag, Case.paused_since,
)
_ORDER = (Case.created_at.desc(), Case.id.desc())


@dataclass(frozen=True)
class CaseRow:
    """One case as the list and the exports show it: codes for styling, words for people."""

    case_no: str
    created_at: datetime
    channel: str
    category: str
    business_line: str
    status: str
    priority: str
    priority_code: str
    branch: str
    customer_name: str
    phone: str
    owner: str
    next_due_at: Optional[datetime]
    deadline: str  # which commitment falls due next: 首次联系 / 实质答复 / 办结
    sla_code: str
    sla: str
    flags: List[str] = field(default_factory=list)


def _row(r: Any, now: datetime) -> CaseRow:
    state = case_rules.SlaState(
        status=Status(r.status), contact_due_at=r.contact_due_at, reply_due_at=r.reply_due_at,
        decision_due_at=r.decision_due_at, contacted_at=r.contacted_at, replied_at=r.replied_at,
        resolved_at=r.resolved_at,
        # a paused decision clock (issue 14) has no decision deadline pending
        paused=r.paused_since is not None,
    )
    pending = case_rules.pending_deadlines(state)
    next_name = min(pending, key=lambda k: pending[k]) if pending else None
    sla = case_rules.sla_status(r.next_due_at, now)
    flags = [
        labels.FLAG_LABELS[name]
        for name, on in (("confidential", r.confidential), ("repeat", r.repeat_flag), ("group", r.group_flag))
        if on
    ]
    return CaseRow(
        case_no=r.case_no,
        created_at=r.created_at,
        channel=labels.label(labels.CHANNEL_LABELS, r.channel),
        category=labels.label(labels.CATEGORY_LABELS, r.category),
        business_line=labels.label(labels.BUSINESS_LINE_LABELS, r.business_line),
        status=labels.status_label(r.status),
        priority=labels.label(labels.PRIORITY_LABELS, r.priority),
        priority_code=r.priority,
        # the directory's name when the branch is resolved, else the customer's words
        branch=directory().name_of(r.branch_code) or r.branch or "—",
        customer_name=r.customer_name_masked or "—",
        phone=r.phone_masked or "—",
        owner=labels.label(labels.QUEUE_LABELS, r.owner),
        next_due_at=r.next_due_at,
        deadline=labels.DEADLINE_LABELS.get(next_name or "", "—"),
        sla_code=sla.value,
        sla=labels.SLA_STATUS_LABELS[sla.value],
        flags=flags,
    )


async def _rows(db: Database, conds: List[Any], now: datetime, limit: int, offset: int) -> List[CaseRow]:
    # the page's ids first: sorting narrow (created_at, id) rows instead of whole cases keeps a
    # filtered page fast on a large table (db.list_cases does the same)
    ids = select(Case.id).where(*conds).order_by(*_ORDER).limit(limit).offset(offset)
    stmt = select(*_COLUMNS).where(Case.id.in_(ids)).order_by(*_ORDER)
    async with db.reading() as s:
        return [_row(r, now) for r in (await s.execute(stmt)).all()]


async def count(db: Database, conds: List[Any]) -> int:
    async with db.reading() as s:
        return int((await s.execute(select(func.count()).select_from(Case).where(*conds))).scalar_one())


@dataclass(frozen=True)
class Page:
    rows: List[CaseRow]
    total: int
    page: int
    pages: int
    first: int  # 1-based position of the first row shown (0 when none)
    last: int


async def find_page(db: Database, f: CaseFilter, scope: Optional[str], now: datetime) -> Tuple[Page, CaseFilter]:
    """One page of the list, newest first. A page past the end shows the last one (a link kept
    from before cases were closed or filters changed should still land somewhere useful)."""
    conds = conditions(f, scope, now)
    total = await count(db, conds)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if f.page > pages:
        f = replace(f, page=pages)
    offset = (f.page - 1) * PAGE_SIZE
    rows = await _rows(db, conds, now, PAGE_SIZE, offset) if total else []
    return Page(rows, total, f.page, pages, offset + 1 if rows else 0, offset + len(rows)), f


async def export_rows(db: Database, f: CaseFilter, scope: Optional[str], now: datetime) -> List[CaseRow]:
    """Every case of the filtered list (all pages), newest first."""
    conds = conditions(f, scope, now)
    total = await count(db, conds)
    if total > EXPORT_LIMIT:
        raise BadRequest(
            f"符合条件的案件共 {total:,} 件，超过单次导出上限 {EXPORT_LIMIT:,} 件。"
            "请缩小受理日期范围或增加筛选条件后再导出。"
        )
    return await _rows(db, conds, now, EXPORT_LIMIT, 0)


# the case page's 该客户的其他投诉: enough to see a pattern, short enough to read at a glance
HISTORY_LIMIT = 20


@dataclass(frozen=True)
class History:
    rows: List[CaseRow]
    more: bool  # the customer has more visible cases than HISTORY_LIMIT


async def customer_history(
    db: Database, case: Case, scope: Optional[str], now: datetime, limit: Optional[int] = None
) -> History:
    """The customer's other cases, newest first, at most `limit`: every case with the same
    keyed phone hash (cases.phone_hash, as at filing), under the list's one access rule
    (visible_cases), so a confidential case hidden from this user stays hidden here too.
    Masked columns only (_COLUMNS): nothing is decrypted and the list is no read of those cases."""
    if not case.phone_hash:
        # no phone, no customer to match: `phone_hash == None` would match every such case
        return History([], False)
    limit = HISTORY_LIMIT if limit is None else limit
    conds = [visible_cases(scope), Case.phone_hash == case.phone_hash, Case.id != case.id]
    rows = await _rows(db, conds, now, limit + 1, 0)
    return History(rows[:limit], len(rows) > limit)
