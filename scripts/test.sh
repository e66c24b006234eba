#!/usr/bin/env bash
# `make test` after set-up and training: lint and types first, then pytest (unit, training
# data and test stories, case desk on SQLite and PostgreSQL, end-to-end, browser).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

echo "==> ruff（代码检查）与 mypy（类型检查）"
"$VENV/bin/ruff" check .
"$VENV/bin/mypy"

# `rasa data validate` and `rasa test core` on tests/stories run inside pytest, in
# tests/trainer/test_evaluate.py (what `make evaluate` runs, with the held-out intents): running
# them here as well cost a minute and a half of the 45-minute budget for the same answer.
echo "==> pytest"
# the slowest tests are listed at the end, so a run that nears the 45-minute budget shows where
"$VENV/bin/python" -m pytest --durations=25 "$@"
