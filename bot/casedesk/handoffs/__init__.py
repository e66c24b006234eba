"""Handoffs to people: the service and its Rasa sync, the bridge to Rasa, assignment, typing,
waits, call-backs, canned replies, reply checks and escalation marks."""
