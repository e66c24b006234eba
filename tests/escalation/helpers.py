"""Shared fixtures' data for the escalation tests."""
from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LABELLED = Path(__file__).resolve().parent / "labelled.yml"
RULES_DIR = ROOT / "bot" / "escalation" / "rules"


def labelled_items():
    return yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["items"]


def got(detection):
    return (detection.reason, detection.level) if detection else ("none", None)


def want(item):
    return (item["reason"], item.get("level"))
