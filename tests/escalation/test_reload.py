"""A running detector picks up an edited rule file without a new process (the trainer's keyword
page writes the file): stamps compared at most once per second, rules reloaded, the learned
model fetched again for the new files. Always on a copy of the rules: never the repo's files."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from bot.escalation.detector import EscalationDetector, RELOAD_CHECK_SECONDS

from .helpers import RULES_DIR

SENTENCE = "今天下午，上头条，就这样"


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def add_media_keyword(rules_dir: Path, keyword: str) -> None:
    media = rules_dir / "media.yml"
    text = media.read_text(encoding="utf-8")
    assert "  - 曝光\n" in text
    media.write_text(text.replace("  - 曝光\n", f"  - 曝光\n  - {keyword}\n", 1), encoding="utf-8")
    # a second's later mtime, as a real edit has even on a coarse clock
    stamp = time.time() + 2
    os.utime(media, (stamp, stamp))


def wait_for_check(detector: EscalationDetector) -> None:
    detector.checked_at -= RELOAD_CHECK_SECONDS  # as if a second had passed


def test_an_edited_rule_file_changes_the_verdict_without_a_restart(rules_copy: Path) -> None:
    detector = EscalationDetector(rules_copy, learned=False)
    assert detector.detect(SENTENCE) is None
    add_media_keyword(rules_copy, "上头条")
    wait_for_check(detector)
    detection = detector.detect(SENTENCE)
    assert detection and (detection.reason, detection.level) == ("media", "strong")
    assert "上头条" in detection.cues
    assert RULES_DIR != rules_copy and "上头条" not in (RULES_DIR / "media.yml").read_text(encoding="utf-8")


def test_the_files_are_looked_at_no_more_than_once_a_second(rules_copy: Path, monkeypatch) -> None:
    detector = EscalationDetector(rules_copy, learned=False)
    detector.detect(SENTENCE)
    looked = []
    import bot.escalation.detector as module
    real = module.rule_stamps
    monkeypatch.setattr(module, "rule_stamps", lambda d: looked.append(d) or real(d))
    add_media_keyword(rules_copy, "上头条")
    for _ in range(50):
        detector.detect(SENTENCE)
    assert looked == []  # within the second: the rules loaded before
    assert detector.detect(SENTENCE) is None
    wait_for_check(detector)
    assert detector.detect(SENTENCE) is not None and len(looked) == 1


def test_a_broken_edit_keeps_the_rules_in_force(rules_copy: Path, caplog) -> None:
    detector = EscalationDetector(rules_copy, learned=False)
    (rules_copy / "media.yml").write_text("reason: media\npatterns:\n  - {name: 坏的, pattern: '(', example: x}\n",
                                          encoding="utf-8")
    wait_for_check(detector)
    detection = detector.detect("我要找记者曝光你们")
    assert detection and detection.reason == "media"  # the rules loaded before
    assert "do not load" in caplog.text


def test_the_learned_model_follows_the_reloaded_rules(rules_copy: Path) -> None:
    detector = EscalationDetector(rules_copy, learned=True)
    before = detector.classifier
    assert before is not None
    add_media_keyword(rules_copy, "上头条")
    wait_for_check(detector)
    detection = detector.detect(SENTENCE)
    assert detection and detection.reason == "media"
    after = detector.classifier
    assert after is not None and after is not before
    assert after.rules is detector.rules
