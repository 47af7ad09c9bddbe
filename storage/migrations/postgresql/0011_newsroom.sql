-- SQLite's 0013: an item's photo and breaking mark; follows gained and lost over time.
ALTER TABLE items ADD COLUMN photo TEXT;
ALTER TABLE items ADD COLUMN breaking INTEGER NOT NULL DEFAULT 0;
CREATE INDEX items_breaking ON items (id DESC) WHERE breaking = 1;

CREATE TABLE follow_events (
    at     DOUBLE PRECISION NOT NULL,
    key    TEXT NOT NULL,
    delta  SMALLINT NOT NULL CHECK (delta = 1 OR delta = -1)
);
CREATE INDEX follow_events_at ON follow_events (at);
