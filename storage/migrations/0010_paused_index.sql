-- The fan-out holds the alerts of paused chats: few chats are paused at any moment, so a
-- small partial index finds them without reading every chat.
CREATE INDEX chats_paused ON chats (paused_until) WHERE paused_until IS NOT NULL;
