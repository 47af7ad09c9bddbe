-- Alerts older than NEWSBOT_ALERT_MAX_AGE are not sent any more: a state of their own,
-- 'expired'.  SQLite cannot change a CHECK constraint in place, so the outbox is rebuilt
-- with the same columns, key and indexes (see 0007) and its rows copied as they are.
CREATE TABLE deliveries_new (
    item_id     INTEGER NOT NULL,              -- items.id
    chat_id     INTEGER NOT NULL,              -- chats.id
    thread_id   INTEGER NOT NULL DEFAULT 0,    -- subscriptions.thread_id
    key         TEXT NOT NULL,                 -- the subscription that matched
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'
                       OR status = 'dropped' OR status = 'held' OR status = 'expired'),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  REAL NOT NULL DEFAULT 0,
    message_id  INTEGER,
    error       TEXT,
    sent_at     REAL,
    PRIMARY KEY (item_id, chat_id, thread_id)
) WITHOUT ROWID;
INSERT INTO deliveries_new (item_id, chat_id, thread_id, key, status, attempts, not_before,
                            message_id, error, sent_at)
    SELECT item_id, chat_id, thread_id, key, status, attempts, not_before, message_id, error,
           sent_at
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_pending ON deliveries (item_id DESC, chat_id, thread_id)
    WHERE status = 'pending';
CREATE INDEX deliveries_chat_done ON deliveries (chat_id, message_id) WHERE status != 'pending';
CREATE INDEX deliveries_sent_at ON deliveries (sent_at) WHERE status = 'sent';
