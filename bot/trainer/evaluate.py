"""`make evaluate`: one report a trainer can read after changing the training data.

Runs, against the latest model in models/:
1. `scripts/validate.py` (rasa data validate, with the responses our code sends checked);
2. `rasa test nlu` on the held-out set (tests/nlu_holdout/nlu_holdout.yml, never trained on);
3. `rasa test core` on the test stories (tests/stories/);
and writes reports/evaluation/index.html: the figures, the intents that are confused most, the
stories that fail, and Rasa's confusion-matrix picture. The intents scored are the final ones,
after the escalation detector: a threat labelled `complain` in the held-out set shows up as
confused with `escalate`, which is what the bot then does with it.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import jinja2
import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "reports" / "evaluation"
HOLDOUT = ROOT / "tests" / "nlu_holdout" / "nlu_holdout.yml"
STORIES = ROOT / "tests" / "stories"

TEMPLATE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>模型评估报告</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2rem .5rem}.bad{color:#b00}.ok{color:#070}</style></head>
<body>
<h1>模型评估报告</h1>
<p>生成时间：{{ report.generated }}　模型：{{ report.model }}</p>
<h2>1. 训练数据检查（rasa data validate）</h2>
<p class="{{ 'ok' if report.validate_ok else 'bad' }}">{{ '通过' if report.validate_ok else '未通过' }}</p>
<pre>{{ report.validate_output }}</pre>
<h2>2. 意图识别（留出集 {{ report.nlu_total }} 句）</h2>
<p>准确率 {{ '%.1f' % (report.intent_accuracy * 100) }}%　加权 F1 {{ '%.3f' % report.weighted_f1 }}</p>
<table><tr><th>意图</th><th>精确率</th><th>召回率</th><th>F1</th><th>句数</th></tr>
{% for name, r in report.intents %}<tr><td>{{ name }}</td><td>{{ '%.2f' % r.precision }}</td>
<td>{{ '%.2f' % r.recall }}</td><td>{{ '%.2f' % r.f1 }}</td><td>{{ r.support }}</td></tr>
{% endfor %}</table>
<h3>最常混淆的意图</h3>
{% if report.confused %}<table><tr><th>应为</th><th>识别为</th><th>次数</th><th>例句</th></tr>
{% for expected, predicted, count, example in report.confused %}<tr><td>{{ expected }}</td><td>{{ predicted }}</td>
<td>{{ count }}</td><td>{{ example }}</td></tr>{% endfor %}</table>{% else %}<p>没有混淆。</p>{% endif %}
{% if report.confusion_png %}<p><img src="{{ report.confusion_png }}" alt="意图混淆矩阵" width="700"></p>{% endif %}
<h2>3. 对话测试故事（{{ report.stories_total }} 个）</h2>
<p class="{{ 'ok' if not report.failed_stories else 'bad' }}">通过 {{ report.stories_correct }} / {{ report.stories_total }}</p>
{% for name in report.failed_stories %}<p class="bad">未通过：{{ name }}</p>{% endfor %}
<h2>4. 转人工质量（坐席和培训师在控制台的标记）</h2>
{% if report.marks and report.marks.quality %}{% set q = report.marks.quality %}
<p>{{ q.since }} 至 {{ q.until }}（最近 {{ report.marks.days }} 天）。精确率 = 1 − 不必要 ÷ 转人工；召回率 = 转人工 ÷（转人工 + 漏转）；“—”表示没有可计算的数据。</p>
<table><tr><th>原因</th><th>转人工</th><th>标记不必要</th><th>标记漏转</th><th>精确率</th><th>召回率</th></tr>
{% for name, f in report.marks.rows %}<tr><td>{{ name }}</td><td>{{ f.handoffs }}</td><td>{{ f.unnecessary }}</td><td>{{ f.missed }}</td>
<td>{{ pct(f.precision) }}</td><td>{{ pct(f.recall) }}</td></tr>
{% endfor %}</table>
{% else %}<p>{{ report.marks.skipped if report.marks else "未读取案件库。" }}</p>{% endif %}
</body></html>
""")


