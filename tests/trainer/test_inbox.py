"""bot/trainer/inbox.py: what enters the NLU inbox, the trainer's Rasa-syntax annotation, the PII
check on what is saved, and the exported NLU YAML as Rasa itself reads and validates it."""
from __future__ import annotations

import importlib.util
import re
import shutil
import warnings
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from bot.trainer import inbox
from bot.trainer.inbox import BadExample, annotate, candidates, check_example, export_yaml, parse_annotated, pii_problems
from bot.trainer.tracker_store import EventRow

from .test_conversations import OPENID, user_event

ROOT = Path(__file__).resolve().parents[2]
CATALOG = inbox.load_catalog()


# ---------------------------------------------------------------------------------------------
# the catalog


def test_catalog_is_the_domain_and_trainers_never_label_fallback_or_escalate() -> None:
    domain: Dict[str, List[str]] = {"intents": [], "entities": []}
    for path in (ROOT / "bot/domain").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in domain:
            domain[key] += [next(iter(i)) if isinstance(i, dict) else i for i in data.get(key) or []]
    assert set(CATALOG.intents) == set(domain["intents"]) and set(CATALOG.entities) == set(domain["entities"])
    assert {"complain", "inform", "out_of_scope"} <= set(CATALOG.labels)
    assert "escalate" in CATALOG.intents and "escalate" not in CATALOG.labels
    assert "nlu_fallback" not in CATALOG.labels


# ---------------------------------------------------------------------------------------------
# annotation


@pytest.mark.parametrize("text, entities", [
    ("我在朝阳路支行办的卡", [{"start": 2, "end": 7, "entity": "branch"}]),
    ("张三昨天在朝阳路支行被扣了五千块", [{"start": 0, "end": 2, "entity": "customer_name"},
                                         {"start": 2, "end": 4, "entity": "occurred_at"},
                                         {"start": 5, "end": 10, "entity": "branch"},
                                         {"start": 13, "end": 16, "entity": "amount"}]),
    ("手机13800000000", [{"start": 2, "end": 13, "entity": "phone"}]),
    ("没有实体的一句话", []),
])
def test_annotate_and_parse_round_trip(text, entities) -> None:
    annotated = annotate(text, entities)
    back, found = parse_annotated(annotated, CATALOG)
    assert back == text
    assert [(e["start"], e["end"], e["entity"], e["value"]) for e in found] == [
        (e["start"], e["end"], e["entity"], text[e["start"]:e["end"]]) for e in entities
    ]


def test_annotation_agrees_with_rasas_own_parser() -> None:
    """What the trainer typed is what Rasa will read from the exported file."""
    from rasa.shared.nlu.training_data import entities_parser

    annotated = annotate("张三在朝阳路支行被扣了五千块", [
        {"start": 5, "end": 8, "entity": "amount"}, {"start": 0, "end": 2, "entity": "customer_name"},
        {"start": 3, "end": 8, "entity": "branch"},  # overlaps amount's start: dropped
    ])
    assert annotated == "[张三](customer_name)在[朝阳路支行](branch)被扣了五千块"
    assert entities_parser.replace_entities(annotated) == "张三在朝阳路支行被扣了五千块"
    ours = parse_annotated(annotated, CATALOG)[1]
    assert ours == entities_parser.find_entities_in_training_example(annotated)


def test_a_synonym_in_rasa_syntax_keeps_its_value() -> None:
    text, entities = parse_annotated('在[朝阳支行]{"entity": "branch", "value": "朝阳路支行"}被吞卡', CATALOG)
    assert text == "在朝阳支行被吞卡"
    assert entities == [{"start": 1, "end": 5, "value": "朝阳路支行", "entity": "branch"}]


def test_whitespace_is_collapsed() -> None:
    assert parse_annotated("  我 在\n[朝阳路支行](branch)  ", CATALOG)[0] == "我 在 朝阳路支行"


