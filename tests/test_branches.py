"""The branch directory (bot/branches.py, data/branches.yml): a free-text branch name → one
directory branch, or None when it names none or more than one."""
from __future__ import annotations

import pytest

from bot import branches
from bot.branches import Branch, Directory, DirectoryError, directory
from bot.nlu import sync_dict


@pytest.mark.parametrize(
    "text",
    [
        "人民路支行", "北京市人民路支行", "北京人民路支行", "人民路 支行", "人民路　支行",
        "  人民路支行 ", "人民路分行", "人民路營業部", "北京分行人民路支行", "（人民路支行）",
        "人民路",
    ],
)
def test_variants_of_one_branch_resolve_to_it(text: str) -> None:
    b = directory().resolve(text)
    assert b is not None and b.name == "人民路支行" and b.code == directory().code_of("人民路支行")


@pytest.mark.parametrize(
    "text, name",
    [
        ("朝陽路支行", "朝阳路支行"),           # Traditional
        ("ＢＪ", None),                          # full-width, names nothing
        ("北京市東城支行", "东城支行"),
        ("人民廣場營業部", "人民广场营业部"),
        ("人民广场支行", "人民广场营业部"),     # another suffix, one place of that name
        ("总行营业部", "总行营业部"),
    ],
)
def test_traditional_and_full_width(text: str, name) -> None:
    b = directory().resolve(text)
    assert (b.name if b else None) == name


@pytest.mark.parametrize(
    "text",
    [
        None, "", "   ", "支行", "人民", "总行", "海淀支行", "上海市人民路支行", "北京市朝阳区支行",
        "线上渠道（手机银行/网银等）", "不详", "人民路支行" * 50,
    ],
)
def test_unknown_or_ambiguous_is_unresolved(text) -> None:
    assert directory().resolve(text) is None


def test_a_stem_shared_by_two_branches_is_ambiguous() -> None:
    d = Directory([Branch("A1", "南湖支行"), Branch("A2", "南湖营业部")], places=["杭州市"])
    assert d.resolve("南湖") is None
    assert d.resolve("南湖分行") is None
    assert d.resolve("杭州市南湖营业部").code == "A2"
    assert d.resolve("南湖 支行").code == "A1"


def test_close_matches_for_an_unknown_name() -> None:
    assert [b.name for b in directory().suggest("人民支行")][:2] == ["人民广场营业部", "人民路支行"]
    assert [b.name for b in directory().suggest("朝阳支行")] == ["朝阳路支行"]
    assert directory().suggest("海淀支行") == []


def test_directory_codes_are_unique_and_cover_the_nlu_lookup() -> None:
    d = directory()
    assert len(d) >= 40 and len(d.by_code) == len(d)
    # the lookup table the NLU and the intake parsers read is generated from the directory
    assert sync_dict.main(["--check"]) == 0
    for b in d.branches:
        assert d.resolve(b.name) is b


@pytest.mark.parametrize(
    "data, message",
    [
        ({"branches": [{"code": "A1", "name": "甲支行"}, {"code": "A1", "name": "乙支行"}]}, "重复"),
        ({"branches": [{"code": "A1", "name": "甲支行"}, {"code": "A2", "name": "甲 支行"}]}, "同时属于"),
        ({"branches": [{"code": "A 1", "name": "甲支行"}]}, "网点编码"),
        ({"branches": [{"code": "A1"}]}, "name"),
        ({"branches": [{"code": "A1", "name": "甲支行", "city": "x"}]}, "未知字段"),
        ({}, "branches"),
    ],
)
def test_a_bad_edit_is_refused_with_a_clear_message(data, message: str) -> None:
    with pytest.raises(DirectoryError, match=message):
        branches.parse(data)


@pytest.mark.parametrize("said,meant", [
    ("朝阳支行", "朝阳路支行"),        # the 路 left out
    ("朝杨路支行", "朝阳路支行"),      # one character typed wrong
    ("北京解放支行", "解放路支行"),    # a place before it
    ("人民支行", None),               # 人民路支行 or 人民广场营业部: no guess
    ("西湖支行", None),               # nothing close
    ("朝阳路支行", None),             # in the directory: nothing to ask
])
def test_a_near_match_is_the_one_branch_a_name_most_likely_means(said, meant):
    found = branches.directory().near_match(said)
    assert (found.name if found else None) == meant
