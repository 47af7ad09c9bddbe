-- The outbox: one row per (item, chat), written in the same transaction as the item.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    key         TEXT NOT NULL,                 -- the subscription that matched
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  REAL NOT NULL DEFAULT 0,       -- retry backoff: do not send before this time
    message_id  INTEGER,
    error       TEXT,
    sent_at     REAL,
    UNIQUE (item_id, chat_id)
);
-- Newest items first when a backlog builds up.
CREATE INDEX deliveries_pending ON deliveries (item_id DESC, id) WHERE status = 'pending';
CREATE INDEX deliveries_chat ON deliveries (chat_id);
CREATE INDEX deliveries_sent_at ON deliveries (sent_at) WHERE status = 'sent';

ALTER TABLE chats ADD COLUMN inactive_reason TEXT;

-- Counters the sender keeps for /stats (429s seen, ...).
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
