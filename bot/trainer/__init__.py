"""Trainer tools: turning real conversations into training data and test stories (issue #6)."""
