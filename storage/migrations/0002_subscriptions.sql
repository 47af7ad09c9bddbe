-- What each chat follows.  `key` is the normalised match key ('r:UA', 'p:<place>',
-- 'k:<stems>'); `label` is how the reader sees it ('Oekraïne (land)').
CREATE TABLE subscriptions (
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    key         TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (chat_id, key)
) WITHOUT ROWID;
-- Matching looks items' keys up here: cost follows the matches, not the table size.
CREATE INDEX subscriptions_key ON subscriptions (key, chat_id);

ALTER TABLE chats ADD COLUMN quiet_from INTEGER;   -- minutes after local midnight
ALTER TABLE chats ADD COLUMN quiet_until INTEGER;
