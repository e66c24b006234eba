"""The case list (issue 15): /console/cases finds a case by number, phone or name and filters
the rest; /console/cases.csv and /console/cases.xlsx export the filtered list.

Agents and supervisors, under the console's one access rule (bot/casedesk/cases/access.py): a
confidential case hidden from a user is absent here too, from the rows and from the counts.
The list shows masked name and phone only and reads no encrypted column (case_search.py), so
it is not a read of any case and writes no audit row; an export is a copy of many cases leaving
the desk, so each one is audited with its filters and row count.
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any, Dict
from urllib.parse import quote

from aiohttp import web

from bot.branches import directory

from bot.casedesk import db
from bot.casedesk.cases.access import hidden_branch
from bot.casedesk.appkeys import CIPHER_KEY, SETTINGS_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import CHINA_TZ, SlaStatus, Status
from bot.casedesk.api.errors import BadRequest
from bot.casedesk.console import case_export, case_search, labels
from bot.casedesk.console.guards import require_case_worker
from bot.casedesk.console.render import render

log = logging.getLogger(__name__)

LIST_PATH = "/console/cases"


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(LIST_PATH, case_list, name="console.cases")
    # beside the list, not under /console/cases/…, where a name would read as a case number
    r.add_get(f"{LIST_PATH}.csv", export_csv, name="console.cases_csv")
    r.add_get(f"{LIST_PATH}.xlsx", export_xlsx, name="console.cases_xlsx")


def _now(request: web.Request) -> datetime:
    return request.app[SETTINGS_KEY].clock()


def _choices() -> Dict[str, Any]:
    """The filters' options: codes as values, Chinese as what people read."""
    return {
        "status_choices": [(case_search.OPEN, labels.OPEN_STATUS_LABEL)]
        + [(s.value, labels.status_label(s.value)) for s in Status],
        "category_choices": list(labels.CATEGORY_LABELS.items()),
        "branch_choices": [(b.code, b.name) for b in directory().branches],
        "priority_choices": list(labels.PRIORITY_LABELS.items()),
        "sla_choices": [(s.value, labels.SLA_STATUS_LABELS[s.value]) for s in SlaStatus if s != SlaStatus.NONE],
        "flag_choices": list(labels.FLAG_LABELS.items()),
        "search_kinds": labels.SEARCH_KIND_LABELS,
        "page_size": case_search.PAGE_SIZE,
        "export_limit": case_search.EXPORT_LIMIT,
    }


async def case_list(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    f, errors = case_search.parse(request.query, request.app[CIPHER_KEY])
    context: Dict[str, Any] = {"f": f, "errors": errors, "result": None, "described": [], "typed": {}, **_choices()}
    if errors:
        # the form comes back with the message and the dates as typed, to be corrected; no rows
        # for filters that could not be read
        context["typed"] = {k: request.query.get(k, "")[:12] for k in ("from", "to")}
        return render(request, "console/case_list.html", context, status=400)
    result, f = await case_search.find_page(request.app[DB_KEY], f, hidden_branch(me), _now(request))
    context.update(f=f, result=result, described=case_search.describe(f))
    return render(request, "console/case_list.html", context)


def _title(f: case_search.CaseFilter, rows: int, now: datetime) -> str:
    shown = "；".join(case_search.describe(f))
    when = now.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    return f"案件列表（导出时间 {when}，共 {rows} 件{'；筛选：' + shown if shown else '；未筛选'}）"


def _attachment(ext: str, now: datetime) -> str:
    stamp = now.astimezone(CHINA_TZ).strftime("%Y%m%d-%H%M%S")
    # an ASCII name for old clients, the Chinese one (RFC 6266 / 5987) for the rest
    return f"attachment; filename=\"cases-{stamp}.{ext}\"; filename*=UTF-8''{quote(f'案件列表-{stamp}.{ext}')}"


async def _export(request: web.Request, fmt: str) -> web.StreamResponse:
    me = require_case_worker(request)
    f, errors = case_search.parse(request.query, request.app[CIPHER_KEY])
    if errors:
        raise BadRequest(" ".join(errors))
    database, now = request.app[DB_KEY], _now(request)
    rows = await case_search.export_rows(database, f, hidden_branch(me), now)
    if fmt == "csv":
        body, content_type = case_export.to_csv(rows), "text/csv"
    else:
        # a large workbook takes seconds to build: off the event loop, so other agents' pages
        # and the live queue keep being served meanwhile
        body = await asyncio.get_running_loop().run_in_executor(
            None, case_export.to_xlsx, rows, _title(f, len(rows), now)
        )
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # audited before the file leaves: no export without its record
    detail = json.dumps({"filters": f.audit_view(), "rows": len(rows)}, ensure_ascii=False)
    await db.record_audit(database, now, me.username, f"export.{fmt}", None, request.remote, detail)
    log.info("console: case list exported format=%s rows=%d by=%s", fmt, len(rows), me.username)
    response = web.Response(body=body, content_type=content_type)
    if fmt == "csv":
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = _attachment(fmt, now)
    return response


async def export_csv(request: web.Request) -> web.StreamResponse:
    return await _export(request, "csv")


async def export_xlsx(request: web.Request) -> web.StreamResponse:
    return await _export(request, "xlsx")
