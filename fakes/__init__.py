"""What stands in for Telegram here, shared by the tests and the benchmarks.

The HTTP Bot API emulator (``botapi``), Telegram's HTML parser (``telegram_html``) and a way
to run the real ``newsbot run`` as a child process against them (``process``).  Not a test
module: benchmarks import this package and never ``tests``; product code imports neither.
"""
