"""The case list as a file (issue 15): CSV for any tool, .xlsx for Excel users.

Same rows as the page (case_search.CaseRow): Chinese headers and labels, name and phone masked.
CSV is UTF-8 with a BOM, without which Excel opens Chinese as mojibake. Text that starts like a
formula (=, +, -, @) is kept as text in both formats: the branch is the customer's own words,
and a cell that runs when a supervisor opens the file would be an attack on them.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, List, Sequence

from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.console.case_search import CaseRow

HEADERS = (
    "案件编号", "受理时间", "渠道", "投诉分类", "业务类别", "状态", "优先级", "网点",
    "客户姓名（掩码）", "联系电话（掩码）", "处理人", "下一时限", "时限事项", "时限状态", "标记",
)
# column widths in Excel, in characters (a Chinese character counts about two)
_WIDTHS = (20, 20, 8, 12, 12, 12, 8, 22, 14, 16, 22, 20, 10, 14, 22)
SHEET_TITLE = "案件列表"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _time(dt: datetime | None) -> str:
    return dt.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if dt else ""


def values(row: CaseRow) -> List[str]:
    return [
        row.case_no, _time(row.created_at), row.channel, row.category, row.business_line,
        row.status, row.priority, row.branch, row.customer_name, row.phone, row.owner,
        _time(row.next_due_at), row.deadline, row.sla, "、".join(row.flags),
    ]


def _csv_safe(value: str) -> str:
    # a leading apostrophe is how a spreadsheet user writes "this is text"
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(rows: Sequence[CaseRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_csv_safe(v) for v in values(row)])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[CaseRow], title: str) -> bytes:
    """A one-sheet workbook (openpyxl's write-only mode: rows stream out, memory stays flat);
    `title` is the first line (what was exported, when), the headers the second."""
    from openpyxl import Workbook  # loaded on first export only
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws: Any = wb.create_sheet(SHEET_TITLE)
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    bold = Font(bold=True)

    def cell(value: str, font: Any = None) -> Any:
        c = WriteOnlyCell(ws, value=value)
        # openpyxl takes a string starting with "=" for a formula; this one is data
        c.data_type = "s"
        if font is not None:
            c.font = font
        return c

    ws.append([cell(title, bold)])
    ws.append([cell(h, bold) for h in HEADERS])
    for row in rows:
        ws.append([cell(v) for v in values(row)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
