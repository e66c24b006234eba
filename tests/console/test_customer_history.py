"""The case page's 该客户的其他投诉 (issue 15): every other case with the same keyed phone hash,
newest first, at most case_search.HISTORY_LIMIT, masked columns only, under the case list's one
access rule — a confidential case hidden from a branch user stays hidden here too."""
from __future__ import annotations

import re
from typing import List

import pytest

from bot.casedesk import db as dbmod
from bot.casedesk.console import case_search
from tests.casedesk.helpers import Clock

from .helpers import Console
from .test_case_list import BRANCH, OTHER_BRANCH, agent, file_case, visible_text

PHONE = "13812345678"


def history_section(page: str) -> str:
    found = re.search(r'<div class="panel" id="customer-history">(.*?)</div>', page, re.S)
    assert found, "no 该客户的其他投诉 section"
    return found.group(1)


def history_case_nos(page: str) -> List[str]:
    return re.findall(r'<td data-label="案件编号"><a href="/console/cases/(TS\d+)">', history_section(page))


async def test_other_cases_of_the_customer_newest_first_in_chinese(console: Console, clock: Clock) -> None:
    oldest = await file_case(console, phone=PHONE, category="staff_service", branch=OTHER_BRANCH)
    clock.advance(days=2)
    # the same number however it was typed: matched through the hash of the normalised phone
    middle = await file_case(console, phone="+86 138-1234-5678", category="product_service", branch=OTHER_BRANCH)
    clock.advance(days=1)
    stranger = await file_case(console, phone="13900001111", branch=OTHER_BRANCH)
    clock.advance(hours=5)
    current = await file_case(console, phone=PHONE, branch=OTHER_BRANCH)
    status, _ = await console.api("PATCH", f"/api/cases/{oldest['case_no']}", {"status": "in_progress"})
    assert status == 200
    await agent(console)

    status, page = await console.page(f"/console/cases/{current['case_no']}")
    assert status == 200
    section = history_section(page)
    assert history_case_nos(page) == [middle["case_no"], oldest["case_no"]]
    assert current["case_no"] not in section and stranger["case_no"] not in section
    text = visible_text(section)
    assert "该客户的其他投诉" in text and "人员服务" in text and "产品服务" in text and "处理中" in text and "新建" in text
    # no raw code, no customer data at all in the section (not even masked)
    for code in ("staff_service", "product_service", "in_progress", ">new<", "138", "王"):
        assert code not in section, code
    # the list is no read of those cases: only the opened one is audited
    for other in (oldest, middle):
        assert [a for a in await dbmod.audit_trail(console.db, other["case_no"]) if a.action == "read"] == []
    # and each is a link to its own page, which lists the others in turn
    _, page = await console.page(f"/console/cases/{oldest['case_no']}")
    assert history_case_nos(page) == [current["case_no"], middle["case_no"]]
    _, page = await console.page(f"/console/cases/{stranger['case_no']}")
    assert history_case_nos(page) == [] and "没有该客户（同一联系电话）的其他投诉" in visible_text(page)


async def test_confidential_case_stays_hidden_from_the_accused_branch(console: Console, clock: Clock) -> None:
    earlier = await file_case(console, phone=PHONE, branch=OTHER_BRANCH)
    clock.advance(hours=1)
    secret = await file_case(console, phone=PHONE, branch=BRANCH, confidential=True)
    clock.advance(hours=1)
    unresolved = await file_case(console, phone=PHONE, branch="不存在的网点", confidential=True)
    clock.advance(hours=1)
    current = await file_case(console, phone=PHONE, branch=BRANCH)
    await console.user("branchguy", "agent", branch=BRANCH)
    await console.user("other", "agent", branch=OTHER_BRANCH)
    await console.user("hq", "supervisor")

    await console.login("branchguy")
    status, page = await console.page(f"/console/cases/{current['case_no']}")
    assert status == 200
    # about their own branch, and one that might be: neither number nor any trace of them
    assert history_case_nos(page) == [earlier["case_no"]]
    assert secret["case_no"] not in page and unresolved["case_no"] not in page
    assert (await console.page(f"/console/cases/{secret['case_no']}"))[0] == 404

    await console.login("other")
    _, page = await console.page(f"/console/cases/{current['case_no']}")
    assert history_case_nos(page) == [secret["case_no"], earlier["case_no"]]  # unresolved: hidden

    await console.login("hq")
    _, page = await console.page(f"/console/cases/{current['case_no']}")
    assert history_case_nos(page) == [unresolved["case_no"], secret["case_no"], earlier["case_no"]]
    # 重复于 names the case it repeats only to those who may see it (above: not to branchguy)
    assert f'href="/console/cases/{unresolved["case_no"]}">{unresolved["case_no"]}</a></dd>' in page


async def test_at_most_the_limit_newest_first(console: Console, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(case_search, "HISTORY_LIMIT", 3)
    filed = []
    for _ in range(5):
        filed.append(await file_case(console, phone=PHONE, branch=OTHER_BRANCH))
        clock.advance(minutes=10)
    await agent(console)
    _, page = await console.page(f"/console/cases/{filed[0]['case_no']}")
    assert history_case_nos(page) == [f["case_no"] for f in reversed(filed[1:4 + 1])][:3]
    assert "仅列出最近的 3 件" in visible_text(page)
    _, page = await console.page(f"/console/cases/{filed[4]['case_no']}")
    assert history_case_nos(page) == [f["case_no"] for f in reversed(filed[1:4])]


def test_default_limit_is_twenty() -> None:
    assert case_search.HISTORY_LIMIT == 20