@pytest.mark.parametrize("annotated, message", [
    ("", "例句不能为空。"),
    ("   ", "例句不能为空。"),
    ("[朝阳路支行](card_number)", "没有这个实体：card_number。"),
    ("我在[朝阳路支行](branch办的卡", "实体标注的格式不对，应写成 [朝阳路支行](branch)。"),
    ("x" * 501, "例句太长（最多 500 字）"),
])
def test_parse_errors_are_chinese(annotated, message) -> None:
    with pytest.raises(BadExample) as err:
        parse_annotated(annotated, CATALOG)
    assert str(err.value).startswith(message)


def test_unknown_entity_message_lists_the_ones_there_are() -> None:
    with pytest.raises(BadExample) as err:
        parse_annotated("[x](zzz)和[y](aaa)", CATALOG)
    assert str(err.value).startswith("没有这个实体：aaa、zzz。可用的实体：")
    assert "branch" in str(err.value) and "customer_name" in str(err.value)


@pytest.mark.parametrize("annotated", [
    "我在[朝阳路支行(branch)办的卡",   # the closing ] forgotten
    "我在朝阳路支行](branch)办的卡",   # the opening [ forgotten
])
def test_a_half_written_annotation_is_refused(annotated) -> None:
    """Rasa's parser skips a broken annotation silently; saving it would put the brackets
    into the training text as words."""
    with pytest.raises(BadExample):
        parse_annotated(annotated, CATALOG)


# ---------------------------------------------------------------------------------------------
# PII


@pytest.mark.parametrize("text, problem", [
    ("手机13912345678", "手机号"),
    ("手机 139 1234 5678", "手机号"),
    ("手机139-1234-5678", "手机号"),
    ("手机+86 139 1234 5678", "手机号"),
    ("手机一三九一二三四五六七八", "手机号"),
    ("手机幺三九幺二三四五六七八", "手机号"),
    ("身份证11010519491231002X", "卡号或证件号"),
    ("身份证110105194912310021", "卡号或证件号"),
    ("卡号6222021234567890123", "卡号或证件号"),
    (f"微信{OPENID}", "微信 OpenID"),
])
def test_pii_is_found(text, problem) -> None:
    problems = pii_problems(text)
    assert any(p.startswith(problem) for p in problems), problems


@pytest.mark.parametrize("text", [
    "卡号 6222 0212 3456 7890",
    "卡号6222-0212-3456-7890",
    "身份证１１０１０５１９４９１２３１００２Ｘ",
])
def test_card_and_id_numbers_in_groups_or_full_width_are_found(text) -> None:
    """How people write card and ID numbers; the check must not depend on the digits being
    one ASCII run."""
    assert pii_problems(text), text


@pytest.mark.parametrize("text", [
    "手机13800000000", "手机 138 0000 0001", "手机+86 13800000002", "卡号0000000000000000",
    "身份证00000000000000000X", "转账五千块，尾号1234", "2026年11月22日下午3点",
    "[朝阳路支行](branch)", "张三在朝阳路支行",
])
def test_placeholders_and_ordinary_numbers_pass(text) -> None:
    assert pii_problems(text) == []


def test_check_example() -> None:
    text, entities = check_example("complain", "手机[13800000000](phone)在[朝阳路支行](branch)被吞卡", CATALOG)
    assert text == "手机13800000000在朝阳路支行被吞卡" and [e["entity"] for e in entities] == ["phone", "branch"]
    for intent in ("", "nlu_fallback", "escalate", "buy_a_car"):
        with pytest.raises(BadExample, match="请选择一个意图。"):
            check_example(intent, "你好", CATALOG)
    with pytest.raises(BadExample) as err:
        check_example("inform", "电话[139 1234 5678](phone)，身份证11010519491231002X", CATALOG)
    assert str(err.value) == "例句里还有个人信息：手机号（请换成 13800000000 这样的占位号码）、卡号或证件号（请换成全 0）。"


# ---------------------------------------------------------------------------------------------
# candidates


def rows_of(*pairs) -> List[EventRow]:
    return [EventRow(i, sender, e["event"], float(e.get("timestamp") or 0.0), e)
            for i, (sender, e) in enumerate(pairs, start=1)]


