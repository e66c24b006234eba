"""bot/redact.py: the one rule set that masks phone, ID and card numbers in logs and stored text."""
from __future__ import annotations

import logging
import sys

import pytest

from bot.redact import RedactingFilter, contains_pii, install, redact


@pytest.mark.parametrize(
    "text, expected",
    [
        ("电话13812345678", "电话138****5678"),
        ("电话 138 1234 5678 谢谢", "电话 138****5678 谢谢"),
        ("电话138-1234-5678", "电话138****5678"),
        ("电话+86 13812345678", "电话+86 138****5678"),
        ("电话+8613812345678", "电话138****5678"),
        ("电话008613812345678", "电话138****5678"),
        ("电话１３８１２３４５６７８", "电话138****5678"),
        ("电话 1 3 8 1 2 3 4 5 6 7 8", "电话 138****5678"),
        ("身份证110101199003071234", "身份证110101********1234"),
        ("身份证11010119900307123X", "身份证110101********123X"),
        ("卡号6222021234567890123", "卡号***************0123"),
        ("卡号 6222 0212 3456 7890", "卡号 ************7890"),
        ("卡号6222-0212-3456-7890", "卡号************7890"),
    ],
)
def test_masks(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert contains_pii(text)
    assert not contains_pii(expected)
    assert redact(expected) == expected  # idempotent: masking twice changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "案件编号 TS20261122000123",  # a case number, not a card
        "金额 5000 元，昨天 10:30",
        "订单 23456789012",  # 11 digits not starting with 1
        "电话138123456",  # too short to be a phone
        "2026-11-22 10:00:02",
        "我的卡被盗刷了！",
        "",
    ],
)
def test_leaves_other_text(text: str) -> None:
    assert redact(text) == text
    assert not contains_pii(text)


def test_non_strings_pass_through() -> None:
    assert redact(None) is None
    assert redact(13812345678) == 13812345678
    assert not contains_pii(None)  # type: ignore[arg-type]


def test_filter_masks_message_args_and_traceback() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "caller %s said %s", ("13812345678", "hi"), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "caller 138****5678 said hi"
    try:
        raise ValueError("bad message 我的电话13812345678")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), exc_info)
    RedactingFilter().filter(record)
    out = logging.Formatter().format(record)
    assert "13812345678" not in out and "138****5678" in out


def test_filter_survives_a_broken_format_string() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s 13812345678", ("one",), None)
    assert RedactingFilter().filter(record)
    assert "13812345678" not in record.getMessage()


def test_install_adds_the_filter_once() -> None:
    logger = logging.getLogger("test_redact_install")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        install(logger)
        install(logger)
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)


def test_numbers_behind_json_unicode_escapes_are_masked():
    """Rasa's structlog lines and tracker rows are JSON with \\u escapes; an escape ending in a
    digit ("\\u9898") must not hide the number after it."""
    import json

    from bot.redact import contains_pii, redact

    line = json.dumps({"text": "题13812345678，卡6222021234567890123"})
    masked = redact(line)
    assert "13812345678" not in masked and "6222021234567890123" not in masked
    assert json.loads(masked)["text"] == "题138****5678，卡***************0123"
    assert not contains_pii(masked)


def test_identifiers_are_not_taken_for_numbers():
    """UUIDs and conversation ids hold digit runs; masking them mangled ids in logs and masked
    text (about 2 % of random UUIDs before)."""
    import random
    import uuid

    from bot.redact import contains_pii

    rng = random.Random(18)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(20_000)]
    ids += [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(20_000)]
    ids += ["5db86c77-c17a-4202-9015-561779f1d7ec", "t-013812345678", "ok-622202123456789",
            "TS20261122000123", "case_13812345678_x"]
    assert [i for i in ids if contains_pii(i)] == []


@pytest.mark.parametrize("text,expected", [
    ("座机0571-8702 3456，白天有人", "座机0571****3456，白天有人"),
    ("电话(010)62345678", "电话010****5678"),
    ("家里座机 0574 87654321", "家里座机 0574****4321"),
])
def test_landlines_are_masked_too(text, expected):
    assert redact(text) == expected


def test_amounts_dates_and_case_numbers_are_not_landlines():
    for text in ("扣了0.5元", "2026-12-03", "编号 TS20261204000078", "转了 05000 元"):
        assert redact(text) == text
