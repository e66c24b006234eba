"""Rasa input channels of our own (registered in bot/credentials.yml): `wechat` (公众号)."""
