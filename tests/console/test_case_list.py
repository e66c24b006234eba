"""The case list at /console/cases (issue 15): search by case number, phone and name; filters,
paging and the URL that keeps them; the access rule; Chinese messages for bad input; CSV and
Excel exports with their audit rows; no raw code on the page; and one run in Chromium."""
from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
from html.parser import HTMLParser
from typing import Any, Dict, List, Set, Tuple
from urllib.parse import parse_qsl, urlsplit

import openpyxl
import pytest
import requests
from sqlalchemy import select

from bot.casedesk import db as dbmod
from bot.casedesk.console import case_search, labels
from bot.casedesk.cases.case_rules import Status
from bot.casedesk.models import AuditEntry, Case
from bot.casedesk.settings import Settings
from tests.casedesk.helpers import TOKEN, Clock, case_payload
from tests.e2e.console_browser import shoot

from .helpers import PASSWORD, Console

BRANCH = "朝阳路支行"  # BJ001 in data/branches.yml
OTHER_BRANCH = "高新区支行"  # BJ002


class _Text(HTMLParser):
    """What a person reads on the page: text nodes outside <script>/<style>, no attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: List[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return re.sub(r"\s+", " ", "".join(parser.parts))


def case_nos(page: str) -> List[str]:
    """The case numbers of the result rows, in page order."""
    return re.findall(r'<td data-label="案件编号"><a href="/console/cases/(TS\d+)">', page)


async def file_case(console: Console, **fields: Any) -> Dict[str, Any]:
    status, data = await console.api("POST", "/api/cases", case_payload(**fields))
    assert status == 201, data
    return data


async def agent(console: Console, name: str = "wang", role: str = "agent", branch: Any = None) -> None:
    await console.user(name, role, branch=branch)
    await console.login(name)


async def listing(console: Console, query: str = "") -> Tuple[int, str]:
    return await console.page("/console/cases" + (f"?{query}" if query else ""))


# ---------------------------------------------------------------------------------------------
# Search


async def test_search_by_case_number_exact_prefix_and_without_ts(console: Console) -> None:
    first = await file_case(console)
    second = await file_case(console, phone="13900001111", customer_name="李四")
    await agent(console)

    status, page = await listing(console, f"q={first['case_no']}")
    assert status == 200 and case_nos(page) == [first["case_no"]]
    assert "案件编号：" + first["case_no"] in visible_text(page)
    # the first characters: both (same day), newest first
    assert case_nos((await listing(console, f"q={first['case_no'][:10]}"))[1]) == [second["case_no"], first["case_no"]]
    # typed in lower case with a space, or without TS
    assert case_nos((await listing(console, f"q=ts {first['case_no'][2:]}"))[1]) == [first["case_no"]]
    assert case_nos((await listing(console, f"q={first['case_no'][2:]}"))[1]) == [first["case_no"]]
    # the list never shows the customer in full, whatever was searched
    assert "13812345678" not in page and "王建国" not in page and "王*国" in page and "138****5678" in page


@pytest.mark.parametrize(
    "typed",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "+8613812345678",
     "１３８１２３４５６７８", "0086 13812345678"],
)
async def test_search_by_phone_however_it_is_typed(console: Console, typed: str) -> None:
    mine = await file_case(console, phone="13812345678")
    await file_case(console, phone="13900001111")
    await agent(console)
    resp = await console.client.get("/console/cases", params={"q": typed}, allow_redirects=False)
    page = await resp.text()
    assert resp.status == 200
    assert case_nos(page) == [mine["case_no"]]
    assert "联系电话：138****5678" in visible_text(page)


async def test_search_by_landline(console: Console) -> None:
    mine = await file_case(console, phone="0571-87023456")
    await agent(console)
    resp = await console.client.get("/console/cases", params={"q": "(0571) 8702 3456"})
    assert case_nos(await resp.text()) == [mine["case_no"]]


async def test_search_by_full_name_and_after_a_correction(console: Console) -> None:
    wang = await file_case(console, customer_name="王建国")
    await file_case(console, customer_name="王建", phone="13900001111")
    await agent(console)
    for typed in ("王建国", "王 建国", "王建國"):  # spaces and Traditional characters do not matter
        resp = await console.client.get("/console/cases", params={"q": typed})
        page = await resp.text()
        assert case_nos(page) == [wang["case_no"]], typed
        assert "客户姓名：王*" in visible_text(page)  # the name as typed, masked
    # a full name only: the start of one is another name
    resp = await console.client.get("/console/cases", params={"q": "王"})
    assert case_nos(await resp.text()) == []

    status, _ = await console.api("PATCH", f"/api/cases/{wang['case_no']}", {"customer_name": "王建业"})
    assert status == 200
    for typed, expected in (("王建业", [wang["case_no"]]), ("王建国", [])):
        resp = await console.client.get("/console/cases", params={"q": typed})
        assert case_nos(await resp.text()) == expected


async def test_name_hash_is_back_filled_by_the_migration(console: Console, settings: Settings) -> None:
    filed = await file_case(console, customer_name="欧阳建国")
    # a case as it was before 0007: no hash
    async with console.db.writing() as s:
        case = (await s.execute(select(Case).where(Case.case_no == filed["case_no"]))).scalar_one()
        assert case.customer_name_hash
        case.customer_name_hash = None
    # in a thread: the desk's own loops (the notice outbox) go on and finish their transactions;
    # run on the event loop, a migration waits for a lock a suspended pass holds, for ever
    await asyncio.to_thread(dbmod.downgrade, settings, "0006")
    await asyncio.to_thread(dbmod.run_migrations, settings)
    await agent(console)
    resp = await console.client.get("/console/cases", params={"q": "欧阳建国"})
    assert case_nos(await resp.text()) == [filed["case_no"]]


# ---------------------------------------------------------------------------------------------
# Filters, paging, the URL


async def test_each_filter(console: Console, clock: Clock) -> None:
    old = await file_case(console, category="staff_service", branch=OTHER_BRANCH, phone="13700000001")
    clock.advance(days=3)
    high = await file_case(console, priority="high", phone="13700000002")
    confidential = await file_case(console, confidential=True, phone="13700000003", category="product_service")
    repeat = await file_case(console, phone="13700000002")  # same phone and category as `high`
    status, _ = await console.api("PATCH", f"/api/cases/{confidential['case_no']}", {"status": "in_progress"})
    assert status == 200
    await agent(console, "zhao", "supervisor")
    today = clock.now.astimezone(case_search.CHINA_TZ).date()
    three_days_ago = today.fromordinal(today.toordinal() - 3)

    async def found(query: str) -> Set[str]:
        status, page = await listing(console, query)
        assert status == 200, visible_text(page)
        return set(case_nos(page))

    everything = {old["case_no"], high["case_no"], confidential["case_no"], repeat["case_no"]}
    assert await found("") == everything
    assert await found(f"from={today}") == everything - {old["case_no"]}
    assert await found(f"to={three_days_ago}") == {old["case_no"]}
    assert await found(f"from={three_days_ago}&to={three_days_ago}") == {old["case_no"]}
    # dates as people type them
    assert await found(f"from={today.year}年{today.month}月{today.day}日") == everything - {old["case_no"]}
    assert await found(f"to={three_days_ago:%Y/%m/%d}") == {old["case_no"]}
    assert await found(f"to={three_days_ago:%Y%m%d}") == {old["case_no"]}
    assert await found("status=in_progress") == {confidential["case_no"]}
    assert await found("status=new") == everything - {confidential["case_no"]}
    assert await found("status=open") == everything
    assert await found("status=closed") == set()
    assert await found("category=staff_service") == {old["case_no"]}
    assert await found("branch=BJ002") == {old["case_no"]}
    assert await found("branch=BJ001") == everything - {old["case_no"]}
    assert await found("priority=high") == {high["case_no"]}
    assert await found("confidential=1") == {confidential["case_no"]}
    assert await found("repeat=1") == {repeat["case_no"]}
    assert await found("group=1") == set()
    assert await found("priority=normal&branch=BJ001&category=transaction_dispute") == {repeat["case_no"]}

    # SLA: `old` is 3 days past its 24 h first contact; `high` is due in 1 h; the others in 24 h
    assert await found("sla=overdue") == {old["case_no"]}
    assert await found("sla=due_soon") == {high["case_no"]}
    assert await found("sla=on_time") == {confidential["case_no"], repeat["case_no"]}
    _, page = await listing(console, "sla=overdue")
    assert "已超时" in visible_text(page) and "首次联系" in visible_text(page)


async def test_group_flag_filter(console: Console) -> None:
    phones = ["13700000011", "13700000012", "13700000013"]
    filed = [await file_case(console, phone=p, branch=BRANCH) for p in phones]
    await agent(console)
    _, page = await listing(console, "group=1")
    assert set(case_nos(page)) == {c["case_no"] for c in filed}
    assert "群体投诉" in visible_text(page)


async def test_paging_keeps_the_filters_in_the_url(console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(case_search, "PAGE_SIZE", 2)
    filed = [await file_case(console, phone=f"1370000002{i}") for i in range(5)]
    await file_case(console, phone="13700000029", category="other")  # filtered out
    await agent(console)
    newest_first = [c["case_no"] for c in reversed(filed)]

    query = "category=transaction_dispute&priority=normal"
    status, page = await listing(console, query)
    assert status == 200 and case_nos(page) == newest_first[:2]
    text = visible_text(page)
    assert "共 5 件" in text and "第 1–2 件" in text and "第 1 / 3 页" in text
    # the next page's link carries the filters
    nxt = re.search(r'<a href="/console/cases\?([^"]+)" rel="next">', page).group(1).replace("&amp;", "&")
    assert dict(parse_qsl(nxt)) == {"category": "transaction_dispute", "priority": "normal", "page": "2"}
    _, page2 = await listing(console, nxt)
    assert case_nos(page2) == newest_first[2:4]
    _, page3 = await listing(console, query + "&page=3")
    assert case_nos(page3) == newest_first[4:] and 'rel="next"' not in page3 and 'rel="prev"' in page3
    # a page past the end shows the last one
    _, beyond = await listing(console, query + "&page=99")
    assert case_nos(beyond) == newest_first[4:]
    # the form shows the filters chosen, and the export links keep them
    assert '<option value="transaction_dispute" selected>' in page and '<option value="normal" selected>' in page
    for link in re.findall(r'href="/console/cases\.(?:csv|xlsx)\?([^"]+)"', page):
        assert dict(parse_qsl(link.replace("&amp;", "&"))) == {"category": "transaction_dispute", "priority": "normal"}


async def test_empty_result_says_so_and_offers_to_clear(console: Console) -> None:
    await file_case(console)
    await agent(console)
    status, page = await listing(console, "status=closed")
    assert status == 200 and case_nos(page) == []
    text = visible_text(page)
    assert "没有找到符合条件的案件" in text and "清除全部筛选条件" in text
    assert 'href="/console/cases">清除全部筛选条件' in page


# ---------------------------------------------------------------------------------------------
# Access


async def test_confidential_case_is_hidden_from_the_accused_branch(console: Console) -> None:
    secret = await file_case(console, branch=BRANCH, confidential=True, phone="13700000031")
    visible = await file_case(console, branch=BRANCH, phone="13700000032")
    await console.user("branchguy", "agent", branch=BRANCH)
    await console.user("other", "agent", branch=OTHER_BRANCH)
    await console.user("hq", "supervisor")

    await console.login("branchguy")
    for query in ("", "confidential=1", f"q={secret['case_no']}", "q=13700000031", "branch=BJ001"):
        _, page = await listing(console, query)
        assert secret["case_no"] not in case_nos(page), query
        assert "没有找到" in visible_text(page) or query in ("", "branch=BJ001")
    _, page = await listing(console, "")
    assert case_nos(page) == [visible["case_no"]] and "共 <strong>1</strong> 件" in page
    resp = await console.client.get("/console/cases.csv")
    assert secret["case_no"] not in (await resp.read()).decode("utf-8-sig")

    for who in ("other", "hq"):
        await console.login(who)
        _, page = await listing(console, "")
        assert set(case_nos(page)) == {secret["case_no"], visible["case_no"]}, who


async def test_who_may_open_the_list(console: Console) -> None:
    await console.user("trainer1", "trainer")
    resp = await console.client.get("/console/cases?q=13812345678", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/console/login?next=")
    assert (await console.client.get("/console/cases.csv", allow_redirects=False)).status == 303
    await console.login("trainer1")
    assert (await listing(console))[0] == 403
    assert (await console.client.get("/console/cases.xlsx")).status == 403
    # the top bar links to the list for agents and supervisors only
    assert 'href="/console/cases"' not in (await console.page("/console/trainer"))[1]
    for name, role in (("wang", "agent"), ("zhao", "supervisor")):
        await console.user(name, role)
        await console.login(name)
        assert '<a href="/console/cases">案件查询</a>' in (await console.page("/console"))[1], role


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2026-13-45", "受理日期的“从”格式不正确"),
        ("to=yesterday", "受理日期的“至”格式不正确"),
        ("from=2026-11-30&to=2026-11-01", "开始日期晚于结束日期"),
        ("status=bogus", "案件状态不在可选范围内"),
        ("category=nope", "投诉分类不在可选范围内"),
        ("branch=XX999", "网点不在网点目录中"),
        ("priority=urgent", "优先级不在可选范围内"),
        ("sla=late", "办理时限状态不在可选范围内"),
        ("page=abc", "页码应为正整数"),
        ("page=0", "页码应为正整数"),
        ("q=abc123", "无法识别搜索内容"),
        ("q=1381234", "无法识别搜索内容"),
        ("q=" + "9" * 80, "无法识别搜索内容"),
        ("q=%00", "无法识别搜索内容"),
    ],
)
async def test_bad_filter_values_get_a_chinese_message(console: Console, query: str, message: str) -> None:
    await file_case(console)
    await agent(console)
    status, page = await listing(console, query)
    assert status == 400
    assert message in visible_text(page) and case_nos(page) == []
    assert "清除全部筛选条件" in visible_text(page)
    # the export of the same filters is refused with the same words, as a page
    resp = await console.client.get(f"/console/cases.csv?{query}")
    assert resp.status == 400 and message in await resp.text()


async def test_unknown_parameters_are_ignored(console: Console) -> None:
    filed = await file_case(console)
    await agent(console)
    status, page = await listing(console, "utm_source=mail&msg=status")
    assert status == 200 and case_nos(page) == [filed["case_no"]]


# ---------------------------------------------------------------------------------------------
# Exports


async def _export_cases(console: Console) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    first = await file_case(console, phone="13812345678", customer_name="王建国")
    # the branch is the customer's words: a formula there must stay text in the files
    second = await file_case(console, phone="13900001111", customer_name="欧阳娜娜", branch="=HYPERLINK(\"x\")",
                             priority="high")
    return first, second


EXPECTED_HEADERS = [
    "案件编号", "受理时间", "渠道", "投诉分类", "业务类别", "状态", "优先级", "网点",
    "客户姓名（掩码）", "联系电话（掩码）", "处理人", "下一时限", "时限事项", "时限状态", "标记",
]


async def test_csv_export(console: Console) -> None:
    first, second = await _export_cases(console)
    await agent(console)
    resp = await console.client.get("/console/cases.csv?category=transaction_dispute")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"] and ".csv" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "no-store"
    raw = await resp.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == EXPECTED_HEADERS
    body = {r[0]: dict(zip(EXPECTED_HEADERS, r)) for r in rows[1:]}
    assert list(body) == [second["case_no"], first["case_no"]]  # newest first
    one = body[first["case_no"]]
    assert one["客户姓名（掩码）"] == "王*国" and one["联系电话（掩码）"] == "138****5678"
    assert one["投诉分类"] == "交易争议" and one["状态"] == "新建" and one["渠道"] == "网页"
    assert one["优先级"] == "普通" and one["网点"] == BRANCH and one["处理人"] == "待分配（交易争议组）"
    assert one["时限事项"] == "首次联系" and one["时限状态"] == "未到期"
    assert body[second["case_no"]]["网点"] == "'=HYPERLINK(\"x\")"
    assert body[second["case_no"]]["时限状态"] == "4 小时内到期"
    text = raw.decode("utf-8-sig")
    assert "13812345678" not in text and "王建国" not in text and "欧阳娜娜" not in text


async def test_xlsx_export_opens_in_openpyxl(console: Console) -> None:
    first, second = await _export_cases(console)
    await agent(console)
    resp = await console.client.get("/console/cases.xlsx?priority=high")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(await resp.read()))
    sheet = book["案件列表"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0].startswith("案件列表（导出时间") and "共 1 件" in rows[0][0] and "优先级：高" in rows[0][0]
    assert rows[1] == EXPECTED_HEADERS
    assert len(rows) == 3 and rows[2][0] == second["case_no"]
    line = dict(zip(EXPECTED_HEADERS, rows[2]))
    assert line["客户姓名（掩码）"] == "欧**娜" and line["联系电话（掩码）"] == "139****1111"
    assert line["优先级"] == "高" and line["处理人"] == "待分配（加急组）"
    # the customer's "formula" is a string cell, not a formula
    cell = sheet.cell(row=3, column=EXPECTED_HEADERS.index("网点") + 1)
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"
    everything = " ".join(str(v) for r in rows for v in r if v)
    assert "13900001111" not in everything and "欧阳娜娜" not in everything


async def test_each_export_is_audited_with_filters_and_row_count(console: Console) -> None:
    await _export_cases(console)
    await agent(console)
    assert (await console.client.get("/console/cases.csv?q=138 1234 5678&status=open")).status == 200
    assert (await console.client.get("/console/cases.xlsx")).status == 200
    # the list itself is no read of any case: no audit row
    assert (await listing(console, "q=13812345678"))[0] == 200
    async with console.db.reading() as s:
        entries = list((await s.execute(select(AuditEntry).where(AuditEntry.action.like("export%")).order_by(AuditEntry.id))).scalars())
        listed = (await s.execute(select(AuditEntry).where(AuditEntry.actor == "wang"))).scalars().all()
    assert [(e.action, e.actor, e.case_no) for e in entries] == [("export.csv", "wang", None), ("export.xlsx", "wang", None)]
    assert len(listed) == 2
    csv_detail = json.loads(entries[0].detail)
    assert csv_detail == {"filters": {"q": "联系电话:138****5678", "status": "open"}, "rows": 1}
    assert json.loads(entries[1].detail) == {"filters": {}, "rows": 2}
    assert "13812345678" not in entries[0].detail


async def test_export_over_the_limit_is_refused(console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(case_search, "EXPORT_LIMIT", 1)
    await _export_cases(console)
    await agent(console)
    resp = await console.client.get("/console/cases.csv")
    assert resp.status == 400 and "超过单次导出上限" in await resp.text()
    _, page = await listing(console)
    assert "请缩小范围后再导出" in visible_text(page) and "/console/cases.csv" not in page
    async with console.db.reading() as s:
        assert (await s.execute(select(AuditEntry).where(AuditEntry.action.like("export%")))).first() is None


# ---------------------------------------------------------------------------------------------
# Words, not codes


def _codes() -> Set[str]:
    tables = (
        labels.CATEGORY_LABELS, labels.BUSINESS_LINE_LABELS, labels.PRIORITY_LABELS, labels.CHANNEL_LABELS,
        labels.QUEUE_LABELS, labels.SLA_STATUS_LABELS, labels.DEADLINE_LABELS, labels.FLAG_LABELS,
        labels.SEARCH_KIND_LABELS,
    )
    return {code for table in tables for code in table} | set(Status.values()) | {"open", "true", "false", "None"}


async def test_no_raw_code_on_the_page(console: Console, clock: Clock) -> None:
    await file_case(console, confidential=True, priority="high")
    await file_case(console, phone="13812345678")  # a repeat
    for p in ("13700000041", "13700000042", "13700000043"):
        await file_case(console, phone=p, category="business_operation", branch=OTHER_BRANCH)
    clock.advance(days=2)
    await agent(console)
    for query in ("", "status=open&sla=overdue&confidential=1&repeat=1&group=1&priority=high&category=other",
                  "sla=overdue", "group=1", "status=bogus&from=x"):
        _, page = await listing(console, query)
        text = visible_text(page)
        words = set(re.findall(r"[A-Za-z_][A-Za-z_:]*", text))
        assert not words & _codes(), (query, words & _codes())
        # nothing English but the two file formats a person knows by these names
        assert words <= {"Excel", "CSV", "TS"}, (query, words)


# ---------------------------------------------------------------------------------------------
# In the browser


def test_agent_finds_a_case_by_phone_in_the_browser(desk: dict, page) -> None:
    url = desk["url"]
    filed = []
    for phone in ("13812345678", "13900001111"):
        resp = requests.post(f"{url}/api/cases", json=case_payload(phone=phone),
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert resp.status_code == 201, resp.text
        filed.append(resp.json()["case_no"])
    csp_errors: List[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console")
    page.click("text=案件查询")
    page.wait_for_url(f"{url}/console/cases")
    assert page.locator("table.case-list tbody tr").count() == 2
    shoot(page, os.environ.get("CASE_LIST_SHOTS"), "case_list")

    page.fill("#q", "+86 138-1234-5678")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*/console/cases\?q=.*"))
    rows = page.locator("table.case-list tbody tr")
    assert rows.count() == 1
    assert filed[0] in rows.inner_text() and "138****5678" in rows.inner_text()
    assert "联系电话：138****5678" in page.locator("#active-filters").inner_text()
    assert dict(parse_qsl(urlsplit(page.url).query))["q"] == "+86 138-1234-5678"
    shoot(page, os.environ.get("CASE_LIST_SHOTS"), "case_list_search")
    rows.locator("a").first.click()
    page.wait_for_url(f"{url}/console/cases/{filed[0]}")
    shoot(page, os.environ.get("CASE_LIST_SHOTS"), "case_page")
    assert csp_errors == []


def test_agent_corrects_a_phone_finds_the_case_by_it_and_exports_it(desk: dict, page, tmp_path) -> None:
    """The whole desk task in Chromium (issue 15): the customer rings with a new number, the agent
    corrects it with a reason on the case page, finds the case by the new number in the case
    list, and downloads the Excel export of that result, which openpyxl opens."""
    url = desk["url"]
    resp = requests.post(f"{url}/api/cases", json=case_payload(phone="13812345678"),
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert resp.status_code == 201, resp.text
    case_no = resp.json()["case_no"]

    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console")
    page.goto(f"{url}/console/cases/{case_no}")
    page.select_option("#edit-field", "phone")
    page.fill("#edit-value", "139 0000 2222")
    page.fill("#edit-reason", "客户来电告知手机号已更换")
    page.click("#case-edit button[type=submit]")
    page.wait_for_url(re.compile(rf".*/console/cases/{case_no}\?msg=corrected.*"))
    # the detail shows the number to call (its read is audited); the history only its mask
    body = page.locator("main").inner_text()
    assert "案件信息已更正" in body and "13900002222" in body and "客户来电告知手机号已更换" in body
    assert "139****2222" in body

    page.click("text=案件查询")
    page.wait_for_url(f"{url}/console/cases")
    page.fill("#q", "13900002222")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*/console/cases\?q=.*"))
    rows = page.locator("table.case-list tbody tr")
    assert rows.count() == 1 and case_no in rows.inner_text()
    with page.expect_download() as download:
        page.click("#export-xlsx")
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(path)["案件列表"]
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[1] == EXPECTED_HEADERS and len(table) == 3
    line = dict(zip(EXPECTED_HEADERS, table[2]))
    assert line["案件编号"] == case_no and line["联系电话（掩码）"] == "139****2222"
    assert "13900002222" not in " ".join(str(v) for r in table for v in r if v)
