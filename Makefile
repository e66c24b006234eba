# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.PHONY: setup setup-test train run test check test-fast validate bench clean user demo story evaluate retention

setup:
	scripts/setup.sh

# Browser tests need Debian's Chromium (Playwright's own browser download is never used) and
# a CJK font so screenshots of the Chinese pages are legible.
setup-test: setup
	@if ! command -v chromium >/dev/null || ! fc-list :lang=zh | grep -q .; then \
	  echo "==> 安装 Chromium 与中文字体（Debian 软件包）"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

train: setup
	scripts/train.sh

run: setup train
	scripts/run.sh

# the fast check before a commit: lint, types, training data and the tests that need no running
# stack (scripts/check.sh, about 2½ minutes on 2 cores); test-fast is the same
check: setup
	scripts/check.sh

test-fast: check

validate: setup
	. scripts/env.sh && .venv/bin/python scripts/validate.py

test: setup-test train
	scripts/test.sh

# data check, held-out intent evaluation and test stories → reports/evaluation/index.html
evaluate: setup train
	. scripts/env.sh && .venv/bin/python -m bot.trainer.evaluate

bench: setup train
	. scripts/env.sh && .venv/bin/python bench/run_all.py

# console accounts (docs/console.md): make user ARGS='create --username wang --role agent --display-name 王明'
user:
	. scripts/env.sh && .venv/bin/python -m bot.casedesk.console.users $(ARGS)

# sample complaints, a waiting handoff and two console accounts (passwords printed once), so a
# newcomer sees a working desk; run it again and nothing is added (docs/console.md)
demo: setup
	. scripts/env.sh && .venv/bin/python -m bot.casedesk.demo

# conversations → a Rasa test story, PII replaced (docs/trainer.md); Rasa must be running:
# make story IDS="id1 id2" [OUT=tests/stories/test_from_chat.yml]
story:
	@if [ -z "$(IDS)" ]; then echo '用法：make story IDS="对话id1 对话id2" [OUT=文件]'; exit 2; fi
	. scripts/env.sh && .venv/bin/python -m bot.trainer.stories $(IDS) $(if $(OUT),--out $(OUT))

# 个人信息保留期限清理 (docs/privacy.md): anonymise transcripts of ended cases older than
# CASEDESK_TRANSCRIPT_RETENTION_DAYS (365), delete tracker events older than TRACKER_RETENTION_DAYS (90)
retention: setup
	. scripts/env.sh && .venv/bin/python -m bot.casedesk.cases.retention

clean:
	rm -rf var/*.db var/log results
