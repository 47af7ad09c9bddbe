"""newsbot: a Telegram bot for Dutch news alerts."""
