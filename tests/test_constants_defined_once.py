"""A module-level constant is assigned once (bot/ and actions/): a second `_DIGIT_RUN = …` further
down a long module silently replaces the first for every function that reads it at call time, and
no linter here reports it (ruff's F811 covers only functions and imports)."""
from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _constants_assigned_twice(path: Path):
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else []
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id.lstrip("_").isupper():
                    names.append(name.id)
    return [name for name, n in Counter(names).items() if n > 1]


def test_no_module_constant_is_assigned_twice():
    found = {}
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        twice = _constants_assigned_twice(path)
        if twice:
            found[str(path.relative_to(ROOT))] = twice
    assert not found, found
