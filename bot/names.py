"""Chinese surnames of two characters, shared by the intake's name parser (actions/parsing.py)
and the trainer's scrubber (bot/trainer/stories.py): DIET may tag only 建国 of 欧阳建国, and the
scrubber must not leave 欧阳 behind."""
from __future__ import annotations

COMPOUND_SURNAMES = tuple(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 "
    "西门 百里 呼延 澹台 公冶 太史 申屠 闻人 赫连 钟离 宗政 濮阳 淳于 单于 万俟".split()
)
