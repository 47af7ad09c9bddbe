"""The news domain, pure: items and their parsing, the gazetteer and region tagging,
matching keys, quiet hours, rendering to Telegram HTML, Dutch times.

No telegram, no database, no network, no asyncio here (tests/test_layout.py keeps it so):
everything in this package is a function of its arguments and its data files.
"""
