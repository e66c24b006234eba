#!/usr/bin/env bash
# Trains the model when none matches the current data/config/domain. Rasa compares the
# fingerprint of the latest model in models/ and skips the work when nothing changed.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
echo "==> 训练模型（若数据未变则跳过）"
"$VENV/bin/rasa" train --config config.yml --domain bot/domain --data data --out models "$@"
