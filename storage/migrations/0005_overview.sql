-- Fewer, better messages: combined alerts and overviews at set times.
--
-- chats.overview is the rhythm as the reader set it ('08:00', '07:30,18:00', 'uur'; NULL:
-- every alert at once); overview_due is the next moment an overview is owed (unix time),
-- kept in the database so one missed while the bot was down goes out on start;
-- overview_at is set while an overview is on its way (the moment it is for: its heading
-- and whether it is silent).
ALTER TABLE chats ADD COLUMN overview TEXT;
ALTER TABLE chats ADD COLUMN overview_due REAL;
ALTER TABLE chats ADD COLUMN overview_at REAL;
-- Matching reads this small index to hold alerts for overview chats (like chats_inactive).
CREATE INDEX chats_overview ON chats (id) WHERE overview IS NOT NULL;
CREATE INDEX chats_overview_due ON chats (overview_due) WHERE overview_due IS NOT NULL;

-- A subscription marked direct comes at once even when the chat has an overview.
ALTER TABLE subscriptions ADD COLUMN direct INTEGER NOT NULL DEFAULT 0;
-- The fan-out reads `direct` for every matched row: in the index it costs no table lookup.
DROP INDEX subscriptions_key;
CREATE INDEX subscriptions_key ON subscriptions (key, chat_id, direct);

-- The outbox gains 'held' (waiting for the chat's overview).  SQLite cannot change a
-- CHECK in place, so the table is rebuilt with the same keys and indexes.
CREATE TABLE deliveries_new (
    item_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    key         TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'
                       OR status = 'dropped' OR status = 'held'),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  REAL NOT NULL DEFAULT 0,
    message_id  INTEGER,
    error       TEXT,
    sent_at     REAL,
    PRIMARY KEY (item_id, chat_id)
) WITHOUT ROWID;
INSERT INTO deliveries_new (item_id, chat_id, key, status, attempts, not_before, message_id,
                            error, sent_at)
    SELECT item_id, chat_id, key, status, attempts, not_before, message_id, error, sent_at
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_pending ON deliveries (item_id DESC, chat_id) WHERE status = 'pending';
-- A chat's rows that are not pending (held, sent, ...), and which items one message
-- carries (a combined alert or an overview: one message_id on several rows).
CREATE INDEX deliveries_chat_done ON deliveries (chat_id, message_id) WHERE status != 'pending';
CREATE INDEX deliveries_sent_at ON deliveries (sent_at) WHERE status = 'sent';

-- Messages that carry more than one alert: how to render them again after a
-- correction or a retraction.  kind 'combined' or 'overview' (at: the overview's
-- moment, part: its place among the overview's messages).
CREATE TABLE bundles (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind = 'combined' OR kind = 'overview'),
    at          REAL,
    part        INTEGER NOT NULL DEFAULT 0,
    silent      INTEGER NOT NULL DEFAULT 0,
    sent_at     REAL NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;
