"""Rasa-side code of the complaint-intake assistant (投诉受理助手) that is not an action."""
