-- A text is unique among live items only: after /intrekken the same text may be posted
-- again.  A partial unique index replaces the column's UNIQUE.
--
-- SQLite cannot drop a column constraint, so `items` is rebuilt the documented way: a new
-- table, the rows copied with their ids, the old one dropped, the new one renamed.  Foreign
-- keys are on while migrating, and dropping `items` deletes its `item_regions` rows (an
-- ON DELETE CASCADE; no trigger fires), so those are kept aside and put back.  The FTS
-- index keeps its rows (same rowids); its triggers went with the old table and are made
-- again, as are the indexes.
CREATE TEMP TABLE kept_regions AS SELECT item_id, region FROM item_regions;

CREATE TABLE items_rebuilt (
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
    content_hash  TEXT NOT NULL,               -- unique among live items: items_live_text
    retracted     INTEGER NOT NULL DEFAULT 0,
    updated_at    REAL
);
INSERT INTO items_rebuilt (id, kind, title, body, headings, dateline, agencies, section,
                           published_at, received_at, lead, source, link, guid, content_hash,
                           retracted, updated_at)
SELECT id, kind, title, body, headings, dateline, agencies, section, published_at,
       received_at, lead, source, link, guid, content_hash, retracted, updated_at
FROM items;
DROP TABLE items;
ALTER TABLE items_rebuilt RENAME TO items;

INSERT INTO item_regions (item_id, region) SELECT item_id, region FROM kept_regions;
DROP TABLE kept_regions;

CREATE UNIQUE INDEX items_live_text ON items (content_hash) WHERE retracted = 0;
CREATE INDEX items_newest ON items (coalesce(published_at, received_at) DESC, id DESC);
CREATE INDEX items_lead ON items (received_at DESC, id DESC) WHERE lead = 1;
CREATE UNIQUE INDEX items_guid ON items (source, guid) WHERE guid IS NOT NULL;

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
