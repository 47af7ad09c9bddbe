-- SQLite's 0007: forum topics.  A subscription, and so an alert, belongs to a (chat,
-- thread); thread 0 is the whole chat (every row from before, every chat without topics).
ALTER TABLE subscriptions ADD COLUMN thread_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_pkey,
    ADD PRIMARY KEY (chat_id, thread_id, key);
DROP INDEX subscriptions_key;
CREATE INDEX subscriptions_key ON subscriptions (key, chat_id) INCLUDE (thread_id, direct);

ALTER TABLE deliveries ADD COLUMN thread_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey,
    ADD PRIMARY KEY (item_id, chat_id, thread_id);
DROP INDEX deliveries_pending;
CREATE INDEX deliveries_pending ON deliveries (claimed_by, item_id DESC, chat_id, thread_id)
    WHERE status = 'pending';
