"""回访 (issue 14; seed 003 第八条) through the real app on SQLite and PostgreSQL, with a fixed clock:
a survey is made some days after a decision, once, and only while the case stays decided; its
notice carries a link only the customer has; the page takes a 1–5 score and a comment (masked),
the latest answer wins until it closes; the case page and the supervisor's figures show it."""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Tuple

import pytest

from bot.casedesk.customer import notices, surveys
from bot.casedesk.db import DB_KEY
from bot.casedesk.settings import NoticeSettings, Settings

from tests.actions.test_no_promises import PROMISES
from tests.console.helpers import Console

from .helpers import Api, Clock
from .test_notices import DECISION, file_case, outbox, post, start, web_notices

AFTER = 7


@pytest.fixture
def quiet(settings: Settings) -> Settings:
    return dataclasses.replace(settings, notices=NoticeSettings(dispatch_seconds=0, survey_after_days=AFTER,
                                                                public_url="https://kefu.example-bank.cn"))


@pytest.fixture
async def api(quiet: Settings) -> Any:
    client, api = await start(quiet)
    try:
        yield api
    finally:
        await client.close()


async def decided_case(api: Api, by: str = "li.na") -> Tuple[str, str]:
    no, conversation = await file_case(api)
    assert (await api.call("PATCH", f"/api/cases/{no}", json={"status": "in_progress"}))[0] == 200
    code, body = await api.call("POST", f"/api/cases/{no}/decision", json=DECISION, headers={"X-Actor": by})
    assert code == 201, body
    return no, conversation


def kinds(made: Any) -> list:
    return [n.kind for n, _ in made]


async def survey_link(api: Api, no: str) -> str:
    made = await notices.of_case(api.app[DB_KEY], no)
    found = re.search(r"https://kefu\.example-bank\.cn(/survey/\S+?) ", made[-1][0].text)
    assert found, made[-1][0].text
    return found.group(1)


async def page(api: Api, path: str, form: Any = None) -> Tuple[int, str]:
    method = "POST" if form is not None else "GET"
    response = await api.client.request(method, path, data=form)
    return response.status, await response.text()


async def test_the_survey_comes_days_after_the_decision_once_with_its_link(api: Api, clock: Clock) -> None:
    no, conversation = await decided_case(api)
    await outbox(api).make()
    clock.advance(days=AFTER - 1)
    await outbox(api).make()
    assert kinds(await notices.of_case(api.app[DB_KEY], no)) == ["accepted", "decided"]
    clock.advance(days=1, minutes=1)
    assert await outbox(api).make() == 1
    assert await outbox(api).make() == 0  # again: nothing new
    made = await notices.of_case(api.app[DB_KEY], no)
    assert kinds(made) == ["accepted", "decided", "survey"]
    text = made[-1][0].text
    assert no in text and "1–5 分" in text and "您" in text and not PROMISES.search(text)
    link = await survey_link(api, no)
    assert re.fullmatch(r"/survey/\d+-[A-Za-z0-9_-]{22}", link)
    # the web chat shows it with the link the widget turns into a button
    body = (await web_notices(api, conversation))[1]
    assert body["items"][-1]["kind"] == "survey" and body["items"][-1]["link"].endswith(link)
    assert body["items"][-1]["title"] == "回访：请您评价"
    # the progress lookup's latest update stays the decision, not the invitation
    lookup = (await api.call("POST", "/api/progress/lookup",
                             json={"conversation_id": conversation, "case_no": no, "phone_last4": "5678"}))[1]
    assert "处理结果" in lookup["latest_update"] and "/survey/" not in lookup["latest_update"]
    # history and audit: the desk sent it
    case = (await api.call("GET", f"/api/cases/{no}"))[1]
    assert any(e["kind"] == "survey" and e["actor"] == "system" for e in case["history"])


async def test_no_survey_for_a_reopened_withdrawn_or_old_decision(api: Api, clock: Clock) -> None:
    reopened, _ = await decided_case(api)
    await post(api, reopened, "review", {"office": "分行消费者权益保护部", "reason": "客户对处理结果有异议，申请核查"})
    withdrawn, _ = await file_case(api)
    assert (await api.call("PATCH", f"/api/cases/{withdrawn}", json={"status": "withdrawn"}))[0] == 200
    clock.advance(days=AFTER + 1)
    await outbox(api).make()
    assert "survey" not in kinds(await notices.of_case(api.app[DB_KEY], reopened))
    assert "survey" not in kinds(await notices.of_case(api.app[DB_KEY], withdrawn))
    # the 核查's second decision gets a 回访 of its own
    await post(api, reopened, "decision", {**DECISION, "outcome": "supported"})
    clock.advance(days=AFTER + 1)
    await outbox(api).make()
    assert kinds(await notices.of_case(api.app[DB_KEY], reopened)).count("survey") == 1
    # a decision older than the seed's two months (a desk down that long, or a migration) is not surveyed
    old, _ = await decided_case(api)
    clock.advance(days=61)
    await outbox(api).make()
    assert "survey" not in kinds(await notices.of_case(api.app[DB_KEY], old))


