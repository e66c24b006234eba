"""Complaint cases: their rules, request shapes, access, repository-side helpers, lifecycle and
HTTP handlers."""