def inbox_rows() -> List[EventRow]:
    return rows_of(
        (OPENID, user_event("我叫欧阳建国，手机13912345678，在朝阳路支行被吞卡了", "complain", 0.55,
                            ("customer_name", "欧阳建国"), ("phone", "13912345678"), ("branch", "朝阳路支行"),
                            at=10)),
        (OPENID, user_event("欧阳建国就是我", "inform", 0.95, at=20)),
        (OPENID, user_event("嗯嗯那个啥", "nlu_fallback", 0.7, at=30)),  # fallback above the threshold
        (OPENID, {"event": "slot", "name": "handoff_reason", "value": "media", "timestamp": 31}),
        ("web-1", user_event("信用卡被盗刷了", "complain", 0.2, channel="socketio", at=40)),
        ("web-1", user_event("是六百", "inform", 0.6, channel="socketio", at=50)),  # at the threshold
        ("web-1", user_event("   ", "nlu_fallback", 0.1, channel="socketio", at=60)),  # nothing to label
        ("web-2", user_event("投诉", "complain", None, channel="rest", at=70)),  # no confidence: not unsure
    )


def test_candidates_are_unsure_messages_least_confident_first() -> None:
    found, total = candidates(inbox_rows(), decided=set())
    assert total == 3
    assert [(c.text, c.intent, c.confidence) for c in found] == [
        ("信用卡被盗刷了", "complain", 0.2),
        ("我叫张三，手机13800000000，在朝阳路支行被吞卡了", "complain", 0.55),
        ("嗯嗯那个啥", "nlu_fallback", 0.7),
    ]
    assert found[0].channel == "网页聊天" and found[1].channel == "微信公众号"
    assert found[1].annotated == "我叫[张三](customer_name)，手机[13800000000](phone)，在[朝阳路支行](branch)被吞卡了"
    assert [c.event_id for c in found] == [5, 1, 3]
    assert found[1].message_id == "m10"


def test_threshold_decided_and_limit() -> None:
    rows = inbox_rows()
    assert [c.confidence for c in candidates(rows, set(), threshold=0.61)[0]] == [0.2, 0.55, 0.6, 0.7]
    assert [c.confidence for c in candidates(rows, set(), threshold=0.1)[0]] == [0.7]  # only the fallback
    found, total = candidates(rows, decided={"m40", "m30"})
    assert [c.message_id for c in found] == ["m10"] and total == 1
    found, total = candidates(rows, set(), limit=1)
    assert len(found) == 1 and total == 3 and found[0].confidence == 0.2


def test_no_candidate_carries_pii() -> None:
    for c in candidates(inbox_rows(), set(), threshold=1.0)[0]:
        blob = repr(c)
        assert "13912345678" not in blob and "欧阳" not in blob and OPENID not in blob


# ---------------------------------------------------------------------------------------------
# export


def example(intent: str, text: str, *entities: tuple) -> tuple:
    """(intent, text, entities); entities as (entity, span) or (entity, span, synonym value)."""
    ents = []
    for entity, span, *value in entities:
        start = text.index(span)
        ents.append({"start": start, "end": start + len(span), "entity": entity, **({"value": value[0]} if value else {})})
    return intent, text, ents


EXAMPLES = [
    example("complain", "张三昨天在朝阳路支行被扣了五千块",
            ("customer_name", "张三"), ("occurred_at", "昨天"), ("branch", "朝阳路支行"), ("amount", "五千块")),
    example("inform", "培训收件箱测试：我的电话是13800000000", ("phone", "13800000000")),
    example("inform", "培训收件箱测试：在朝阳支行", ("branch", "朝阳支行", "朝阳路支行")),
    example("out_of_scope", "培训收件箱测试：你们食堂几点开饭"),
    example("request_human", "培训收件箱测试：帮我接个真人客服吧"),
]


