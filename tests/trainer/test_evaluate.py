"""`make evaluate` (bot/trainer/evaluate.py): the report a trainer reads."""
from __future__ import annotations

from datetime import datetime

import pytest

from bot.trainer import evaluate
from tests.stack import latest_model

INTENT_REPORT = {
    "accuracy": 0.9, "weighted avg": {"f1-score": 0.88},
    "complain": {"precision": 0.9, "recall": 1.0, "f1-score": 0.95, "support": 9},
    "escalate": {"precision": 0.5, "recall": 1.0, "f1-score": 0.67, "support": 1},
}
ERRORS = [
    {"text": "你们<script>alert(1)</script>垃圾银行", "intent": "complain",
     "intent_prediction": {"name": "escalate", "confidence": 1.0}},
    {"text": "气死了", "intent": "complain", "intent_prediction": {"name": "escalate"}},
    {"text": "嗯", "intent": "affirm", "intent_prediction": {"name": "inform"}},
]


def test_the_worst_confused_pairs_come_first_with_an_example():
    assert evaluate.worst_confused(ERRORS)[0] == ("complain", "escalate", 2, ERRORS[0]["text"])


def test_the_report_shows_figures_failures_and_escapes_customer_text():
    report = evaluate.build_report(
        model="m.tar.gz", validate=(True, "clean"), intent_report=INTENT_REPORT, intent_errors=ERRORS,
        story_report={"conversation_accuracy": {"total": 3, "correct": 2}},
        failed_stories_yaml="version: '3.1'\nstories:\n- story: 转人工后感谢\n  steps: []\n",
        confusion_png="nlu/intent_confusion_matrix.png", now=datetime(2026, 11, 22, 21, 0),
    )
    assert report.nlu_total == 10 and report.failed_stories == ["转人工后感谢"]
    page = evaluate.render(report)
    assert "90.0%" in page and "通过 2 / 3" in page and "未通过：转人工后感谢" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'src="nlu/intent_confusion_matrix.png"' in page


@pytest.mark.timeout(600)
def test_evaluate_runs_the_real_checks_on_the_trained_model(tmp_path):
    report = evaluate.evaluate(out=tmp_path, model=latest_model())
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert report.validate_ok and report.stories_total >= 20 and report.failed_stories == []
    assert report.nlu_total >= 200 and report.intent_accuracy > 0.8
    assert (tmp_path / "nlu" / "intent_confusion_matrix.png").stat().st_size > 0
    assert "模型评估报告" in page and "最常混淆的意图" in page


def test_the_report_shows_the_escalation_marks_section():
    from datetime import date

    from bot.casedesk.handoffs.escalation_marks import figures

    at = datetime(2026, 11, 3, 4, 0).astimezone()
    quality = figures(date(2026, 11, 2), date(2026, 11, 8), [("media", at), ("media", at)],
                      [("unnecessary", "media", at), ("missed", "violence", at)])
    report = evaluate.build_report(
        model="m.tar.gz", validate=(True, "clean"), intent_report=INTENT_REPORT, intent_errors=[],
        story_report={"conversation_accuracy": {"total": 1, "correct": 1}}, failed_stories_yaml="",
        confusion_png=None, now=datetime(2026, 11, 22, 21, 0),
    )
    report.marks = evaluate.MarksSection(30, quality=quality)
    page = evaluate.render(report)
    assert "4. 转人工质量" in page
    assert "<td>媒体曝光</td><td>2</td><td>1</td><td>0</td>\n<td>50.0%</td><td>100.0%</td>" in page
    assert "<td>暴力威胁</td><td>0</td><td>0</td><td>1</td>\n<td>—</td><td>0.0%</td>" in page
    assert "media" not in page.split("4. 转人工质量")[1]
    report.marks = evaluate.MarksSection(30, skipped="无法读取案件库，跳过这一节（OSError）。")
    assert "无法读取案件库，跳过这一节" in evaluate.render(report)


def test_the_marks_section_reads_the_case_desk_or_skips(tmp_path, monkeypatch):
    from bot.casedesk.db import run_migrations
    from bot.casedesk.settings import Settings

    monkeypatch.setenv("CASEDESK_DB_URL", f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    section = evaluate.marks_section()
    assert section.quality is None and "案件库还不存在" in section.skipped
    assert not (tmp_path / "none.db").exists()  # not created by looking
    monkeypatch.setenv("CASEDESK_DB_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    section = evaluate.marks_section()
    assert section.quality is None and section.skipped.startswith("无法读取案件库")
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    run_migrations(Settings(token="t", secret_key="k" * 20, db_url=url))
    monkeypatch.setenv("CASEDESK_DB_URL", url)
    section = evaluate.marks_section(days=7)
    assert section.quality is not None and section.quality.total.handoffs == 0
    assert [name for name, _ in section.rows][-1] == "合计"
