"""The escalation detector: one place that decides whether a message calls for a person now.

- ``rules/*.yml``: the trainer-editable keywords, patterns and exceptions, one file per reason.
- ``detector.EscalationDetector``: ``detect(text, intent, confidence) -> Detection | None``.
- ``classifier``: the learned reason classifier the detector combines with the rules when
  ``ESCALATION_LEARNED`` is on (trained from data/escalation/train.yml at start-up).
- ``signals``: conversation-level signals over the tracker's events (anger after an apology,
  the same complaint repeated, a third failed answer).
- ``bot/nlu/escalation.py``: the Rasa NLU component that runs the detector on every message.

See docs/escalation.md.
"""
from bot.escalation.detector import Detection, EscalationDetector, default_detector  # noqa: F401
