-- SQLite's 0005: combined alerts and overviews at set times.
ALTER TABLE chats ADD COLUMN overview TEXT;
ALTER TABLE chats ADD COLUMN overview_due DOUBLE PRECISION;
ALTER TABLE chats ADD COLUMN overview_at DOUBLE PRECISION;
CREATE INDEX chats_overview ON chats (id) WHERE overview IS NOT NULL;
CREATE INDEX chats_overview_due ON chats (overview_due) WHERE overview_due IS NOT NULL;

ALTER TABLE subscriptions ADD COLUMN direct INTEGER NOT NULL DEFAULT 0;
DROP INDEX subscriptions_key;
CREATE INDEX subscriptions_key ON subscriptions (key, chat_id) INCLUDE (direct);

ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'sent', 'failed', 'dropped', 'held'));
DROP INDEX deliveries_chat_done;
CREATE INDEX deliveries_chat_done ON deliveries (chat_id, message_id) WHERE status <> 'pending';

CREATE TABLE bundles (
    chat_id     BIGINT NOT NULL,
    message_id  BIGINT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('combined', 'overview')),
    at          DOUBLE PRECISION,
    part        INTEGER NOT NULL DEFAULT 0,
    silent      INTEGER NOT NULL DEFAULT 0,
    sent_at     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
