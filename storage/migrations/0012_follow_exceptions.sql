-- What a follow leaves out (/volg Ajax -transfer): the keys whose items do not reach the
-- chat through this follow.  They go with the follow (cascade) and move with it when its
-- key or its chat changes.
CREATE TABLE follow_exceptions (
    chat_id     INTEGER NOT NULL,
    thread_id   INTEGER NOT NULL,
    key         TEXT NOT NULL,
    except_key  TEXT NOT NULL,
    PRIMARY KEY (chat_id, thread_id, key, except_key),
    FOREIGN KEY (chat_id, thread_id, key) REFERENCES subscriptions (chat_id, thread_id, key)
        ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX follow_exceptions_except ON follow_exceptions (except_key);
