-- SQLite's 0010: paused chats found by a small partial index.
CREATE INDEX chats_paused ON chats (paused_until) WHERE paused_until IS NOT NULL;