def test_export_loads_with_rasa_and_stays_within_the_domain() -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    text = export_yaml(EXAMPLES)
    assert text.startswith("# ")
    assert yaml.safe_load(text)["version"] == "3.1"
    data = RasaYAMLReader().reads(text)
    got = sorted((m.get("intent"), m.get("text"), tuple((e["entity"], e["start"], e["end"], e["value"])
                                                      for e in m.get("entities") or []))
                 for m in data.intent_examples)
    want = sorted((i, t, tuple((e["entity"], e["start"], e["end"], e.get("value") or t[e["start"]:e["end"]])
                               for e in ents)) for i, t, ents in EXAMPLES)
    assert got == want
    assert {m.get("intent") for m in data.intent_examples} <= set(CATALOG.labels)
    assert {e["entity"] for m in data.intent_examples for e in m.get("entities") or []} <= set(CATALOG.entities)
    assert data.entity_synonyms == {"朝阳支行": "朝阳路支行"}
    for m in data.intent_examples:
        assert pii_problems(m.get("text")) == []


def test_an_empty_export_is_still_a_valid_file() -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    assert RasaYAMLReader().reads(export_yaml([])).intent_examples == []


def _validate_module() -> Any:
    spec = importlib.util.spec_from_file_location("project_validate", ROOT / "scripts/validate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _validation_problems(data_dir: Path) -> List[str]:
    """`rasa data validate` in-process (Rasa's own checks, as rasa.cli.utils.validate_files runs
    them, with the warnings Rasa's CLI expects filtered), judged like scripts/validate.py: a failed check or any warning is a problem, except
    a response that our code sends by name."""
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.utils.common import EXPECTED_WARNINGS
    from rasa.validator import Validator

    checker = _validate_module()
    literals, templates = checker.names_in_code()
    importer = TrainingDataImporter.load_from_config(
        domain_path=str(ROOT / "bot/domain"), training_data_paths=[str(data_dir)],
        config_path=str(ROOT / "config.yml"),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validator = Validator.from_importer(importer)
        results = {
            "domain": validator.verify_domain_validity(),
            "actions": validator.verify_actions_in_stories_rules(),
            "forms": validator.verify_forms_in_stories_rules(),
            "form slots": validator.verify_form_slots(),
            "slot mappings": validator.verify_slot_mappings(),
            "nlu": validator.verify_nlu(True),
            "stories": validator.verify_story_structure(True),
        }
    problems = [f"check failed: {name}" for name, ok in results.items() if not ok]
    for w in caught:
        message = str(w.message)
        if checker.NOISE.search(f"{w.category.__name__}: {message}") or issubclass(
                w.category, (DeprecationWarning, PendingDeprecationWarning)):
            continue
        # the CLI filters Rasa's own expected warnings (rasa.utils.common) the same way
        if any(issubclass(w.category, kind) and re.match(pattern, message) for kind, pattern in EXPECTED_WARNINGS):
            continue
        unused = checker.UNUSED.search(message)
        if unused and (unused.group(1) in literals or any(t.match(unused.group(1)) for t in templates)):
            continue
        problems.append(f"{w.category.__name__}: {message}")
    return problems


@pytest.fixture(scope="module")
def project_data(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("project") / "data"
    shutil.copytree(ROOT / "data", copy)
    return copy


def test_export_passes_rasa_data_validation_next_to_the_project_data(project_data: Path) -> None:
    """The file goes into data/nlu/ and `make validate` must stay clean. The project's data on
    its own is validated first, so a failure here is about the export."""
    assert _validation_problems(project_data) == []
    (project_data / "nlu" / "inbox_export.yml").write_text(export_yaml(EXAMPLES), encoding="utf-8")
    try:
        assert _validation_problems(project_data) == []
    finally:
        (project_data / "nlu" / "inbox_export.yml").unlink()


def test_validation_here_would_catch_a_bad_export(project_data: Path) -> None:
    """The check above can fail: an example that is already training data under another intent
    is reported by Rasa's validator."""
    existing = re.search(r"^\s+- (\S+)$", (ROOT / "data/nlu/chitchat.yml").read_text(encoding="utf-8"), re.M).group(1)
    (project_data / "nlu" / "inbox_export.yml").write_text(
        export_yaml([("complain", existing, [])]), encoding="utf-8")
    try:
        assert _validation_problems(project_data) != []
    finally:
        (project_data / "nlu" / "inbox_export.yml").unlink()
