"""`rasa`, with this project's run-time patches (bot/rasa_patches.py) installed first.

`rasa run` creates the tracker store before it loads the model, and so before it imports our NLU
components (which install the patches too): the SQLite pool patch only applies when Rasa is
started through here. scripts/serve.sh does that.
"""
import sys

import bot.rasa_patches  # noqa: F401  (installs the patches)
from rasa.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
