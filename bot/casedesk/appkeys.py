"""Typed keys for what the app object carries (aiohttp's AppKey): no module-level globals.

The database key lives in db.py next to the class it holds.
"""
from aiohttp import web

from bot.crypto import PiiCipher
from bot.casedesk.settings import Settings

SETTINGS_KEY = web.AppKey("casedesk_settings", Settings)
CIPHER_KEY = web.AppKey("casedesk_cipher", PiiCipher)