@dataclass
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class MarksSection:
    """Per-reason figures from the console's escalation marks, or why there are none."""

    days: int = 30
    quality: Any = None  # bot.casedesk.handoffs.escalation_marks.Quality
    skipped: str = ""

    @property
    def rows(self) -> List[Tuple[str, Any]]:
        from bot.casedesk.console.labels import REASON_LABELS

        if self.quality is None:
            return []
        rows = [(REASON_LABELS.get(r, r), f) for r, f in self.quality.reasons.items()]
        return rows + [("合计", self.quality.total)]


def marks_section(days: int = 30) -> MarksSection:
    """The quality figures from the case desk database (CASEDESK_DB_URL, .env); skipped with a
    reason when it cannot be read (not started yet, unreachable, not migrated)."""
    import asyncio
    from datetime import timedelta

    try:
        from sqlalchemy.engine import make_url

        from bot.casedesk.handoffs import escalation_marks
        from bot.casedesk.db import Database
        from bot.casedesk.cases.case_rules import CHINA_TZ
        from bot.casedesk.settings import load_settings

        settings = load_settings()
        url = make_url(settings.db_url)
        if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
            return MarksSection(days, skipped="案件库还不存在（案件台没有运行过），跳过这一节。")

        async def read() -> Any:
            database = Database(settings)
            try:
                today = datetime.now(CHINA_TZ).date()
                return await escalation_marks.quality(database, today - timedelta(days=days - 1), today)
            finally:
                await database.dispose()

        return MarksSection(days, quality=asyncio.run(read()))
    except Exception as exc:  # unreachable database, table not migrated yet, …
        return MarksSection(days, skipped=f"无法读取案件库，跳过这一节（{type(exc).__name__}）。")


@dataclass
class Report:
    generated: str
    model: str
    validate_ok: bool
    validate_output: str
    intent_accuracy: float
    weighted_f1: float
    nlu_total: int
    intents: List[Tuple[str, IntentScore]]
    confused: List[Tuple[Optional[str], Optional[str], int, str]]
    confusion_png: Optional[str]
    stories_total: int
    stories_correct: int
    failed_stories: List[str] = field(default_factory=list)
    marks: Optional[MarksSection] = None


def worst_confused(
    errors: Sequence[Dict[str, Any]], most: int = 10
) -> List[Tuple[Optional[str], Optional[str], int, str]]:
    """(true, predicted) pairs by how often the held-out set confused them, with one example.
    An error without an intent or a prediction counts under None (shown as such)."""
    pairs: Counter[Tuple[Optional[str], Optional[str]]] = Counter()
    example: Dict[Tuple[Optional[str], Optional[str]], str] = {}
    for error in errors:
        key = (error.get("intent"), (error.get("intent_prediction") or {}).get("name"))
        pairs[key] += 1
        example.setdefault(key, error.get("text", ""))
    return [(key[0], key[1], count, example[key]) for key, count in pairs.most_common(most)]


def build_report(
    model: str,
    validate: Tuple[bool, str],
    intent_report: Dict[str, Any],
    intent_errors: Sequence[Dict[str, Any]],
    story_report: Dict[str, Any],
    failed_stories_yaml: str,
    confusion_png: Optional[str],
    now: datetime,
) -> Report:
    intents = [
        (name, IntentScore(r["precision"], r["recall"], r["f1-score"], int(r["support"])))
        for name, r in sorted(intent_report.items())
        if isinstance(r, dict) and "support" in r and name not in ("macro avg", "weighted avg", "micro avg")
    ]
    failed = yaml.safe_load(failed_stories_yaml) if failed_stories_yaml.strip() else None
    failed_names = [s.get("story", "?") for s in (failed or {}).get("stories", []) or []]
    conversations = story_report.get("conversation_accuracy") or {}
    return Report(
        generated=now.strftime("%Y-%m-%d %H:%M"),
        model=model,
        validate_ok=validate[0],
        validate_output=validate[1],
        intent_accuracy=float(intent_report.get("accuracy", 0.0)),
        weighted_f1=float((intent_report.get("weighted avg") or {}).get("f1-score", 0.0)),
        nlu_total=sum(score.support for _, score in intents),
        intents=intents,
        confused=worst_confused(intent_errors),
        confusion_png=confusion_png,
        stories_total=int(conversations.get("total", 0)),
        stories_correct=int(conversations.get("correct", 0)),
        failed_stories=failed_names,
    )


