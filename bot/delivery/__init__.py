"""Everything that leaves for Telegram: the sender (outbox to chats), the rate limiter
(permits within Telegram's budget) and the aiohttp request backend."""
