-- Forum topics: a subscription, and so an alert, belongs to a (chat, thread).  Thread 0
-- is the whole chat: every row from before this migration, and every chat without topics
-- (a NOT NULL 0 rather than NULL, because a WITHOUT ROWID key cannot hold NULL).
-- SQLite cannot change a primary key in place, so both tables are rebuilt with thread_id
-- in the key (columns, CHECK and indexes otherwise as 0002, 0003 and 0005 left them).
-- The integer 0 takes no bytes in an SQLite record (serial type 8), so a fan-out's
-- outbox rows are as small as before (bench/bench_matching.py, docs/benchmarks.md).
CREATE TABLE subscriptions_new (
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    thread_id   INTEGER NOT NULL DEFAULT 0,    -- message_thread_id of a forum topic; 0: the chat
    key         TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  REAL NOT NULL,
    direct      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, thread_id, key)
) WITHOUT ROWID;
INSERT INTO subscriptions_new (chat_id, thread_id, key, label, created_at, direct)
    SELECT chat_id, 0, key, label, created_at, direct FROM subscriptions;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_new RENAME TO subscriptions;
-- The fan-out reads thread_id and direct for every matched row: both in the index.
CREATE INDEX subscriptions_key ON subscriptions (key, chat_id, thread_id, direct);

-- The outbox keyed by (item, chat, thread): an item that matches two topics of one
-- group is two messages.
CREATE TABLE deliveries_new (
    item_id     INTEGER NOT NULL,              -- items.id
    chat_id     INTEGER NOT NULL,              -- chats.id
    thread_id   INTEGER NOT NULL DEFAULT 0,    -- subscriptions.thread_id
    key         TEXT NOT NULL,                 -- the subscription that matched
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'
                       OR status = 'dropped' OR status = 'held'),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  REAL NOT NULL DEFAULT 0,
    message_id  INTEGER,
    error       TEXT,
    sent_at     REAL,
    PRIMARY KEY (item_id, chat_id, thread_id)
) WITHOUT ROWID;
INSERT INTO deliveries_new (item_id, chat_id, thread_id, key, status, attempts, not_before,
                            message_id, error, sent_at)
    SELECT item_id, chat_id, 0, key, status, attempts, not_before, message_id, error, sent_at
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_pending ON deliveries (item_id DESC, chat_id, thread_id)
    WHERE status = 'pending';
CREATE INDEX deliveries_chat_done ON deliveries (chat_id, message_id) WHERE status != 'pending';
CREATE INDEX deliveries_sent_at ON deliveries (sent_at) WHERE status = 'sent';
