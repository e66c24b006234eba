"""TextNormalizer (bot/nlu/normalizer.py) and the jieba user dictionary (bot/nlu/jieba_dict/)."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("rasa")

from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from bot.nlu import sync_dict  # noqa: E402
from bot.nlu.normalizer import TextNormalizer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DICT_DIR = ROOT / "bot" / "nlu" / "jieba_dict"


@pytest.fixture(scope="module")
def normalizer() -> TextNormalizer:
    return TextNormalizer.create({}, None, None, None)


def run(normalizer: TextNormalizer, text: str) -> str:
    message = Message(data={"text": text})
    normalizer.process([message])
    return message.get("text")


def test_traditional_to_simplified(normalizer):
    assert run(normalizer, "我的信用卡被盜刷了，帳戶裡的錢不見了") == "我的信用卡被盗刷了,帐户里的钱不见了"
    assert run(normalizer, "銀保監會") == "银保监会"


def test_fullwidth_to_halfwidth(normalizer):
    assert run(normalizer, "被扣了５０００元，ＡＴＭ吞卡") == "被扣了5000元,ATM吞卡"


def test_spaced_phone_numbers_are_joined(normalizer):
    assert run(normalizer, "电话 138 1234 5678") == "电话 13812345678"
    assert run(normalizer, "手机１３９　１２３４　５６７８") == "手机13912345678"
    # hyphens stay (they also separate date parts); the phone regex allows them
    assert run(normalizer, "138-1234-5678") == "138-1234-5678"


def test_emoji_left_intact(normalizer):
    assert run(normalizer, "气死了😡😡卡被吞了🤬") == "气死了😡😡卡被吞了🤬"


def test_message_without_text_is_left_alone(normalizer):
    message = Message(data={"intent": "greet"})
    normalizer.process([message])
    assert message.get("text") is None


def test_training_entities_follow_the_new_text(normalizer):
    text = "我叫王建國，電話 138 1234 5678，在朝陽路支行被扣了 12 800 元"
    name_start = text.index("王建國")
    branch_start = text.index("朝陽路支行")
    amount_start = text.index("12 800 元")
    message = Message(
        data={
            "text": text,
            "intent": "complain",
            "entities": [
                {"entity": "customer_name", "start": name_start, "end": name_start + 3, "value": "王建國"},
                {"entity": "branch", "start": branch_start, "end": branch_start + 5, "value": "朝陽路支行"},
                {"entity": "amount", "start": amount_start, "end": amount_start + 8, "value": "12 800 元"},
                {"entity": "field", "start": 6, "end": 8, "value": "phone"},
            ],
        }
    )
    data = TrainingData([message], entity_synonyms={"電話": "phone"})
    normalizer.process_training_data(data)
    new_text = message.get("text")
    assert new_text == "我叫王建国,电话 13812345678,在朝阳路支行被扣了 12800 元"
    got = {e["entity"]: (new_text[e["start"] : e["end"]], e["value"]) for e in message.get("entities")}
    assert got["customer_name"] == ("王建国", "王建国")
    assert got["branch"] == ("朝阳路支行", "朝阳路支行")
    assert got["amount"] == ("12800 元", "12800 元")
    assert got["field"] == ("电话", "phone")  # synonym target kept
    assert data.entity_synonyms == {"电话": "phone"}


@pytest.fixture(scope="module")
def jieba_tokenizer() -> JiebaTokenizer:
    return JiebaTokenizer.create(
        {**JiebaTokenizer.get_default_config(), "dictionary_path": str(DICT_DIR)}, None, None, None
    )


def tokens(tokenizer: JiebaTokenizer, text: str):
    return [t.text for t in tokenizer.tokenize(Message(data={"text": text}), "text")]


def test_every_branch_lookup_entry_is_one_token(jieba_tokenizer):
    branches = sync_dict.read_branches()
    assert len(branches) >= 40
    for name in branches:
        assert tokens(jieba_tokenizer, name) == [name], name
        # and inside a sentence
        assert name in tokens(jieba_tokenizer, f"我在{name}办业务"), name


@pytest.mark.parametrize(
    "word",
    ["银保监会", "盗刷", "吞卡", "金融监管总局", "手机银行", "大额存单", "滞纳金", "风险评估", "小红书", "信用咔"],
)
def test_banking_words_stay_whole(jieba_tokenizer, word):
    assert word in tokens(jieba_tokenizer, f"我要说{word}的事"), tokens(jieba_tokenizer, f"我要说{word}的事")


def test_every_dictionary_word_is_one_token(jieba_tokenizer):
    for path in DICT_DIR.iterdir():
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.split()[0]
            assert tokens(jieba_tokenizer, word) == [word], (path.name, word)


def test_phone_numbers_are_not_split(jieba_tokenizer):
    assert "13812345678" in tokens(jieba_tokenizer, "我叫王建国电话13812345678")


def test_dictionary_files_are_only_dictionaries():
    # JiebaTokenizer loads every file in the folder: no READMEs, no sub-folders
    for path in DICT_DIR.iterdir():
        assert path.is_file() and path.suffix == ".txt", path
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            assert 1 <= len(parts) <= 3 and not line.startswith("#"), (path.name, line)


def test_branch_dictionary_and_synonyms_in_step_with_lookup():
    assert sync_dict.main(["--check"]) == 0, "run: .venv/bin/python -m bot.nlu.sync_dict"
