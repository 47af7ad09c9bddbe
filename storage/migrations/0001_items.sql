-- Chats the bot knows, and the news items with their regions and a full-text index.
CREATE TABLE chats (
    id          INTEGER PRIMARY KEY,           -- Telegram chat id
    kind        TEXT NOT NULL DEFAULT 'private',
    title       TEXT,
    active      INTEGER NOT NULL DEFAULT 1,    -- 0 after 403 / chat not found
    created_at  REAL NOT NULL
);

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('article', 'brief')),
    title         TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL,
    headings      TEXT NOT NULL DEFAULT '[]',  -- JSON list of indexes of subheading paragraphs
    dateline      TEXT NOT NULL DEFAULT '',
    agencies      TEXT NOT NULL DEFAULT '',    -- 'ANP/RTR/AFP'
    section       TEXT,
    published_at  REAL,                        -- unix time; NULL when the source gives none
    received_at   REAL NOT NULL,
    lead          INTEGER NOT NULL DEFAULT 0,
    source        TEXT NOT NULL DEFAULT '',
    link          TEXT,
    guid          TEXT,
    content_hash  TEXT NOT NULL UNIQUE,
    retracted     INTEGER NOT NULL DEFAULT 0,
    updated_at    REAL
);
CREATE INDEX items_newest ON items (coalesce(published_at, received_at) DESC, id DESC);
CREATE INDEX items_lead ON items (received_at DESC, id DESC) WHERE lead = 1;
CREATE UNIQUE INDEX items_guid ON items (source, guid) WHERE guid IS NOT NULL;

CREATE TABLE item_regions (
    item_id  INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    region   TEXT NOT NULL,
    PRIMARY KEY (item_id, region)
) WITHOUT ROWID;
CREATE INDEX item_regions_region ON item_regions (region, item_id DESC);

-- External-content FTS5 index over title, body and dateline, kept in step by triggers.
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, body, dateline, content = 'items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts (rowid, title, body, dateline)
    VALUES (new.id, new.title, new.body, new.dateline);
END;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, title, body, dateline)
    VALUES ('delete', old.id, old.title, old.body, old.dateline);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF title, body, dateline ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, title, body, dateline)
    VALUES ('delete', old.id, old.title, old.body, old.dateline);
    INSERT INTO items_fts (rowid, title, body, dateline)
    VALUES (new.id, new.title, new.body, new.dateline);
END;