def _pct(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def render(report: Report) -> str:
    return TEMPLATE.render(report=report, pct=_pct)


def _run(args: List[str]) -> Tuple[int, str]:
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("models/ 中没有模型：请先运行 make train")
    return models[-1]


def evaluate(out: Path = OUT, model: Optional[Path] = None) -> Report:
    model = model or latest_model()
    out.mkdir(parents=True, exist_ok=True)
    rasa = str(ROOT / ".venv" / "bin" / "rasa")
    print("==> 1/3 检查训练数据", flush=True)
    code, output = _run([sys.executable, str(ROOT / "scripts" / "validate.py")])
    validate = (code == 0, "\n".join(line for line in output.splitlines() if not line.startswith(" "))[-3000:])
    print("==> 2/3 留出集意图评估（约 1 分钟）", flush=True)
    code, output = _run([rasa, "test", "nlu", "--nlu", str(HOLDOUT), "--model", str(model), "--out", str(out / "nlu")])
    if code != 0:
        raise SystemExit(f"rasa test nlu 失败：\n{output[-2000:]}")
    print("==> 3/3 对话测试故事（约 1 分钟）", flush=True)
    _run([rasa, "test", "core", "--model", str(model), "--stories", str(STORIES), "--out", str(out / "core")])
    failed = out / "core" / "failed_test_stories.yml"
    png = out / "nlu" / "intent_confusion_matrix.png"
    report = build_report(
        model=model.name,
        validate=validate,
        intent_report=json.loads((out / "nlu" / "intent_report.json").read_text(encoding="utf-8")),
        intent_errors=json.loads((out / "nlu" / "intent_errors.json").read_text(encoding="utf-8"))
        if (out / "nlu" / "intent_errors.json").exists() else [],
        story_report=json.loads((out / "core" / "story_report.json").read_text(encoding="utf-8")),
        failed_stories_yaml=failed.read_text(encoding="utf-8") if failed.exists() else "",
        confusion_png="nlu/intent_confusion_matrix.png" if png.exists() else None,
        now=datetime.now(),
    )
    print("==> 转人工质量（案件库中的控制台标记）", flush=True)
    report.marks = marks_section()
    (out / "index.html").write_text(render(report), encoding="utf-8")
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="训练数据检查、留出集意图评估与对话测试，生成 HTML 报告")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args(argv)
    report = evaluate(args.out, args.model)
    print(f"数据检查：{'通过' if report.validate_ok else '未通过'}；意图准确率 {report.intent_accuracy:.1%}；"
          f"测试故事 {report.stories_correct}/{report.stories_total}")
    if report.marks is not None and report.marks.quality is not None:
        total = report.marks.quality.total
        print(f"转人工质量（最近 {report.marks.days} 天）：转人工 {total.handoffs}，不必要 {total.unnecessary}，"
              f"漏转 {total.missed}，精确率 {_pct(total.precision)}，召回率 {_pct(total.recall)}")
    elif report.marks is not None:
        print(f"转人工质量：{report.marks.skipped}")
    print(f"报告：{args.out / 'index.html'}")
    return 0 if report.validate_ok and not report.failed_stories else 1


if __name__ == "__main__":
    sys.exit(main())
