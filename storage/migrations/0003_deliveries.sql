-- The outbox: one row per (item, chat), written in the same transaction as the item.
-- A fan-out writes a row per matched chat at once, so every b-tree a row lands in counts:
-- the table is keyed by (item, chat) itself (WITHOUT ROWID: no separate unique index),
-- it has no foreign keys (two lookups per row; the store deletes and moves a chat's rows
-- itself), the CHECK is written with OR (SQLite 3.40 rebuilds an IN list for every row),
-- and the per-chat index leaves pending rows out, so a new row touches just two trees.
CREATE TABLE deliveries (
    item_id     INTEGER NOT NULL,              -- items.id
    chat_id     INTEGER NOT NULL,              -- chats.id
    key         TEXT NOT NULL,                 -- the subscription that matched
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'
                       OR status = 'dropped'),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  REAL NOT NULL DEFAULT 0,       -- retry backoff: do not send before this time
    message_id  INTEGER,
    error       TEXT,
    sent_at     REAL,
    PRIMARY KEY (item_id, chat_id)
) WITHOUT ROWID;
-- Newest items first when a backlog builds up.
CREATE INDEX deliveries_pending ON deliveries (item_id DESC, chat_id) WHERE status = 'pending';
-- A chat's delivered history (for /stop and group migrations); pending rows are found
-- through deliveries_pending.
CREATE INDEX deliveries_chat_done ON deliveries (chat_id) WHERE status != 'pending';
CREATE INDEX deliveries_sent_at ON deliveries (sent_at) WHERE status = 'sent';

ALTER TABLE chats ADD COLUMN inactive_reason TEXT;
-- Matching skips dormant chats; without this it reads every chat to find them.
CREATE INDEX chats_inactive ON chats (id) WHERE active = 0;

-- Counters the sender keeps for /stats (429s seen, ...).
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
