"""`python -m bot` is the same CLI as `newsbot`."""

import sys

from bot.cli import main

sys.exit(main())