async def test_the_customer_answers_on_the_page_and_it_lands_on_the_case(api: Api, clock: Clock) -> None:
    no, _ = await decided_case(api)
    clock.advance(days=AFTER)
    await outbox(api).make()
    link = await survey_link(api, no)

    status, html = await page(api, link)
    assert status == 200 and no in html and "您对这次投诉的处理满意吗" in html and 'name="score"' in html
    # no score: told so, the comment kept in the box
    status, html = await page(api, link, {"comment": "柜员态度很好"})
    assert status == 400 and "请选择 1 到 5 分" in html and "柜员态度很好" in html
    status, html = await page(api, link, {"score": "9", "comment": ""})
    assert status == 400
    status, html = await page(api, link, {"score": "4", "comment": "处理挺及时，但打我电话13812345678太多次"})
    assert status == 200 and "感谢您的评价" in html and "4 分" in html
    assert "13812345678" not in html and "138****5678" in html
    # the same answer again writes nothing; a changed one replaces it
    await page(api, link, {"score": "4", "comment": "处理挺及时，但打我电话13812345678太多次"})
    await page(api, link, {"score": "5", "comment": "后来经理专门回电解释，满意"})
    survey_id = int(link.split("/")[-1].split("-")[0])
    view = await surveys.read(api.app[DB_KEY], survey_id)
    assert (view.score, view.comment) == (5, "后来经理专门回电解释，满意")
    history = (await api.call("GET", f"/api/cases/{no}"))[1]["history"]
    answers = [e for e in history if e["kind"] == "survey_answer"]
    assert [(e["actor"], e["old_value"], e["new_value"]) for e in answers] == [("customer", None, "4"), ("customer", "4", "5")]
    # the form shows the answer already given
    status, html = await page(api, link)
    assert "可以修改后重新提交" in html and 'value="5" required checked' in html

    # closed after its days: the page says so and takes nothing
    clock.advance(days=31)
    status, html = await page(api, link)
    assert status == 410 and "本次回访已经结束" in html
    status, _ = await page(api, link, {"score": "1"})
    assert status == 410
    assert (await surveys.read(api.app[DB_KEY], survey_id)).score == 5


async def test_a_link_not_made_by_the_desk_opens_nothing(api: Api, clock: Clock) -> None:
    no, _ = await decided_case(api)
    clock.advance(days=AFTER)
    await outbox(api).make()
    link = await survey_link(api, no)
    survey_id, mac = link.split("/")[-1].split("-", 1)
    for bad in (f"/survey/{survey_id}-{mac[:-1]}x", f"/survey/{int(survey_id) + 1}-{mac}", "/survey/1", "/survey/abc-def"):
        status, html = await page(api, bad)
        assert status == 404 and "这个回访链接无效" in html, bad
        assert (await page(api, bad, {"score": "1"}))[0] == 404
    assert surveys.survey_id_of("another-secret-key-0123", link.split("/")[-1]) is None


async def test_case_page_and_supervisor_figures_show_the_survey(api: Api, clock: Clock) -> None:
    console = Console(api.client)
    await console.user("boss", "supervisor", display_name="赵敏")
    await console.user("li.na", "agent", display_name="李娜")
    first, conv1 = await decided_case(api)
    second, _ = await decided_case(api)
    await api.call("POST", f"/api/cases/{first}/rating", json={"conversation_id": conv1, "score": 3})
    clock.advance(days=AFTER)
    await outbox(api).make()
    await page(api, await survey_link(api, first), {"score": "5", "comment": "满意"})
    await page(api, await survey_link(api, second), {"score": "2", "comment": ""})

    assert (await console.login("boss")).status == 303
    html = await (await api.client.get("/console/supervisor")).text()
    section = html[html.index('id="survey-figures"'):]
    assert "发出回访 2 份，客户答复 2 份，平均 <strong>3.5</strong> 分" in section
    # by the agent who decided (the display name, never the user name)
    assert re.search(r"<td[^>]*>李娜</td><td[^>]*>2</td><td[^>]*>3.5</td>", section)
    assert "li.na" not in section
    case_html = await (await api.client.get(f"/console/cases/{first}")).text()
    result = case_html[case_html.index('id="survey-result"'):]
    assert "5 分（满分 5 分" in result and "满意" in result
    assert "3 分（满分 5 分" in case_html  # the in-chat rating beside it
    # the notice panel never shows the customer's key
    assert "/survey/……（回访链接仅客户本人可用）" in case_html
    assert (await survey_link(api, first)) not in case_html
