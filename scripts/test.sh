#!/usr/bin/env bash
# `make test` after set-up and training: cheap checks first, then the conversation tests,
# then pytest (unit, case desk on SQLite and PostgreSQL, end-to-end, browser).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

echo "==> ruff（代码检查）与 mypy（类型检查）"
"$VENV/bin/ruff" check .
"$VENV/bin/mypy"

echo "==> rasa data validate"
"$VENV/bin/python" scripts/validate.py

echo "==> rasa test：对话测试故事"
"$VENV/bin/rasa" test core --model models --stories tests/stories \
  --fail-on-prediction-errors --out results/core

echo "==> pytest"
# the slowest tests are listed at the end, so a run that nears the 45-minute budget shows where
"$VENV/bin/python" -m pytest --durations=25 "$@"
