"""Everything that leaves for Telegram, as a one-way pipeline (see bot/delivery/sender.py):
the sender's loops, the re-check before a request (plan), composing (compose), the one
gateway and its mapping of Telegram's answers (telegram), the group commit of outcomes
(outcomes), the rate limiter and PTB's hook into it, the outage gate, the overview
scheduler and the aiohttp request backend."""
