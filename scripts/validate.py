"""`rasa data validate`, failing on every warning it prints except one kind it cannot judge.

Rasa's validator reads stories and rules only, so it reports every response that a custom
action (or the case desk, through Rasa's HTTP API) sends as "not used in any story or rule".
Those warnings are checked here instead: the response must be named in our Python code — as a
literal ("utter_filed") or through a name template (f"utter_handoff_{reason}"). A response named
nowhere is still reported, as is every other warning.

Usage: python scripts/validate.py  (from `make validate` and scripts/test.sh)
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = (ROOT / "actions", ROOT / "bot")
UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule\.")
WARNING = re.compile(r"(?:UserWarning|FutureWarning|RasaWarning|Warning): (.*)")
# warnings from libraries Rasa imports, not about our data
NOISE = re.compile(r"DeprecationWarning|pkg_resources|declare_namespace|jax\.|tensorflow")
NAMED = re.compile(r"""(f?)["'](utter_[a-z0-9_{}]+)["']""")


def names_in_code() -> tuple[set[str], list[re.Pattern[str]]]:
    literals: set[str] = set()
    templates: list[re.Pattern[str]] = []
    for folder in CODE_DIRS:
        for path in folder.rglob("*.py"):
            for is_f, name in NAMED.findall(path.read_text(encoding="utf-8")):
                if is_f and "{" in name:
                    templates.append(re.compile(re.sub(r"\{[^}]*\}", "[a-z0-9_]+", name) + r"\Z"))
                else:
                    literals.add(name)
    return literals, templates


def main() -> int:
    cmd = [str(ROOT / ".venv/bin/rasa"), "data", "validate", "--domain", "bot/domain",
           "--data", "data", "--config", "config.yml"]
    # SQLAlchemy's 2.0 notice is about Rasa's own tracker store, not our data (scripts/env.sh
    # silences it for make; set here too, so the trainer's report reads the same run anywhere)
    env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        print(output)
        print("rasa data validate 失败", file=sys.stderr)
        return proc.returncode

    literals, templates = names_in_code()
    sent_by_code, problems = [], []
    for line in output.splitlines():
        found = WARNING.search(line)
        if not found or NOISE.search(line):
            continue
        message = found.group(1).strip()
        unused = UNUSED.search(message)
        if unused and (unused.group(1) in literals or any(t.match(unused.group(1)) for t in templates)):
            sent_by_code.append(unused.group(1))
        else:
            problems.append(message)
    print(f"rasa data validate: {len(sent_by_code)} responses are sent by code, not stories (checked)")
    for message in problems:
        print(f"WARNING: {message}")
    if problems:
        print(f"{len(problems)} warning(s): fix the training data", file=sys.stderr)
        return 1
    print("rasa data validate: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
