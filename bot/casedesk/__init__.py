"""The case desk: complaint case API (aiohttp + SQLAlchemy), see docs/casedesk.md."""
